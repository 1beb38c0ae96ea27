"""Internal consistency: Cronbach's alpha with its Feldt interval, item-total statistics,
alpha if item deleted, and McDonald's omega total.

Everything is computed from the items' covariance matrix ``C`` (and correlation matrix
``R``), as R's ``psych::alpha`` does:

* raw alpha ``= k / (k - 1) * (1 - tr(C) / sum(C))``
* standardized alpha ``= k / (k - 1) * (1 - k / sum(R))``; average inter-item correlation
  ``= (sum(R) - k) / (k (k - 1))``
* corrected item-total (item-rest) correlation ``r_drop`` of item i
  ``= (sum(C[:, i]) - C[i, i]) / sqrt(C[i, i] * sum(C without row and column i))``
  (SPSS "Corrected Item-Total Correlation", psych ``r.drop``)
* item-total correlation ``r_total = sum(C[:, i]) / sqrt(C[i, i] * sum(C))`` (uncorrected)
  and its standardized twin ``r_total_std = sum(R[:, i]) / sqrt(sum(R))`` (psych ``std.r``)
* alpha if item deleted: raw and standardized alpha of ``C`` without item i
* Feldt (1965) interval: with ``n`` respondents and ``k`` items,
  ``1 - (1 - alpha) * F(1 - p/2; n - 1, (n - 1)(k - 1))`` to
  ``1 - (1 - alpha) * F(p/2; n - 1, (n - 1)(k - 1))`` (psych ``alpha.ci``).

Missing data: ``nan_policy="listwise"`` (default, as SPSS RELIABILITY) uses respondents
who answered every item; ``"pairwise"`` (psych's default ``use="pairwise"``) builds ``C``
from pairwise-complete observations, ``n`` then counts respondents with at least one
answered item. In pairwise mode psych's ``raw.r`` correlates items with a row-mean total,
which is not a function of ``C``; ``r_total`` here is (both agree on complete data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import InstrumentError, NotANumberError
from .scoring import _column_as_float

__all__ = ["AlphaResult", "cronbach_alpha", "feldt_interval", "omega_total"]


@dataclass(frozen=True)
class AlphaResult:
    """Result of :func:`cronbach_alpha`.

    Attributes
    ----------
    alpha, std_alpha : float
        Raw and standardized Cronbach's alpha.
    average_r : float
        Mean inter-item correlation.
    n, k : int
        Respondents used and number of items.
    ci_low, ci_high : float
        Feldt confidence interval of alpha (level ``ci_level``).
    mean, sd : float
        Mean and SD (ddof 1) of the sum score over respondents with every item answered.
    omega : float
        McDonald's omega total from a one-factor minimum-residual solution (NaN when
        fewer than 3 items).
    nan_policy : str
        ``"listwise"`` or ``"pairwise"``.
    item_total : DataFrame
        One row per item (index = item column): ``n``, ``mean``, ``sd``, ``r_total``,
        ``r_total_std``, ``r_drop``, ``alpha_if_deleted``, ``std_alpha_if_deleted``.
    """

    alpha: float
    std_alpha: float
    average_r: float
    n: int
    k: int
    ci_low: float
    ci_high: float
    ci_level: float
    mean: float
    sd: float
    omega: float
    nan_policy: str
    item_total: pd.DataFrame = field(repr=False, compare=False)

    @property
    def standardized_alpha(self) -> float:
        """Alias of :attr:`std_alpha`."""
        return self.std_alpha

    @property
    def alpha_if_deleted(self) -> pd.Series:
        """Raw alpha with each item left out (indexed by item)."""
        return self.item_total["alpha_if_deleted"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> ``None``); ``items`` holds the item-total rows."""
        out: dict[str, Any] = {
            name: _json(getattr(self, name))
            for name in (
                "alpha",
                "std_alpha",
                "average_r",
                "n",
                "k",
                "ci_low",
                "ci_high",
                "ci_level",
                "mean",
                "sd",
                "omega",
                "nan_policy",
            )
        }
        records = self.item_total.reset_index().to_dict(orient="records")
        out["items"] = [{str(k): _json(v) for k, v in row.items()} for row in records]
        return out


