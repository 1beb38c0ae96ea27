"""Writes clustered_trial.csv: a synthetic two-arm trial with therapists, MBCT groups and
missing outcomes, the input of clustering.R and imputation.R. Run from this folder:
    python make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make() -> pd.DataFrame:
    """The trial, drawn afresh with its seed (pytest imports this file for its doctests, so
    nothing may run on import)."""
    rng = np.random.default_rng(20190614)
    n = 240
    arm = np.repeat([0, 1], n // 2)
    # MBCT: 4 therapists leading 12 groups of 10; eMBCT: 6 therapists of 20 patients each.
    group = np.where(arm == 0, np.arange(n) // 10, -1)
    therapist = np.where(arm == 0, group % 4, 4 + (np.arange(n) - n // 2) // 20)
    u_t = rng.normal(0, 1.6, 10)[therapist]
    u_g = np.where(arm == 0, rng.normal(0, 1.2, 12)[np.maximum(group, 0)], 0.0)
    wai2 = np.clip(np.round(rng.normal(38, 8, n) + 1.5 * u_t), 12, 60)
    hads_pre = np.clip(np.round(rng.normal(17, 6, n)), 0, 42)
    hads_post = np.clip(
        np.round(
            4 + 0.6 * hads_pre - 0.12 * (wai2 - 38) + 0.8 * arm + u_t + u_g + rng.normal(0, 4, n)
        ),
        0,
        42,
    )
    mhc_pre = np.clip(np.round(rng.normal(36, 12, n)), 0, 70)
    mhc_post = np.clip(
        np.round(8 + 0.7 * mhc_pre + 0.25 * (wai2 - 38) - 1.2 * u_t - u_g + rng.normal(0, 8, n)),
        0,
        70,
    )
    sessions = np.where(rng.random(n) < 0.18, rng.integers(0, 4, n), rng.integers(4, 10, n))
    completer = sessions >= 4
    # Missingness: no alliance without a session 2, post missing more often for non-completers and
    # for high baseline distress (MAR on observed variables).
    wai_missing = (sessions < 2) | (rng.random(n) < 0.06)
    p_post = np.where(completer, 0.08, 0.55) + 0.01 * (hads_pre - 17)
    post_missing = rng.random(n) < np.clip(p_post, 0.02, 0.95)
    pre_missing = rng.random(n) < 0.04
    frame = pd.DataFrame(
        {
            "participant_id": [f"P{i + 1:03d}" for i in range(n)],
            "arm": np.where(arm == 0, "mbct", "embct"),
            "therapist_id": [f"T{t + 1}" for t in therapist],
            "group_id": [f"G{g + 1:02d}" if g >= 0 else "" for g in group],
            "sessions_attended": sessions,
            "completer": completer.astype(int),
            "wai_w2": np.where(wai_missing, np.nan, wai2),
            "hads_pre": np.where(pre_missing, np.nan, hads_pre),
            "hads_post": np.where(post_missing, np.nan, hads_post),
            "mhc_pre": np.where(pre_missing, np.nan, mhc_pre),
            "mhc_post": np.where(post_missing, np.nan, mhc_post),
        }
    )
    return frame


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("clustered_trial.csv"), index=False, na_rep="")
