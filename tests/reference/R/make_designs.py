"""Write pipeline_designs.csv: a constructed trial unlike BeMind (seeded; run once).

An SRS-like alliance measure (total 0-40) after each of 8 sessions, a PHQ-9 (9 items scored
0-3) as the first outcome at pre, post and follow-ups at 3 and 9 months, no second outcome.
Run from this folder: ``python make_designs.py`` (then ``Rscript pipeline_designs.R``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(16)
n = 96
arm = np.repeat(["control", "online"], n // 2)
sessions = np.clip(np.round(rng.normal(6.2, 2.2, n)), 1, 8).astype(int)
person = rng.normal(0, 1, n)
frame = pd.DataFrame({"id": [f"t{i:03d}" for i in range(1, n + 1)], "group": arm})
frame["sessions"] = sessions
for s in range(1, 9):
    srs = 27 + 4 * person + 0.8 * s + 0.3 * s * (arm == "online") + rng.normal(0, 3, n)
    srs = np.clip(np.round(srs, 1), 0, 40)
    frame[f"srs{s}"] = np.where(sessions >= s, srs, np.nan)
distress = rng.normal(0, 1, n)
alliance = frame["srs2"].fillna(frame["srs1"]).to_numpy()
for wave, shift in (("0", 0.0), ("1", -0.35), ("3", -0.45), ("9", -0.5)):
    centre = 1.5 + 0.5 * distress + shift - (0.02 * (alliance - 28) if wave != "0" else 0)
    items = np.clip(np.round(centre[:, None] + rng.normal(0, 0.6, (n, 9))), 0, 3) + 0.0
    present = rng.random(n) < (1.0 if wave == "0" else 0.85)
    for i in range(9):
        frame[f"phq{wave}_{i + 1}"] = np.where(present, items[:, i], np.nan)
if __name__ == "__main__":  # not on import (pytest --doctest-modules imports it)
    frame.to_csv(Path(__file__).with_name("pipeline_designs.csv"), index=False, float_format="%g")
