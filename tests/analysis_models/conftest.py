"""Fixtures of the analysis-model tests: the committed reference data and R's output
(tests/reference/R/models/: make_data.py writes the data, reference.R the values)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

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
