"""The examples in the docstrings of the security helpers run (the platform package is not in
pytest's doctest paths, because importing the production settings module needs a secret)."""

from __future__ import annotations

import doctest

import pytest

from embct.platform.lib import csp, reauth
from embct.platform.security import demo


@pytest.mark.parametrize("module", [csp, reauth, demo], ids=lambda module: module.__name__)
def test_the_docstring_examples_hold(module: object) -> None:
    result = doctest.testmod(module, verbose=False)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
