"""Fixtures of the analysis tests.

The model tests read the committed reference data and R's output (tests/reference/R/models/:
make_data.py writes the data, reference.R the values). The pipeline tests get small synthetic
trial tables: random but seeded; they exercise the code paths (items, totals, dropouts,
missing answers), not the paper's numbers. Statistics are checked against R elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"
MODELS_REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R" / "models"


@pytest.fixture(scope="session")
def r_reference() -> dict[str, Any]:
    """R's values (reference.R -> reference.json)."""
    return json.loads((MODELS_REFERENCE / "reference.json").read_text())


@pytest.fixture
def trial_frame() -> pd.DataFrame:
    """Our synthetic trial-like normalized frame (180 participants, 2 arms, gaps)."""
    return pd.read_csv(MODELS_REFERENCE / "trial.csv", dtype={"participant_id": str})


@pytest.fixture
def penguins() -> pd.DataFrame:
    """Palmer penguins (CC0), complete cases, as reference.R wrote them (n = 333)."""
    return pd.read_csv(MODELS_REFERENCE / "penguins.csv")


@pytest.fixture
def rm_2x3() -> pd.DataFrame:
    """Our 2 x 3 unbalanced repeated-measures data (30 + 22 subjects)."""
    return pd.read_csv(MODELS_REFERENCE / "rm_2x3.csv")


@pytest.fixture
def rm_2x3_frame(rm_2x3: pd.DataFrame) -> pd.DataFrame:
    """The 2 x 3 design as an analysis frame (group as arm, t1-t3 as the three waves)."""
    return pd.DataFrame(
        {
            "arm": rm_2x3["group"],
            "completer": True,
            "wai_w2": rm_2x3["t1"],
            "wai_w5": rm_2x3["t2"],
            "wai_w9": rm_2x3["t3"],
        }
    )


@pytest.fixture(scope="session")
def reviewer_reference() -> dict[str, float]:
    """R's values for the reviewer's statistics (../reviewer_reference.R -> .csv)."""
    table = pd.read_csv(MODELS_REFERENCE.parent / "reviewer_reference.csv")
    return dict(zip(table["name"], table["value"].astype(float), strict=True))


ITEMS = {"wai": 12, "hads": 14, "mhc": 14}
RANGES = {"wai": (1, 5), "hads": (0, 3), "mhc": (0, 5)}
WAVES = {"wai": ("w2", "w5", "w9"), "hads": ("pre", "post"), "mhc": ("pre", "post")}


def _items(rng: np.random.Generator, key: str, centre: np.ndarray) -> np.ndarray:
    low, high = RANGES[key]
    noise = rng.normal(0.0, 0.7, size=(centre.size, ITEMS[key]))
    return np.clip(np.round(centre[:, None] + noise), low, high)


def make_trial_table(n: int = 245, seed: int = 1, *, missing: float = 0.01) -> pd.DataFrame:
    """A canonical item-level trial table with ``n`` randomized participants."""
    rng = np.random.default_rng(seed)
    n_ref = n * 120 // 245
    arm = np.array(["mbct"] * n_ref + ["embct"] * (n - n_ref))
    rng.shuffle(arm)
    started = rng.random(n) > 0.19
    dropout = rng.random(n) < np.where(arm == "embct", 0.23, 0.12)
    sessions = np.where(
        started, np.where(dropout, rng.integers(1, 4, n), rng.integers(4, 10, n)), 0
    )
    frame = pd.DataFrame(
        {
            "participant_id": [f"p{i:04d}" for i in range(1, n + 1)],
            "arm": arm,
            "started": np.where(started, "true", "false"),
            "sessions_attended": sessions,
        }
    )
    for column, p in [
        ("female", 0.86),
        ("relationship", 0.82),
        ("children", 0.69),
        ("education_high", 0.68),
        ("diagnosis_breast", 0.62),
        ("intent_curative", 0.84),
        ("current_treatment", 0.47),
        ("psychiatric_diagnosis", 0.36),
    ]:
        frame[column] = (rng.random(n) < p).astype(int)
    frame["age"] = np.clip(np.round(rng.normal(51.6, 10.6, n)), 18, 90)
    frame["years_since_diagnosis"] = np.round(np.abs(rng.normal(3.5, 4.7, n)), 1)
    alliance = rng.normal(0.0, 1.0, n)
    distress = rng.normal(0.0, 1.0, n)
    centres = {
        ("wai", "w2"): 3.0 + 0.7 * alliance,
        ("wai", "w5"): 3.2 + 0.7 * alliance,
        ("wai", "w9"): 3.4 + 0.7 * alliance,
        ("hads", "pre"): 1.3 + 0.5 * distress,
        ("hads", "post"): 1.0 + 0.3 * distress - 0.15 * alliance + 0.1 * (arm == "embct"),
        ("mhc", "pre"): 2.5 - 0.6 * distress,
        ("mhc", "post"): 2.7 - 0.4 * distress + 0.15 * alliance,
    }
    present = {
        ("wai", "w2"): started & (sessions >= 2),
        ("wai", "w5"): started & (sessions >= 5),
        ("wai", "w9"): started & (sessions >= 8),
        ("hads", "pre"): np.ones(n, dtype=bool),
        ("hads", "post"): started & (sessions >= 4) & (rng.random(n) < 0.8),
        ("mhc", "pre"): np.ones(n, dtype=bool),
        ("mhc", "post"): started & (sessions >= 4) & (rng.random(n) < 0.8),
    }
    blocks = []
    for (key, wave), centre in centres.items():
        values = _items(rng, key, centre)
        values[~present[(key, wave)]] = np.nan
        values[rng.random(values.shape) < missing] = np.nan
        columns = [f"{key}_{wave}_{i}" for i in range(1, ITEMS[key] + 1)]
        blocks.append(pd.DataFrame(values, columns=columns))
    return pd.concat([frame, *blocks], axis=1)


def to_totals(items: pd.DataFrame) -> pd.DataFrame:
    """The same table with each instrument wave's items replaced by its total."""
    from embct.instruments import score_table

    out = items.copy()
    scoring = items.assign(participant_id=items["participant_id"].astype(str))
    for key, waves in WAVES.items():
        for wave in waves:
            scores = score_table(scoring, key, wave)
            columns = [f"{key}_{wave}_{i}" for i in range(1, ITEMS[key] + 1)]
            out = out.drop(columns=columns)
            out[f"{key}_{wave}"] = scores[f"{key}_{wave}"]
    return out


@pytest.fixture
def trial_table() -> Callable[..., pd.DataFrame]:
    """``trial_table(n=245, seed=1)``: an item-level trial table."""
    return make_trial_table


@pytest.fixture
def totals_of() -> Callable[[pd.DataFrame], pd.DataFrame]:
    """``totals_of(items_table)``: the same table with totals instead of items."""
    return to_totals


@pytest.fixture
def reference() -> Callable[[str], dict[str, float]]:
    """``reference("pipeline_reference")``: name -> value from tests/reference/R/<name>.csv."""

    def read(name: str) -> dict[str, float]:
        table = pd.read_csv(REFERENCE / f"{name}.csv")
        return dict(zip(table["name"], table["value"].astype(float), strict=True))

    return read