def _json(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's (1965) confidence interval for Cronbach's alpha.

    Parameters
    ----------
    alpha : float
        Sample alpha.
    n, k : int
        Respondents and items.
    level : float
        Confidence level.

    Returns
    -------
    (ci_low, ci_high)

    References
    ----------
    Feldt, L. S. (1965). Psychometrika 30:357-370; Feldt, Woodruff & Salih (1987), Applied
    Psychological Measurement 11:93-103.

    Examples
    --------
    R: ``psych::alpha.ci(0.8, n.obs = 100, n.var = 10)`` gives 0.7360485 to 0.8536918:

    >>> low, high = feldt_interval(0.8, 100, 10)
    >>> round(low, 7), round(high, 7)
    (0.7360485, 0.8536918)
    """
    if n < 2 or k < 2:
        raise ValueError(f"the Feldt interval needs n >= 2 and k >= 2, got n={n}, k={k}")
    # Imported here: importing embct.instruments (the platform, ``embct score``) need not pay
    # for scipy.stats (about half a second of CPU) when no interval is computed.
    from scipy import stats

    p = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - p / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(p / 2, df1, df2)
    return float(low), float(high)


def _alpha_of(cov: np.ndarray) -> tuple[float, float]:
    k = cov.shape[0]
    if k < 2:
        return math.nan, math.nan
    # Undefined (NaN, not a division warning) when the scale has no variance, or an item has
    # none for the standardized form: tiny listwise samples can get there.
    total = float(cov.sum())
    raw = (1 - np.trace(cov) / total) * k / (k - 1) if total > 0 else math.nan
    sd = np.sqrt(np.diag(cov))
    if np.any(sd == 0):
        return float(raw), math.nan
    corr_total = float((cov / np.outer(sd, sd)).sum())
    std = (1 - k / corr_total) * k / (k - 1) if corr_total > 0 else math.nan
    return float(raw), float(std)


def _numeric_items(items: pd.DataFrame) -> np.ndarray:
    matrix = np.empty(items.shape)
    for position, column in enumerate(items.columns):
        values, not_number = _column_as_float(items[column])
        if not_number.any():
            at = int(np.flatnonzero(not_number)[0])
            raise NotANumberError(
                "expected a number",
                item=str(column),
                row=items.index[at],
                value=items[column].iloc[at],
            )
        infinite = np.isinf(values)
        if infinite.any():
            at = int(np.flatnonzero(infinite)[0])
            raise InstrumentError(
                "expected a finite number", item=str(column), row=items.index[at], value=values[at]
            )
        matrix[:, position] = values
    return matrix


def cronbach_alpha(
    items: pd.DataFrame,
    *,
    nan_policy: Literal["listwise", "pairwise"] = "listwise",
    ci_level: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha of a set of items (columns), with item-total statistics.

    Parameters
    ----------
    items : DataFrame
        One column per item, one row per respondent; item *scores* (reverse-keyed items
        already reversed, see :func:`~embct.instruments.scoring.item_scores`). NaN is
        missing.
    nan_policy : {"listwise", "pairwise"}
        Missing-data rule (see the module docstring). Listwise matches SPSS RELIABILITY,
        pairwise matches R ``psych::alpha`` defaults.
    ci_level : float
        Level of the Feldt interval.

    Returns
    -------
    AlphaResult

    Raises
    ------
    InstrumentError
        A cell that is not a number (row and column named).
    ValueError
        Fewer than 2 items, fewer than 2 usable respondents, or an item or total without
        variance.

    References
    ----------
    Cronbach (1951), Psychometrika 16:297-334; Feldt (1965); McDonald (1999), Test Theory;
    Revelle, psych::alpha (R package psych).

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5],
    ...                       "c": [1, 3, 3, 4, 4]})
    >>> result = cronbach_alpha(items)

    R ``psych::alpha(items)`` gives raw_alpha 0.9537572, r.drop 0.970 / 0.903 / 0.870 and
    alpha if dropped 0.882 / 0.933 / 0.968:

    >>> round(result.alpha, 7), result.n, result.k
    (0.9537572, 5, 3)
    >>> result.item_total[["r_drop", "alpha_if_deleted"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
          r_drop  alpha_if_deleted
    item
    a      0.970             0.882
    b      0.903             0.933
    c      0.870             0.968
    """
    if nan_policy not in ("listwise", "pairwise"):
        raise ValueError(f"nan_policy must be 'listwise' or 'pairwise', got {nan_policy!r}")
    k = items.shape[1]
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    matrix = _numeric_items(items)
    answered = ~np.isnan(matrix)
    complete = answered.all(axis=1)
    if nan_policy == "listwise":
        used = matrix[complete]
        n = int(complete.sum())
        cov = np.cov(used, rowvar=False, ddof=1) if n >= 2 else np.full((k, k), np.nan)
        item_n = np.full(k, n)
        item_mean = used.mean(axis=0) if n else np.full(k, np.nan)
        item_sd = used.std(axis=0, ddof=1) if n >= 2 else np.full(k, np.nan)
    else:
        n = int(answered.any(axis=1).sum())
        frame = pd.DataFrame(matrix)
        cov = frame.cov(min_periods=2).to_numpy()
        item_n = answered.sum(axis=0)
        item_mean = frame.mean().to_numpy()
        item_sd = frame.std(ddof=1).to_numpy()
    if n < 2:
        raise ValueError(f"alpha needs at least 2 respondents ({nan_policy}), got {n}")
    if np.isnan(cov).any():
        raise ValueError("some pairs of items have fewer than 2 respondents in common")
    variance = np.diag(cov)
    if (variance <= 0).any():
        column = items.columns[int(np.flatnonzero(variance <= 0)[0])]
        raise ValueError(f"item {column!r} has no variance ({nan_policy}); drop it first")
    if cov.sum() <= 0:
        raise ValueError("the total score has no variance")

    alpha, std_alpha = _alpha_of(cov)
    sd = np.sqrt(variance)
    corr = cov / np.outer(sd, sd)
    average_r = float((corr.sum() - k) / (k * (k - 1)))
    ci_low, ci_high = feldt_interval(alpha, n, k, ci_level)

    col_sums = cov.sum(axis=0)
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        rest = cov[np.ix_(keep, keep)]
        dropped_raw, dropped_std = _alpha_of(rest) if k > 2 else (math.nan, math.nan)
        rows.append(
            {
                "n": int(item_n[i]),
                "mean": float(item_mean[i]),
                "sd": float(item_sd[i]),
                "r_total": float(col_sums[i] / math.sqrt(cov[i, i] * cov.sum())),
                "r_total_std": float(corr[:, i].sum() / math.sqrt(corr.sum())),
                # NaN where the other items' sum has no variance (tiny samples).
                "r_drop": float((col_sums[i] - cov[i, i]) / math.sqrt(cov[i, i] * rest.sum()))
                if rest.sum() > 0
                else math.nan,
                "alpha_if_deleted": dropped_raw,
                "std_alpha_if_deleted": dropped_std,
            }
        )
    item_total = pd.DataFrame(rows, index=pd.Index([str(c) for c in items.columns], name="item"))
    totals = matrix[complete].sum(axis=1)
    return AlphaResult(
        alpha=alpha,
        std_alpha=std_alpha,
        average_r=average_r,
        n=n,
        k=k,
        ci_low=ci_low,
        ci_high=ci_high,
        ci_level=ci_level,
        mean=float(totals.mean()) if len(totals) else math.nan,
        sd=float(totals.std(ddof=1)) if len(totals) >= 2 else math.nan,
        omega=omega_total(corr) if k >= 3 else math.nan,
        nan_policy=nan_policy,
        item_total=item_total,
    )


def _one_factor_minres(corr: np.ndarray, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """Loadings of one factor minimising the off-diagonal squared residuals (iterated
    principal axes; its fixed point is the minres/ULS solution)."""
    inverse = np.linalg.pinv(corr)
    communality = np.clip(1 - 1 / np.diag(inverse), 0.005, 0.995)  # squared multiple r
    loadings = np.zeros(len(corr))
    for _ in range(max_iter):
        reduced = corr.copy()
        np.fill_diagonal(reduced, communality)
        values, vectors = np.linalg.eigh(reduced)
        loadings = vectors[:, -1] * math.sqrt(max(values[-1], 0.0))
        updated = loadings**2
        if np.max(np.abs(updated - communality)) < tol:
            break
        communality = updated
    return loadings * (1 if loadings.sum() >= 0 else -1)


def omega_total(corr: np.ndarray | pd.DataFrame) -> float:
    """McDonald's omega total of a correlation matrix, from a one-factor minres solution.

    ``omega = (sum(l))^2 / ((sum(l))^2 + sum(1 - l^2))`` with standardized loadings ``l``
    (McDonald 1999, eq. 6.20b).

    Examples
    --------
    A perfect one-factor structure with loadings 0.7, 0.6, 0.5:

    >>> l = np.array([0.7, 0.6, 0.5])
    >>> corr = np.outer(l, l); np.fill_diagonal(corr, 1.0)
    >>> round(omega_total(corr), 6), round(1.8**2 / (1.8**2 + 3 - float((l**2).sum())), 6)
    (0.63035, 0.63035)
    """
    matrix = np.asarray(corr, dtype=float)
    loadings = _one_factor_minres(matrix)
    common = loadings.sum() ** 2
    return float(common / (common + (1 - loadings**2).sum()))
