"""Reliable change (Jacobson & Truax 1991) and clinically significant change, per person.

Formulas (Jacobson & Truax 1991, J Consult Clin Psychol 59:12-19; the ``sqrt(2)`` of
Christensen & Mendoza 1986)::

    SE     = SD * sqrt(1 - r)         # SD of the reference (pre-test or norm) scores,
                                      # r = reliability (test-retest, else alpha)
    S_diff = sqrt(2 * SE^2)
    RC     = (post - pre) / S_diff    # |RC| > z (1.96) -> reliable change
    minimal reliable raw change = z * S_diff

    cut-off a = M_dys - 2 SD_dys; b = M_func + 2 SD_func;
    c = (SD_func * M_dys + SD_dys * M_func) / (SD_func + SD_dys)

Direction matters: for the HADS lower is better, so improvement is a *negative* change;
for the MHC-SF and the WAI-SR higher is better. "Recovered" (Jacobson & Truax) is a
reliable improvement that also ends on the functional side of the cut-off, having started
on the dysfunctional side.

Built-in reference values (used when ``sd`` and ``reliability`` are not given) exist only
for the HADS: Crawford, Henry, Crombie & Taylor (2001), Br J Clin Psychol 40:429-434, UK
general population (n = 1792): total SD 5.98, alpha .86; anxiety SD 3.76, alpha .82;
depression SD 3.07, alpha .77 (values as quoted in the project's reference notes, marked
there as recalled: check them against the paper before relying on them). Default HADS
cut-offs: the trial's screening rule (total >= 11 is a case) and the subscale band
(>= 8 is at least a doubtful case). No norms are built in for the WAI-SR or the MHC-SF:
give ``sd``, ``reliability`` and, for clinical significance, ``cutoff`` explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .definitions import Instrument, get_instrument

__all__ = [
    "ChangeReference",
    "jacobson_truax_cutoffs",
    "reliable_change",
    "reliable_change_one",
    "reliable_change_threshold",
]


@dataclass(frozen=True)
class ChangeReference:
    """Reference SD, reliability and cut-off for one scale, with their source."""

    sd: float
    reliability: float
    cutoff: float | None
    source: str


CRAWFORD_2001 = "Crawford et al. (2001), Br J Clin Psychol 40:429-434 (UK norms, n = 1792)"

#: Built-in reference values, by (instrument key, scale).
REFERENCES: dict[tuple[str, str], ChangeReference] = {
    ("hads", "total"): ChangeReference(5.98, 0.86, 11.0, CRAWFORD_2001),
    ("hads", "anxiety"): ChangeReference(3.76, 0.82, 8.0, CRAWFORD_2001),
    ("hads", "depression"): ChangeReference(3.07, 0.77, 8.0, CRAWFORD_2001),
}


def reliable_change_threshold(sd: float, reliability: float, z: float = 1.96) -> float:
    """The smallest raw change that is reliable: ``z * sqrt(2) * SD * sqrt(1 - r)``.

    Examples
    --------
    HADS total with Crawford et al.'s (2001) SD 5.98 and alpha .86: a change of 6.2, so
    at least 7 points on the integer scale.

    >>> round(reliable_change_threshold(5.98, 0.86), 2)
    6.2
    """
    _check_parameters(sd, reliability, z)
    return z * math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)


def jacobson_truax_cutoffs(
    mean_dys: float, sd_dys: float, mean_func: float | None = None, sd_func: float | None = None
) -> dict[str, float | None]:
    """Jacobson & Truax (1991) cut-offs ``a``, ``b`` and ``c``.

    ``a`` = two SDs beyond the dysfunctional mean towards health, ``b`` = two SDs beyond
    the functional mean towards dysfunction, ``c`` = the point between the two means
    weighted by their SDs. The sign convention assumes higher scores are worse (HADS);
    for a higher-is-better scale ``a`` and ``b`` are mirrored. ``b`` and ``c`` need
    functional norms and are ``None`` without them.

    Examples
    --------
    Dysfunctional M 20, SD 5; functional M 10, SD 5: a = 10, b = 20, c = 15.

    >>> jacobson_truax_cutoffs(20, 5, 10, 5)
    {'a': 10.0, 'b': 20.0, 'c': 15.0}
    """
    higher_is_worse = mean_func is None or mean_dys >= mean_func
    sign = 1.0 if higher_is_worse else -1.0
    result: dict[str, float | None] = {
        "a": float(mean_dys - sign * 2 * sd_dys),
        "b": None,
        "c": None,
    }
    if mean_func is not None and sd_func is not None:
        result["b"] = float(mean_func + sign * 2 * sd_func)
        result["c"] = float((sd_func * mean_dys + sd_dys * mean_func) / (sd_func + sd_dys))
    return result


def _check_parameters(sd: float, reliability: float, z: float) -> None:
    if not (isinstance(sd, int | float) and math.isfinite(sd) and sd > 0):
        raise ValueError(f"the reference SD must be a positive number, got {sd!r}")
    if not (isinstance(reliability, int | float) and 0 <= reliability < 1):
        raise ValueError(f"the reliability must be in [0, 1), got {reliability!r}")
    if not (isinstance(z, int | float) and z > 0):
        raise ValueError(f"z must be positive, got {z!r}")


def _as_float(values: Any, name: str) -> np.ndarray:
    array = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    original = pd.Series(values)
    bad = original.notna().to_numpy() & np.isnan(array)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}, row {original.index[at]!r}, value {original.iloc[at]!r}: expected a number"
        )
    return array


def _reference(
    instrument: Instrument,
    scale: str,
    sd: float | None,
    reliability: float | None,
    cutoff: float | None,
    z: float,
) -> tuple[float, float, float | None, str]:
    """The SD, reliability, cut-off and source to use: given, else built in (checked)."""
    reference = REFERENCES.get((instrument.key, scale))
    if sd is None or reliability is None:
        if reference is None:
            raise ValueError(
                f"no built-in reference SD and reliability for {instrument.key} {scale}: "
                "give sd= and reliability= (e.g. from the norm group or baseline sample)"
            )
        sd = reference.sd if sd is None else sd
        reliability = reference.reliability if reliability is None else reliability
        source = reference.source
    else:
        source = "given"
    if cutoff is None and reference is not None:
        cutoff = reference.cutoff
    _check_parameters(sd, reliability, z)
    return sd, reliability, cutoff, source


def reliable_change_one(
    pre: float,
    post: float,
    key: str | Instrument,
    *,
    scale: str = "total",
    sd: float | None = None,
    reliability: float | None = None,
    z: float = 1.96,
) -> dict[str, Any]:
    """One person's reliable change in plain floats: :func:`reliable_change` for a single
    pair of scores without building pandas objects (microseconds instead of a millisecond;
    the platform computes it per patient and request).

    Returns
    -------
    dict
        ``change``, ``rci``, ``direction`` (as in :func:`reliable_change`) and the
        parameters ``sd``, ``reliability``, ``z``, ``s_diff``, ``threshold``,
        ``higher_is_better``, ``source``. Same numbers as the one-row :func:`reliable_change`.

    Examples
    --------
    >>> out = reliable_change_one(10, 18, "hads")
    >>> out["direction"], round(out["rci"], 3)
    ('deteriorated', 2.528)
    """
    instrument = get_instrument(key)
    sd, reliability, _cutoff, source = _reference(instrument, scale, sd, reliability, None, z)
    values = []
    for name, value in (("pre", pre), ("post", post)):
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError(f"{name}, value {value!r}: expected a number")
        values.append(float(value))
    before, after = values
    s_diff = math.sqrt(2.0 * (sd * math.sqrt(1.0 - reliability)) ** 2)
    change = after - before
    rci = change / s_diff
    better = 1.0 if instrument.higher_is_better else -1.0
    if better * rci > z:
        direction = "improved"
    elif better * rci < -z:
        direction = "deteriorated"
    else:
        direction = "no reliable change"
    return {
        "change": change,
        "rci": rci,
        "direction": direction,
        "sd": sd,
        "reliability": reliability,
        "z": z,
        "s_diff": s_diff,
        "threshold": z * s_diff,
        "higher_is_better": instrument.higher_is_better,
        "source": source,
    }


def reliable_change(
    pre: Any,
    post: Any,
    key: str | Instrument,
    *,
    scale: str = "total",
    sd: float | None = None,
    reliability: float | None = None,
    cutoff: float | None = None,
    z: float = 1.96,
) -> pd.DataFrame:
    """Reliable and clinically significant change of each person.

    Parameters
    ----------
    pre, post : array-like or Series
        Scores before and after (same length; NaN where missing). A Series' index is kept.
    key : str or Instrument
        The instrument: gives the direction of improvement and the built-in references.
    scale : str
        ``"total"`` or a subscale name, for the built-in references.
    sd, reliability : float, optional
        Reference SD and reliability; built-in values (HADS only, see the module
        docstring) when ``None``.
    cutoff : float, optional
        Cut-off between the dysfunctional and functional range (e.g. Jacobson & Truax's
        ``c``). The functional side is ``score < cutoff`` when lower is better and
        ``score > cutoff`` when higher is better. Built-in default for the HADS only;
        without a cut-off ``status`` is based on reliable change alone.
    z : float
        Critical value (1.96: two-sided 5 %).

    Returns
    -------
    DataFrame
        ``pre``, ``post``, ``change`` (post - pre), ``rci`` (change / S_diff),
        ``reliable`` (nullable bool), ``direction`` (``"improved"``, ``"deteriorated"``,
        ``"no reliable change"``), ``status`` (``"recovered"``, ``"improved"``,
        ``"unchanged"``, ``"deteriorated"``: Jacobson & Truax), with the parameters in
        ``DataFrame.attrs`` (``sd``, ``reliability``, ``cutoff``, ``z``, ``s_diff``,
        ``threshold``, ``higher_is_better``, ``source``). Rows with a missing score have
        NaN/NA results.

    Examples
    --------
    HADS totals 22 -> 9 (change -13: reliable, below the screening cut-off 11: recovered),
    15 -> 10 (-5: not reliable with the 6.2-point threshold) and 10 -> 18 (+8: reliably
    worse):

    >>> out = reliable_change([22, 15, 10], [9, 10, 18], "hads")
    >>> out[["change", "rci", "direction", "status"]].round(3)
       change    rci           direction        status
    0   -13.0 -4.108            improved     recovered
    1    -5.0 -1.580  no reliable change     unchanged
    2     8.0  2.528        deteriorated  deteriorated
    >>> round(out.attrs["threshold"], 3)
    6.202
    """
    instrument = get_instrument(key)
    sd, reliability, cutoff, source = _reference(instrument, scale, sd, reliability, cutoff, z)

    index = pre.index if isinstance(pre, pd.Series) else None
    before = _as_float(pre, "pre")
    after = _as_float(post, "post")
    if before.shape != after.shape:
        raise ValueError(f"pre and post differ in length: {len(before)} and {len(after)}")
    s_diff = math.sqrt(2.0 * (sd * math.sqrt(1.0 - reliability)) ** 2)
    change = after - before
    rci = change / s_diff
    known = ~np.isnan(rci)
    better = 1.0 if instrument.higher_is_better else -1.0
    improved = known & (better * rci > z)
    deteriorated = known & (better * rci < -z)

    direction = np.full(len(rci), None, dtype=object)
    direction[known] = "no reliable change"
    direction[improved] = "improved"
    direction[deteriorated] = "deteriorated"
    status = np.full(len(rci), None, dtype=object)
    status[known] = "unchanged"
    status[improved] = "improved"
    status[deteriorated] = "deteriorated"
    if cutoff is not None:

        def functional(score: np.ndarray) -> np.ndarray:
            return score > cutoff if instrument.higher_is_better else score < cutoff

        recovered = improved & ~functional(before) & functional(after)
        status[recovered] = "recovered"
    reliable = pd.array(np.abs(rci) > z, dtype="boolean")
    reliable[~known] = pd.NA

    out = pd.DataFrame(
        {
            "pre": before,
            "post": after,
            "change": change,
            "rci": rci,
            "reliable": reliable,
            "direction": pd.array(direction, dtype="str"),
            "status": pd.array(status, dtype="str"),
        },
        index=index,
    )
    out.attrs.update(
        {
            "instrument": instrument.key,
            "scale": scale,
            "sd": sd,
            "reliability": reliability,
            "cutoff": cutoff,
            "z": z,
            "s_diff": s_diff,
            "threshold": z * s_diff,
            "higher_is_better": instrument.higher_is_better,
            "source": source,
        }
    )
    return out
