"""Fixtures for the instrument tests: R's psych::bfi read from where R installed it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

PSYCH_DIRS = [
    Path(p) / "psych"
    for p in ("/usr/lib/R/site-library", "/usr/local/lib/R/site-library", "/usr/lib/R/library")
]


@pytest.fixture(scope="session")
def bfi() -> pd.DataFrame:
    """psych::bfi (2800 x 28, GPL data: read at test time, never copied)."""
    package = next((p for p in PSYCH_DIRS if (p / "data" / "Rdata.rdx").exists()), None)
    if package is None:
        pytest.skip("R package psych is not installed")
    path = Path(__file__).with_name("rdata_lazyload.py")
    spec = importlib.util.spec_from_file_location("rdata_lazyload", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame: pd.DataFrame = module.read_dataset(package, "bfi")
    return frame
