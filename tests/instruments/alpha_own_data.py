"""Make the project's own item-level test data for the reliability checks (deterministic).

Run ``python tests/instruments/alpha_own_data.py`` to (re)write
``tests/reference/R/alpha_own_hads.csv``; ``tests/reference/R/alpha_psych.R`` reads it and
the reliability test checks that the committed file is what this generator makes.
The data are simulated (no real participant): 300 HADS-like responses, 0-3 per item, from
a two-factor model, with about 5 % of answers missing and a few near-empty responses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OWN_CSV = Path(__file__).resolve().parents[1] / "reference" / "R" / "alpha_own_hads.csv"


def make_own_hads(seed: int = 20261127, n: int = 300) -> pd.DataFrame:
    """The simulated HADS responses (item columns ``hads_pre_1..14`` as nullable ints)."""
    rng = np.random.default_rng(seed)
    general = rng.normal(size=n)
    specific = rng.normal(size=(n, 2))
    columns = {}
    for item in range(1, 15):
        factor = specific[:, (item + 1) % 2]  # odd items anxiety, even depression
        latent = 0.6 * general + 0.5 * factor + rng.normal(scale=0.7, size=n)
        score = np.digitize(latent, [-0.8 + 0.05 * item, 0.3, 1.2]).astype(float)
        score[rng.random(n) < 0.05] = np.nan
        columns[f"hads_pre_{item}"] = score
    frame = pd.DataFrame(columns)
    frame.iloc[[7, 77, 177], 2:] = np.nan  # three nearly empty responses
    frame = frame.astype("Int64")
    frame.insert(0, "participant_id", [f"S{i:03d}" for i in range(1, n + 1)])
    return frame


if __name__ == "__main__":
    make_own_hads().to_csv(OWN_CSV, index=False)
    print(f"wrote {OWN_CSV}")
