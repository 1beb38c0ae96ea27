"""The consistency rules of ``embct check-figures``, on printed numbers.

Every rule takes figures *as printed* (strings keep their trailing zeros: ``".50"`` has two
decimals, ``0.5`` one) and allows for their rounding: a printed value stands for the interval
``value +/- half a unit of its last digit``, and a rule calls a set of figures inconsistent
only when no values inside those intervals satisfy it.

- :func:`statcheck`: recompute P from a test statistic and its df (t, F, chi2, r, z), with
  the decision rules of statcheck (Epskamp & Nuijten; Nuijten et al. 2016, Behav Res Methods
  48:1205-1226): the statistic's rounding is allowed for, ``P <`` / ``P >`` are checked as
  bounds, one-sided P only when the text says one-sided, and an inconsistency that changes
  significance at alpha (``P <= .05`` counts as significant) is a *decision error*.
- :func:`grim` (Brown & Heathers 2017, Soc Psychol Personal Sci 8:363-369) and
  :func:`grimmer` (Anaya 2016, PeerJ Preprints 2400; the analytic form of Allard 2018): a
  mean, and a mean with its SD, must be possible for ``n`` integer scores (means of ``items``
  integer items are sums divided by ``items``).
- Plain arithmetic: :func:`percent` (a percentage of a count), :func:`crosstab` (chi-square
  and P from 2 x 2 counts), :func:`two_sample_t` (t from two groups' means and SDs),
  :func:`bounded_sd` (the largest SD a bounded scale allows), :func:`f_from_adjusted_r2`,
  :func:`r2_change`, :func:`wilks_f`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import product
from typing import Any

from scipy import stats

__all__ = [
    "Printed",
    "PrintedP",
    "bounded_sd",
    "crosstab",
    "f_from_adjusted_r2",
    "grim",
    "grimmer",
    "p_value",
    "percent",
    "printed",
    "printed_p",
    "r2_change",
    "statcheck",
    "two_sample_t",
    "wilks_f",
]

_EPS = 1e-9
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2009": "", " ": ""})


@dataclass(frozen=True)
class Printed:
    """A number as printed: its ``value``, its ``decimals`` and the ``text`` it came from."""

    value: float
    decimals: int
    text: str

    @property
    def half(self) -> float:
        """Half a unit of the last printed digit (the rounding tolerance)."""
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def low(self) -> float:
        return self.value - self.half

    @property
    def high(self) -> float:
        return self.value + self.half

    def covers(self, x: float) -> bool:
        """Does ``x`` round to this printed value (either way at the half)?"""
        return abs(x - self.value) <= self.half * (1 + 1e-6) + _EPS

    def __str__(self) -> str:
        return self.text


def printed(value: Any) -> Printed:
    """Parse a printed number: ``"-0.18"``, ``".86"``, ``"\u22122.36"``, ``19.2``, ``245``.

    Strings keep the printed precision; an int has 0 decimals; a float has the decimals of
    its shortest repr (so ``0.50`` as a TOML float reads as one decimal: write it as a string).

    >>> printed(".50").decimals, printed("\u22120.18").value, printed(245).half
    (2, -0.18, 0.5)
    """
    if isinstance(value, Printed):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{value!r}: expected a printed number")
    text = str(value).translate(_MINUS)
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", text):
        raise ValueError(f"{value!r}: not a printed number")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Printed(float(text), decimals, str(value).translate(_MINUS))


@dataclass(frozen=True)
class PrintedP:
    """A printed P value: ``comparison`` is ``=``, ``<`` or ``>``."""

    comparison: str
    number: Printed

    @property
    def value(self) -> float:
        return self.number.value

    def __str__(self) -> str:
        sign = "" if self.comparison == "=" else self.comparison
        return f"P {self.comparison if sign else '='} {self.number.text}"


def printed_p(value: Any) -> PrintedP:
    """Parse ``".03"``, ``"=.03"``, ``"<.001"``, ``"> .05"``, ``0.03``.

    >>> str(printed_p("<.001")), printed_p(".50").number.decimals
    ('P < .001', 2)
    """
    if isinstance(value, PrintedP):
        return value
    text = str(value).translate(_MINUS).replace("\u2264", "<").replace("\u2265", ">")
    match = re.fullmatch(r"(?i)(?:p)?\s*(<=|>=|<|>|=)?\s*(.*)", text)
    comparison = (match.group(1) if match else None) or "="
    number = printed(match.group(2) if match else text)
    if not 0 <= number.value <= 1:
        raise ValueError(f"P {value!r}: a P value lies between 0 and 1")
    return PrintedP(comparison[0], number)


_STATS = ("t", "F", "chi2", "r", "z")


def p_value(
    stat: str, value: float, df1: float | None = None, df2: float | None = None, tails: int = 2
) -> float:
    """P of a test statistic: t(df1), F(df1, df2), chi2(df1), r(df1 = n - 2), z.

    >>> round(p_value("t", 2.20, 28), 4), round(p_value("z", -2.42), 4)
    (0.0362, 0.0155)
    """
    if stat not in _STATS:
        raise ValueError(f"test {stat!r}: expected one of {', '.join(_STATS)}")
    needs_df = stat in ("t", "r", "chi2", "F")
    if (needs_df and df1 is None) or (stat == "F" and df2 is None):
        raise ValueError(f"a {stat} test needs its degrees of freedom")
    if stat == "t":
        p = 2 * stats.t.sf(abs(value), df1)
    elif stat == "z":
        p = 2 * stats.norm.sf(abs(value))
    elif stat == "r":
        if abs(value) >= 1:
            return 0.0
        p = 2 * stats.t.sf(abs(value) * math.sqrt(df1 / (1 - value * value)), df1)  # type: ignore[operator]
    elif stat == "F":
        return float(stats.f.sf(value, df1, df2)) if value >= 0 else float("nan")
    else:
        return float(stats.chi2.sf(value, df1)) if value >= 0 else float("nan")
    return float(p / 2 if tails == 1 else p)


def _p_range(stat: str, value: Printed, df1, df2, tails: int) -> tuple[float, float]:
    """The P values of every statistic that rounds to ``value`` (statcheck's rounding rule)."""
    lo, hi = value.low, value.high
    if stat in ("t", "z", "r"):
        a, b = sorted((abs(lo), abs(hi)))
        if lo <= 0 <= hi:
            a = 0.0
        if stat == "r":
            b = min(b, 1.0)
        return p_value(stat, b, df1, df2, tails), p_value(stat, a, df1, df2, tails)
    lo = max(lo, 0.0)
    return p_value(stat, hi, df1, df2, tails), p_value(stat, lo, df1, df2, tails)


def _p_agrees(p: PrintedP, low: float, high: float) -> bool:
    if p.comparison == "<":
        return low < p.value
    if p.comparison == ">":
        return high > p.value
    return low <= p.number.high + _EPS and high >= p.number.low - _EPS


def _significant(p: PrintedP, alpha: float) -> bool:
    if p.comparison == "<":
        return p.value <= alpha
    if p.comparison == ">":
        return p.value < alpha  # "P > .01" leaves significance open; statcheck: not significant
    return p.value <= alpha


def statcheck(
    stat: str,
    value: Any,
    p: Any,
    df1: float | None = None,
    df2: float | None = None,
    *,
    one_sided: bool = False,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Recompute P from a test statistic and its df, as statcheck does.

    Parameters
    ----------
    stat : {"t", "F", "chi2", "r", "z"}
    value, p : printed statistic and P (``"<.001"`` and ``"> .05"`` are bounds)
    df1, df2 : degrees of freedom (``df1`` for t, chi2 and r; both for F)
    one_sided : the paper says the test is one-sided (statcheck's ``OneTailedTxt``)

    Returns
    -------
    dict
        ``p_computed`` (at the printed statistic), ``p_low`` and ``p_high`` (over the
        statistic's rounding interval), ``consistent``, ``decision_error`` (the printed P and
        the recomputed one fall on different sides of ``alpha``), ``p_other_sided`` (the
        recomputed P with the other number of tails) and ``other_sided_consistent``.

    Examples
    --------
    statcheck's own worked examples (its test suite, Epskamp & Nuijten): ``t(28) = 2.20,
    p = .03`` is an error (P = .036); ``t(28) = 2.20, p = .06`` a decision error; ``t(28) =
    2.0, p < .05`` consistent because 2.0 may be 2.04.

    >>> statcheck("t", "2.20", ".03", 28)["consistent"]
    False
    >>> statcheck("t", "2.20", ".06", 28)["decision_error"]
    True
    >>> statcheck("t", "2.0", "<.05", 28)["consistent"]
    True
    """
    value_p, p_p = printed(value), printed_p(p)
    tails = 1 if one_sided else 2
    if stat in ("F", "chi2") and value_p.high < 0:
        return {
            "p_computed": float("nan"),
            "p_low": float("nan"),
            "p_high": float("nan"),
            "consistent": False,
            "decision_error": False,
            "p_other_sided": float("nan"),
            "other_sided_consistent": False,
            "impossible": f"a {stat} statistic is never negative",
        }
    computed = p_value(stat, value_p.value, df1, df2, tails)
    low, high = _p_range(stat, value_p, df1, df2, tails)
    consistent = _p_agrees(p_p, low, high)
    decision = (not consistent) and _significant(p_p, alpha) != (computed <= alpha)
    other = 1 if tails == 2 else 2
    o_low, o_high = (low / 2, high / 2) if other == 1 else (low * 2, high * 2)
    if stat in ("F", "chi2"):
        o_low = o_high = float("nan")  # F and chi2 are one-sided already: no other side
    return {
        "p_computed": computed,
        "p_low": low,
        "p_high": high,
        "consistent": bool(consistent),
        "decision_error": bool(decision),
        "p_other_sided": computed / 2 if other == 1 else min(1.0, computed * 2),
        "other_sided_consistent": bool(
            not math.isnan(o_low) and _p_agrees(p_p, o_low, min(1.0, o_high))
        ),
    }


def _integer_totals(mean: Printed, n: int, items: int) -> list[int]:
    """Integer sums of ``n`` scores of ``items`` integer items whose mean rounds to ``mean``."""
    lo, hi = mean.low * n * items, mean.high * n * items
    return [t for t in range(math.ceil(lo - 1e-7), math.floor(hi + 1e-7) + 1)]


def grim(mean: Any, n: int, items: int = 1) -> dict[str, Any]:
    """GRIM: is a printed mean possible for ``n`` scores that are means of ``items`` integers?

    The mean of ``n`` such scores is an integer total over ``n * items``; the printed mean is
    consistent when some integer total rounds to it (either way at the half).

    Returns ``consistent``, ``informative`` (False when ``n * items`` is at least
    ``10 ** decimals``: then every printed mean is possible) and ``nearest`` (the possible
    means next to the printed one, at its precision).

    Examples
    --------
    Brown & Heathers' (2017) illustration: 49 participants, integer ratings, mean 5.93 is
    impossible (5.93 x 49 = 290.57; 290/49 = 5.918, 291/49 = 5.939). A die rolled 20 times
    cannot average 3.48.

    >>> grim("5.93", 49)["consistent"], grim("5.92", 49)["consistent"]
    (False, True)
    >>> grim("3.48", 20)["consistent"]
    False
    """
    m = printed(mean)
    _check_n(n, items)
    totals = _integer_totals(m, n, items)
    N = n * items
    below = math.floor(m.value * N + _EPS)
    nearest = sorted({round(t / N, m.decimals) for t in (below - 1, below, below + 1, below + 2)})
    return {
        "consistent": bool(totals),
        "informative": 10**m.decimals > N,
        "nearest": [x for x in nearest if abs(x - m.value) < 3 * 10.0 ** (-m.decimals) + _EPS],
    }


def _check_n(n: Any, items: Any) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n {n!r}: expected a whole number of participants, 1 or more")
    if not isinstance(items, int) or isinstance(items, bool) or items < 1:
        raise ValueError(f"items {items!r}: expected a whole number of items, 1 or more")


def grimmer(mean: Any, sd: Any, n: int, items: int = 1) -> dict[str, Any]:
    """GRIMMER: are a printed mean and SD (``ddof = 1``) possible for ``n`` integer scores?

    For integer scores (sums of ``items`` integer items: mean and SD scale by ``items``) with
    total ``T`` the sum of squares ``Q = (n - 1) SD^2 + T^2 / n`` is an integer of the same
    parity as ``T`` (``x^2`` and ``x`` are both odd or both even). Consistent when some
    integer ``T`` allowed by the mean (GRIM) and some such ``Q`` give an SD that rounds to the
    printed one.

    Returns ``consistent``, ``grim`` (the mean alone is possible) and ``reason``.

    Examples
    --------
    scrutiny's GRIMMER vignette (after Anaya 2016 and Allard 2018): mean 7.3, SD 2.51, n = 12
    is inconsistent; a mean of 3.0 with SD 1.07 cannot come from 5 integers.

    >>> grimmer("7.3", "2.51", 12)["consistent"], grimmer("3.0", "1.07", 5)["consistent"]
    (False, False)
    >>> grimmer("3.0", "1.00", 5)["consistent"]  # 2, 2, 3, 4, 4
    True
    """
    m, s = printed(mean), printed(sd)
    _check_n(n, items)
    if n < 2:
        return {"consistent": True, "grim": True, "reason": "an SD needs 2 or more scores"}
    totals = _integer_totals(m, n, items)
    if not totals:
        return {"consistent": False, "grim": False, "reason": "the mean fails GRIM"}
    k = items
    s_lo, s_hi = max(s.low, 0.0) * k, s.high * k
    for t in totals:
        q_lo = (n - 1) * s_lo**2 + t * t / n
        q_hi = (n - 1) * s_hi**2 + t * t / n
        for q in range(math.ceil(q_lo - 1e-7), math.floor(q_hi + 1e-7) + 1):
            if (q - t) % 2 == 0:
                return {"consistent": True, "grim": True, "reason": ""}
    return {
        "consistent": False,
        "grim": True,
        "reason": "no integer sum of squares of the right parity gives this SD",
    }


def bounded_sd(mean: Any, n: int, low: float, high: float) -> float:
    """The largest sample SD (``ddof = 1``) of ``n`` scores in ``[low, high]`` with this mean.

    Bhatia-Davis: the variance is at most ``(high - mean)(mean - low)``, times ``n / (n - 1)``
    for the sample SD; the printed mean's rounding is allowed for.

    >>> round(bounded_sd("2.0", 10, 0, 4), 3)
    2.108
    """
    m = printed(mean)
    best = 0.0
    for x in (m.low, m.value, m.high, (low + high) / 2):
        if m.low - _EPS <= x <= m.high + _EPS and low <= x <= high:
            best = max(best, (high - x) * (x - low))
    return math.sqrt(best * n / (n - 1)) if n > 1 else 0.0


def percent(
    count: int, percentage: Any, n: int | None = None, *, max_n: int = 100_000
) -> dict[str, Any]:
    """Is ``percentage`` (as printed) ``count`` of ``n``; which n and counts would it imply?

    Returns ``recomputed`` (``100 count / n``; None without ``n``), ``consistent``,
    ``implied_n`` (every n up to ``max_n`` with ``count / n`` rounding to the percentage,
    as ``[first, last]``, or ``[]``: then no n at all gives it, an impossible percentage)
    and ``implied_count`` (the counts of ``n`` that would round to it).

    >>> percent(22, "19.2", 125)["implied_count"], percent(6, "25.7")["implied_n"]
    ([24], [])
    """
    pc = printed(percentage)
    lo, hi = pc.low / 100, pc.high / 100
    ns = (
        [m for m in range(max(count, 1), max_n + 1) if lo - _EPS <= count / m <= hi + _EPS]
        if hi > 0 and count > 0
        else []
    )
    implied_n = [ns[0], ns[-1]] if count > 0 and ns else []
    out: dict[str, Any] = {
        "recomputed": None,
        "consistent": bool(ns),
        "implied_n": implied_n,
        "implied_count": [],
    }
    if n is not None:
        rec = 100 * count / n
        out["recomputed"] = rec
        out["consistent"] = pc.covers(rec)
        out["implied_count"] = [c for c in range(n + 1) if pc.covers(100 * c / n)]
    return out


def crosstab(events: tuple[int, int], totals: tuple[int, int]) -> dict[str, float]:
    """Chi-square tests of a 2 x 2 table given as events of two groups and the group sizes.

    Returns ``pearson``, ``p_pearson`` (uncorrected), ``yates``, ``p_yates`` (continuity
    corrected, as SPSS prints it beside Pearson) and ``p_fisher`` (two-sided exact).

    >>> r = crosstab((102, 100), (120, 125))
    >>> round(r["pearson"], 2), round(r["p_pearson"], 2)
    (1.06, 0.3)
    """
    a, b = events
    n1, n2 = totals
    if not (0 <= a <= n1 and 0 <= b <= n2) or n1 < 1 or n2 < 1:
        raise ValueError(
            f"counts {events} of {totals}: each count lies between 0 and its group's n"
        )
    table = [[a, n1 - a], [b, n2 - b]]
    out = {}
    for key, corr in (("pearson", False), ("yates", True)):
        res = stats.chi2_contingency(table, correction=corr)
        out[key] = float(res.statistic)
        out[f"p_{key}"] = float(res.pvalue)
    out["p_fisher"] = float(stats.fisher_exact(table).pvalue)
    return out


def two_sample_t(
    means: tuple[Any, Any], sds: tuple[Any, Any], ns: tuple[int, int]
) -> dict[str, Any]:
    """Student (pooled) and Welch t of group 1 minus group 2 from printed means and SDs.

    Returns ``student`` and ``welch`` (at the printed values), ``student_range`` and
    ``welch_range`` (over every mean and SD that rounds to the printed ones) and ``df``
    (``n1 + n2 - 2``).

    >>> r = two_sample_t(("18.2", "16.9"), ("6.7", "6.9"), (120, 125))
    >>> round(r["student"], 3), r["df"]
    (1.495, 243)
    """
    m1, m2 = (printed(x) for x in means)
    s1, s2 = (printed(x) for x in sds)
    n1, n2 = ns

    def both(d: float, a: float, b: float) -> tuple[float, float]:
        pooled = ((n1 - 1) * a * a + (n2 - 1) * b * b) / (n1 + n2 - 2)
        return (d / math.sqrt(pooled * (1 / n1 + 1 / n2)), d / math.sqrt(a * a / n1 + b * b / n2))

    st, we = both(m1.value - m2.value, s1.value, s2.value)
    corners = [
        both(d, a, b)
        for d, a, b in product(
            (m1.low - m2.high, m1.high - m2.low), (s1.low, s1.high), (s2.low, s2.high)
        )
    ]
    return {
        "student": st,
        "welch": we,
        "student_range": (min(c[0] for c in corners), max(c[0] for c in corners)),
        "welch_range": (min(c[1] for c in corners), max(c[1] for c in corners)),
        "df": n1 + n2 - 2,
    }


def _r2(adj: float, n: int, k: int) -> float:
    return 1 - (1 - adj) * (n - k - 1) / (n - 1)


def f_from_adjusted_r2(adj_r2: Any, n: int, k: int) -> tuple[float, float]:
    """The range of the overall F(k, n - k - 1) that a printed adjusted R2 implies.

    ``R2 = 1 - (1 - adj R2)(n - k - 1)/(n - 1)`` and ``F = (R2 / k) / ((1 - R2)/(n - k - 1))``.

    >>> lo, hi = f_from_adjusted_r2("0.416", 118, 2)
    >>> bool(lo < 42.72 < hi)
    True
    """
    a = printed(adj_r2)
    d2 = n - k - 1

    def f(adj: float) -> float:
        r2 = _r2(adj, n, k)
        return (r2 / k) / ((1 - r2) / d2)

    return f(a.low), f(a.high)


def r2_change(
    adj_before: Any, adj_after: Any, n: int, k_before: int, k_after: int
) -> dict[str, Any]:
    """R2 change and its F between two nested models, from their printed adjusted R2.

    Returns ``r2_change`` and ``f_change`` (each as a ``(low, high)`` range over the printed
    values' rounding), ``df1 = k_after - k_before`` and ``df2 = n - k_after - 1``.

    >>> r = r2_change("0.416", "0.443", 118, 2, 3)
    >>> [round(x, 3) for x in r["r2_change"]], r["df2"]
    ([0.03, 0.032], 114)
    """
    a, b = printed(adj_before), printed(adj_after)
    df1, df2 = k_after - k_before, n - k_after - 1
    vals = []
    for x, y in product((a.low, a.high), (b.low, b.high)):
        r0, r1 = _r2(x, n, k_before), _r2(y, n, k_after)
        vals.append((r1 - r0, (r1 - r0) / df1 / ((1 - r1) / df2)))
    return {
        "r2_change": (min(v[0] for v in vals), max(v[0] for v in vals)),
        "f_change": (min(v[1] for v in vals), max(v[1] for v in vals)),
        "df1": df1,
        "df2": df2,
    }


def wilks_f(wilks_lambda: Any, df1: float, df2: float) -> tuple[float, float]:
    """The exact F(df1, df2) of a printed Wilks' lambda when one root decides it (s = 1).

    ``F = (1 - lambda) / lambda * df2 / df1`` (two groups, or one effect on a within factor).

    >>> lo, hi = wilks_f("0.732", 2, 90)
    >>> bool(lo < 16.46 < hi)
    True
    """
    lam = printed(wilks_lambda)
    vals = [(1 - x) / x * df2 / df1 for x in (lam.high, lam.low) if x > 0]
    return min(vals), max(vals)
