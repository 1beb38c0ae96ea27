"""Generate the synthetic reference data sets of the analysis-model tests (our own data,
BSD-3-Clause like the project). Deterministic: rerunning rewrites identical files.

    python tests/reference/R/models/make_data.py

Writes ``trial.csv`` (a trial-like normalized frame, 180 participants) and ``rm_2x3.csv``
(2 groups x 3 occasions, 30 + 22 subjects, unbalanced) beside this script. The R script
``reference.R`` then computes the reference values from them.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def trial(rng: np.random.Generator) -> pd.DataFrame:
    n = 180
    arm = np.repeat([0, 1], [88, 92])
    started = rng.random(n) < 0.85
    wai_w2 = np.round(np.clip(rng.normal(36 - 1.5 * arm, 8.5), 12, 60))
    eta = 0.9 - 0.07 * wai_w2 + 1.2 * arm + 0.04 * (wai_w2 - 36) * arm
    dropped = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    dropped[~started] = np.nan
    completer = started & (dropped == 0)
    person = rng.normal(0, 6, n)
    wai_w5 = np.round(wai_w2 + 2 + 0.5 * person + rng.normal(0, 4, n) + 0.8 * arm)
    wai_w9 = np.round(wai_w2 + 3.5 + 0.5 * person + rng.normal(0, 4, n) - 0.5 * arm)
    hads_pre = np.round(np.clip(rng.normal(18, 6.5, n), 2, 42))
    mhc_pre = np.round(np.clip(rng.normal(36, 13, n), 0, 70))
    hads_post = np.round(
        np.clip(
            5
            + 0.55 * hads_pre
            - 2.5 * arm
            - 0.14 * (wai_w2 - 36)
            + 0.2 * (wai_w2 - 36) * arm
            + rng.normal(0, 4.5, n),
            0,
            42,
        )
    )
    mhc_post = np.round(
        np.clip(
            10
            + 0.7 * mhc_pre
            + 0.2 * wai_w2
            + 1.5 * arm
            - 0.1 * (wai_w2 - 36) * arm
            + rng.normal(0, 8, n),
            0,
            70,
        )
    )
    frame = pd.DataFrame(
        {
            "participant_id": [f"P{i:03d}" for i in range(1, n + 1)],
            "arm": arm,
            "arm_label": np.where(arm == 0, "MBCT", "eMBCT"),
            "started": started,
            "dropped_out": dropped,
            "completer": completer,
            "wai_w2": wai_w2,
            "wai_w5": wai_w5,
            "wai_w9": wai_w9,
            "hads_pre": hads_pre,
            "hads_post": hads_post,
            "mhc_pre": mhc_pre,
            "mhc_post": mhc_post,
        }
    )
    # Missingness: nothing after baseline for those who never started; sporadic gaps.
    for column in ("wai_w2", "wai_w5", "wai_w9", "hads_post", "mhc_post"):
        frame.loc[~started, column] = np.nan
    frame.loc[rng.random(n) < 0.08, "wai_w2"] = np.nan
    dropouts = frame["dropped_out"] == 1
    frame.loc[dropouts & (rng.random(n) < 0.6), "wai_w5"] = np.nan
    frame.loc[dropouts, "wai_w9"] = np.nan
    frame.loc[rng.random(n) < 0.1, "wai_w9"] = np.nan
    frame.loc[rng.random(n) < 0.12, "hads_post"] = np.nan
    frame.loc[rng.random(n) < 0.12, "mhc_post"] = np.nan
    frame.loc[dropouts, ["hads_post", "mhc_post"]] = np.nan
    return frame


def rm_2x3(rng: np.random.Generator) -> pd.DataFrame:
    sizes = (30, 22)
    group = np.repeat([0, 1], sizes)
    n = len(group)
    person = rng.normal(0, 5, n)
    profile = np.array([[20.0, 21.5, 22.0], [20.5, 21.0, 23.5]])
    y = profile[group] + person[:, None] + rng.normal(0, 3, (n, 3)) * np.array([1.0, 1.3, 1.6])
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "group": group,
            "t1": np.round(y[:, 0], 2),
            "t2": np.round(y[:, 1], 2),
            "t3": np.round(y[:, 2], 2),
        }
    )


if __name__ == "__main__":
    rng = np.random.default_rng(20191001)
    trial(rng).to_csv(HERE / "trial.csv", index=False)
    rm_2x3(rng).to_csv(HERE / "rm_2x3.csv", index=False)
