"""Loading and checking the simulation parameters (``parameters.toml``)."""

from __future__ import annotations

import copy
import pathlib
import tomllib
from importlib import resources
from typing import Any

__all__ = ["ARMS", "ParameterError", "default_parameters", "load_parameters", "scale_design"]

#: Arm labels in code order: 0 = reference (group MBCT), 1 = comparison (eMBCT).
ARMS = ("mbct", "embct")

_COUNTS = (
    "randomized",
    "declined",
    "dropouts",
    "dropouts_with_wai",
    "regression_sample",
    "repeated_sample",
)


class ParameterError(ValueError):
    """A parameter file is missing a value or holds an impossible one."""


def default_parameters() -> dict[str, Any]:
    """The shipped parameters, calibrated to Bisseling et al. (2019).

    >>> p = default_parameters()
    >>> p["design"]["randomized"]
    {'mbct': 120, 'embct': 125}
    """
    text = resources.files("embct.simulate").joinpath("parameters.toml").read_text("utf-8")
    return _check(tomllib.loads(text), "parameters.toml (shipped)")


def load_parameters(path: str | pathlib.Path | None = None) -> dict[str, Any]:
    """Read a parameter file (same layout as the shipped one); ``None`` gives the default."""
    if path is None:
        return default_parameters()
    path = pathlib.Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ParameterError(f"{path}: cannot read parameters: {error}") from error
    return _check(data, str(path))


def _check(p: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        design = p["design"]
        counts = {key: {arm: int(design[key][arm]) for arm in ARMS} for key in _COUNTS}
    except (KeyError, TypeError, ValueError) as error:
        raise ParameterError(f"{where}: [design] needs {', '.join(_COUNTS)} per arm") from error
    for arm in ARMS:
        c = {key: counts[key][arm] for key in _COUNTS}
        started = c["randomized"] - c["declined"]
        completers = started - c["dropouts"]
        checks = [
            ("declined", c["declined"], 0, c["randomized"]),
            ("dropouts", c["dropouts"], 0, started),
            ("dropouts_with_wai", c["dropouts_with_wai"], 0, c["dropouts"]),
            ("regression_sample", c["regression_sample"], 6, completers),
            ("repeated_sample", c["repeated_sample"], 3, completers),
        ]
        for key, value, low, high in checks:
            if not low <= value <= high:
                raise ParameterError(
                    f"{where}: design.{key}.{arm} = {value}, expected {low}..{high} "
                    f"(randomized {c['randomized']}, started {started}, completers {completers})"
                )
    _check_completer_sessions(design, where)
    for section in ("baseline", "dropout", "alliance", "outcomes", "items"):
        if section not in p:
            raise ParameterError(f"{where}: missing section [{section}]")
    return p


def _check_completer_sessions(design: dict[str, Any], where: str) -> None:
    """``completer_sessions``: session counts from the adequate dose to all, shares summing to 1."""
    expected = (
        f"{where}: design.completer_sessions needs sessions (whole numbers from "
        f"adequate_dose to sessions) and share (one per count, summing to 1)"
    )
    try:
        low, high = int(design["adequate_dose"]), int(design["sessions"])
        counts = [int(k) for k in design["completer_sessions"]["sessions"]]
        shares = [float(x) for x in design["completer_sessions"]["share"]]
    except (KeyError, TypeError, ValueError) as error:
        raise ParameterError(expected) from error
    if (
        not counts
        or len(shares) != len(counts)
        or len(set(counts)) != len(counts)
        or not all(low <= k <= high for k in counts)
        or any(x < 0 for x in shares)
        or abs(sum(shares) - 1.0) > 1e-9
    ):
        raise ParameterError(f"{expected}; got {design['completer_sessions']!r}")


def scale_design(params: dict[str, Any], n: int) -> dict[str, Any]:
    """A copy of ``params`` whose counts are scaled to ``n`` randomized participants.

    Every count of ``[design]`` and ``[baseline]`` is scaled by ``n / 245`` (the paper's
    N) and rounded; the statistics targets are left as they are.

    >>> scale_design(default_parameters(), 490)["design"]["randomized"]
    {'mbct': 240, 'embct': 250}
    """
    if n < 40:
        raise ParameterError(f"n = {n}: at least 40 randomized participants are needed")
    out = copy.deepcopy(params)
    total = sum(int(params["design"]["randomized"][a]) for a in ARMS)
    factor = n / total
    rand = params["design"]["randomized"]
    first = round(n * rand["mbct"] / total)
    out["design"]["randomized"] = {"mbct": first, "embct": n - first}
    for key in _COUNTS[1:]:
        out["design"][key] = {a: max(round(params["design"][key][a] * factor), 0) for a in ARMS}
    for a in ARMS:
        reg = out["design"]["regression_sample"]
        rm = out["design"]["repeated_sample"]
        reg[a] = max(reg[a], 6)
        rm[a] = max(rm[a], 3)
    for key, value in params["baseline"].items():
        if isinstance(value, dict) and set(value) == set(ARMS):
            out["baseline"][key] = {
                a: min(
                    round(value[a] * out["design"]["randomized"][a] / rand[a]),
                    out["design"]["randomized"][a],
                )
                for a in ARMS
            }
    return _check(out, f"parameters scaled to n = {n}")
