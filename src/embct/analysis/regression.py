"""Hierarchical OLS as SPSS prints it ("Model Summary" with change statistics and
"Coefficients"), and the paper's alliance -> outcome regressions (analysis 6)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from embct.analysis.linalg import (
    FloatArray,
    ModelError,
    NestedOLS,
    arm_labels,
    check_arm,
    check_numeric,
    json_number,
    missing_columns,
    nested_ols,
)
from embct.analysis.moderation import johnson_neyman, linear_combination

__all__ = [
    "OUTCOMES",
    "hierarchical_regression",
    "outcome_regression",
    "outcome_regression_table",
    "outcome_sample",
]

OUTCOMES = ("hads", "mhc")
COV_TYPES = ("nonrobust", "HC3")
SHAPIRO_MAX_N = 5000


def _design(data: pd.DataFrame, names: Sequence[str]) -> FloatArray:
    """Columns of ``data`` (``a:b`` is the product of ``a`` and ``b``) behind an intercept."""
    columns = [np.ones(len(data))]
    for name in names:
        parts = name.split(":")
        column = np.ones(len(data))
        for part in parts:
            column = column * data[part].to_numpy(dtype=np.float64)
        columns.append(column)
    return np.column_stack(columns)


def _fit_steps(
    data: pd.DataFrame,
    response: str,
    steps: Sequence[Sequence[str]],
    cov_type: str,
    alpha: float,
) -> tuple[dict[str, Any], NestedOLS, FloatArray, list[FloatArray]]:
    if cov_type not in COV_TYPES:
        raise ModelError(f"cov_type {cov_type!r}: expected one of {', '.join(COV_TYPES)}")
    names: list[str] = []
    ks: list[int] = []
    for added in steps:
        if not added:
            raise ModelError("every step must add at least one term")
        names.extend(added)
        ks.append(1 + len(names))
    if len(set(names)) != len(names):
        raise ModelError(f"a term is added twice: {names}")
    x = _design(data, names)
    y = data[response].to_numpy(dtype=np.float64)
    fit = nested_ols(x, y, ks)
    n = fit.n
    # Column SDs from R: with the intercept first, sum_{i>=1} R[i, j]^2 is column j's
    # centred sum of squares (no second pass over the rows).
    sd = np.sqrt(np.sum(fit.r[1:, :] ** 2, axis=0) / (fit.n - 1))
    sd_y = math.sqrt(fit.tss / (fit.n - 1))
    # Zero-order r of each column with y, also from R and Q'y (centred: rows 1..):
    # x_j'y - n mean(x_j) mean(y) = sum_{i>=1} R[i, j] (Q'y)[i].
    p_all = fit.r.shape[1]
    cross = fit.r[1:, 1:].T @ fit.qty[1:p_all]
    zero_order = np.concatenate([[np.nan], cross / (sd[1:] * math.sqrt((n - 1) * fit.tss))])
    out_steps: list[dict[str, Any]] = []
    covs: list[FloatArray] = []
    previous_rss, previous_k = fit.tss, 1
    for number, step in enumerate(fit.steps, start=1):
        k, dof = step.k, step.df_resid
        cov = fit.hc3_cov(k) if cov_type == "HC3" else step.cov_unscaled * step.scale
        covs.append(cov)
        se = np.sqrt(np.diag(cov))
        t = step.params / se
        p = 2 * stats.t.sf(np.abs(t), dof)
        crit = float(stats.t.ppf(1 - alpha / 2, dof))
        r2 = 1.0 - step.rss / fit.tss
        f = ((fit.tss - step.rss) / (k - 1)) / step.scale
        change_df1 = k - previous_k
        f_change = ((previous_rss - step.rss) / change_df1) / step.scale
        # SPSS's part and partial correlations come from the classical t, also under HC3.
        t_classical = step.params / np.sqrt(np.diag(step.cov_unscaled) * step.scale)
        partial = t_classical / np.sqrt(t_classical**2 + dof)
        part = t_classical * math.sqrt(max(1.0 - r2, 0.0) / dof)
        terms = []
        for j, term in enumerate(["intercept", *names[: k - 1]]):
            terms.append(
                {
                    "term": term,
                    "b": json_number(step.params[j]),
                    "se": json_number(se[j]),
                    "beta": None if j == 0 else json_number(step.params[j] * sd[j] / sd_y),
                    "t": json_number(t[j]),
                    "dof": dof,
                    "p_val": json_number(p[j]),
                    "ci_low": json_number(step.params[j] - crit * se[j]),
                    "ci_high": json_number(step.params[j] + crit * se[j]),
                    "zero_order_r": None if j == 0 else json_number(zero_order[j]),
                    "partial_r": None if j == 0 else json_number(partial[j]),
                    "part_r": None if j == 0 else json_number(part[j]),
                }
            )
        out_steps.append(
            {
                "step": number,
                "r": json_number(math.sqrt(max(r2, 0.0))),
                "r2": json_number(r2),
                "adj_r2": json_number(1.0 - (1.0 - r2) * (n - 1) / dof),
                "f": json_number(f),
                "df1": k - 1,
                "df2": dof,
                "p_val": json_number(stats.f.sf(f, k - 1, dof)),
                "r2_change": json_number((previous_rss - step.rss) / fit.tss),
                "f_change": json_number(f_change),
                "f_change_df1": change_df1,
                "f_change_df2": dof,
                "f_change_p_val": json_number(stats.f.sf(f_change, change_df1, dof)),
                "ss_regression": json_number(fit.tss - step.rss),
                "ss_residual": json_number(step.rss),
                "ss_total": json_number(fit.tss),
                "ms_regression": json_number((fit.tss - step.rss) / (k - 1)),
                "ms_residual": json_number(step.scale),
                "terms": terms,
            }
        )
        previous_rss, previous_k = step.rss, k
    result = {"n": n, "response": response, "cov_type": cov_type, "steps": out_steps}
    return result, fit, x, covs


def hierarchical_regression(
    data: pd.DataFrame,
    response: str,
    steps: Sequence[Sequence[str]],
    *,
    cov_type: str = "nonrobust",
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Hierarchical (blockwise) OLS on one listwise sample, as SPSS REGRESSION prints it.

    Each step adds its terms to the previous step's; ``a:b`` names the product of two
    columns. The sample is the rows complete on the response and every variable of every
    step (SPSS listwise deletion over all blocks), so all steps share one n. The F change
    of step k compares step k with step k-1 on step k's residual mean square (pairwise,
    not R's ``anova(m1, m2, m3)``, which uses the largest model's error); step 1's F
    change is its model F.

    Parameters
    ----------
    data : DataFrame
        The variables.
    response : str
        The dependent variable.
    steps : sequence of sequence of str
        The terms each step adds.
    cov_type : {"nonrobust", "HC3"}
        Standard errors of the terms. HC3 (MacKinnon & White 1985) changes the term
        inference (se, t, p, CI) only; R2, F and F change stay the classical ones.
    alpha : float
        One minus the confidence level of the coefficient intervals.

    Returns
    -------
    dict
        ``n``, ``response``, ``cov_type``, ``steps[]`` each with ``step``, ``r``, ``r2``,
        ``adj_r2``, ``f``, ``df1``, ``df2``, ``p_val``, ``r2_change``, ``f_change``,
        ``f_change_df1``, ``f_change_df2``, ``f_change_p_val``, the step's ANOVA table
        (SPSS "ANOVA": ``ss_regression`` = TSS - RSS, ``ss_residual``, ``ss_total``,
        ``ms_regression`` on ``df1``, ``ms_residual`` on ``df2``; its F and p are ``f``
        and ``p_val``) and ``terms[]`` {``term``, ``b``, ``se``, ``beta`` (standardized,
        SPSS: ``b sd(x) / sd(y)``, product terms standardized as variables of their own),
        ``t``, ``dof``, ``p_val``, ``ci_low``, ``ci_high``, and SPSS's "Correlations"
        ``zero_order_r`` (Pearson r of the term with the response), ``partial_r``
        (``t / sqrt(t^2 + df2)``: the correlation of the response and the term, both
        residualized on the step's other terms) and ``part_r`` (semipartial,
        ``t sqrt((1 - R2) / df2)``: the response with the residualized term), these three
        from the classical t whatever ``cov_type``, ``None`` for the intercept}. The
        intercept term is named ``intercept``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [3.0, 1, 4, 1, 5, 9, 2, 6], "a": [1.0, 2, 3, 4, 5, 6, 7, 8],
    ...                   "b": [0.0, 1, 0, 1, 0, 1, 0, 1]})
    >>> res = hierarchical_regression(d, "y", [["a"], ["b"]])
    >>> res["n"], [s["df1"] for s in res["steps"]], round(res["steps"][0]["r2"], 4)
    (8, [1, 2], 0.228)
    """
    variables = [response, *sorted({p for added in steps for t in added for p in t.split(":")})]
    absent = [c for c in variables if c not in data.columns]
    if absent:
        raise ModelError(f"columns {absent} are not in the data", column=absent[0])
    check_numeric(data, variables)
    sample = data.loc[data[variables].notna().all(axis=1), variables]
    result, _, _, _ = _fit_steps(sample, response, steps, cov_type, alpha)
    return result


def outcome_sample(
    frame: pd.DataFrame, outcome: str, *, completers: bool = True, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, str] | str:
    """The variables of the paper's outcome regression, renamed as its terms.

    Returns ``(sample, rule)`` with columns ``post``, ``baseline``, ``arm``, ``wai_w2`` (and
    ``extra`` columns as they are), or the reason (a str) why there is no sample. With
    ``completers`` the rows are the completers complete on the model's variables (the
    regression's listwise sample); without, every randomized participant, missing values
    kept (the frame multiple imputation starts from). The regressions, the clustering
    models and the multiple imputation all start from this one selection.

    Examples
    --------
    >>> frame = pd.DataFrame({"arm": [0, 1, 0, 1], "completer": [True, True, False, True],
    ...                       "wai_w2": [30.0, 40, 35, None], "hads_pre": [10.0, 12, 9, 8],
    ...                       "hads_post": [8.0, 9, None, 7]})
    >>> sample, rule = outcome_sample(frame, "hads")
    >>> list(sample.columns), len(sample), len(outcome_sample(frame, "hads", completers=False)[0])
    (['post', 'baseline', 'arm', 'wai_w2'], 2, 4)
    >>> outcome_sample(frame.drop(columns="hads_post"), "hads")
    'no data for hads_post'
    """
    pre, post = f"{outcome}_pre", f"{outcome}_post"
    needed = ["arm", "wai_w2", pre, post]
    absent = missing_columns(frame, needed)
    if absent:
        return f"no data for {', '.join(absent)}"
    check_arm(frame)
    check_numeric(frame, ["wai_w2", pre, post])
    if completers:
        rows = frame[needed].notna().all(axis=1)
        rule = f"completers with {pre}, {post} and wai_w2 (one listwise sample for all steps)"
        if "completer" in frame.columns:
            rows &= frame["completer"].fillna(False).astype(bool)
        else:
            rule = f"all participants with {pre}, {post} and wai_w2 (no completer column)"
    else:
        rows = pd.Series(True, index=frame.index)
        rule = "every randomized participant"
    mask = rows.to_numpy(dtype=bool)
    sample = pd.DataFrame(
        {
            name: frame[column].to_numpy(dtype=np.float64)[mask]
            for name, column in (
                ("post", post),
                ("baseline", pre),
                ("arm", "arm"),
                ("wai_w2", "wai_w2"),
            )
        }
    )
    for column in extra:
        if column in frame.columns:
            sample[column] = frame[column].to_numpy(dtype=object)[mask]
    return sample, rule


def outcome_regression(
    frame: pd.DataFrame,
    outcome: str,
    *,
    cov_type: str = "nonrobust",
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Early alliance and post-treatment outcome (the paper's Tables 2 and 3).

    Hierarchical OLS of ``<outcome>_post`` on one listwise sample (completers with
    ``<outcome>_pre``, ``<outcome>_post`` and ``wai_w2``): step 1 ``baseline``
    (= ``<outcome>_pre``) + ``arm``; step 2 + ``wai_w2``; step 3 + ``wai_w2:arm``.
    The interaction is probed PROCESS-style: the slope of ``wai_w2`` in each arm, the arm
    difference at the ``wai_w2`` sample mean -1 SD, mean and +1 SD, and the
    Johnson-Neyman boundaries of the arm difference over ``wai_w2`` (closed form, see
    :func:`embct.analysis.moderation.johnson_neyman`), all from the step-3 fit.
    Assumption checks of step 3: VIF of each predictor (the diagonal of the inverse
    correlation matrix of the predictors), the largest Cook's distance and Shapiro-Wilk on
    the residuals (reported as ``None`` beyond 5000 residuals, where its p is not
    reliable).

    Parameters
    ----------
    frame : DataFrame
        The normalized analysis frame (``arm`` 0/1, ``completer``, totals).
    outcome : {"hads", "mhc"}
        Which outcome.
    cov_type : {"nonrobust", "HC3"}
        Standard errors of the terms and of the probes (see
        :func:`hierarchical_regression`).
    alpha : float
        Significance level of the intervals and of the Johnson-Neyman boundaries.

    Returns
    -------
    dict
        The ``outcomes.<outcome>`` section of results.json: ``n``, ``steps[]`` (as
        :func:`hierarchical_regression`), ``simple_slopes[]`` {``arm``, ``arm_label``,
        ``b``, ``se``, ``t``, ``dof``, ``p_val``, ``ci_low``, ``ci_high``} reference arm
        first, ``arm_difference_at[]`` {``wai_w2``, ``label``, ``b``, ``se``, ``t``,
        ``dof``, ``p_val``, ``ci_low``, ``ci_high``}, ``johnson_neyman``, ``moderator``
        {``mean``, ``sd``, ``min``, ``max``}, ``covariates`` {``baseline_mean``},
        ``assumptions`` {``vif``, ``max_cooks_d``, ``shapiro_w``, ``shapiro_p_val``},
        ``missing_data`` (the sample rule). ``{"skipped": reason}`` when a role is absent
        or the sample cannot carry the model.

    Raises
    ------
    ModelError
        For an unknown outcome, a non-numeric column, an infinite value or an ``arm``
        other than 0/1.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> n = 60
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], n // 2), "completer": True,
    ...                       "wai_w2": rng.normal(36, 9, n), "hads_pre": rng.normal(18, 6, n)})
    >>> noise = rng.normal(0, 4, n)
    >>> frame["hads_post"] = 4 + 0.6 * frame["hads_pre"] - 0.1 * frame["wai_w2"] + noise
    >>> res = outcome_regression(frame, "hads")
    >>> res["n"], [s["df2"] for s in res["steps"]]
    (60, [57, 56, 55])
    >>> [t["term"] for t in res["steps"][2]["terms"]]
    ['intercept', 'baseline', 'arm', 'wai_w2', 'wai_w2:arm']
    """
    if outcome not in OUTCOMES:
        raise ModelError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
    if cov_type not in COV_TYPES:
        raise ModelError(f"cov_type {cov_type!r}: expected one of {', '.join(COV_TYPES)}")
    got = outcome_sample(frame, outcome)
    if isinstance(got, str):
        return {"skipped": got}
    sample, rule = got
    n = len(sample)
    if n < 8:
        return {"skipped": f"{n} complete cases ({rule}); at least 8 are needed"}
    if sample["arm"].nunique() < 2:
        return {"skipped": f"only one arm among the {n} complete cases ({rule})"}
    try:
        result, fit, _, covs = _fit_steps(
            sample, "post", [["baseline", "arm"], ["wai_w2"], ["wai_w2:arm"]], cov_type, alpha
        )
    except ModelError as error:
        return {"skipped": f"{error} ({rule})"}
    del result["response"]
    result["outcome"] = outcome
    result["missing_data"] = rule
    labels = arm_labels(frame)
    step3 = fit.steps[2]
    params, cov, dof = step3.params, covs[2], step3.df_resid
    # Coefficient order: intercept, baseline, arm, wai_w2, wai_w2:arm.
    slopes = []
    for code in (0, 1):
        est = linear_combination(params, cov, [0, 0, 0, 1, code], dof, alpha=alpha)
        slopes.append({"arm": code, "arm_label": labels[code], **_clean(est)})
    result["simple_slopes"] = slopes
    wai = sample["wai_w2"].to_numpy()
    mean, sd = float(wai.mean()), float(wai.std(ddof=1))
    spots = []
    for label, value in (("-1 SD", mean - sd), ("mean", mean), ("+1 SD", mean + sd)):
        est = linear_combination(params, cov, [0, 0, 1, 0, value], dof, alpha=alpha)
        spots.append({"wai_w2": json_number(value), "label": label, **_clean(est)})
    result["arm_difference_at"] = spots
    jn = johnson_neyman(
        params[2],
        params[4],
        cov[2, 2],
        cov[2, 4],
        cov[4, 4],
        dof,
        alpha=alpha,
        w_range=(float(wai.min()), float(wai.max())),
    )
    result["johnson_neyman"] = {
        key: (json_number(value) if isinstance(value, (float, np.floating)) else value)
        for key, value in jn.items()
    }
    result["moderator"] = {
        "name": "wai_w2",
        "mean": json_number(mean),
        "sd": json_number(sd),
        "min": json_number(wai.min()),
        "max": json_number(wai.max()),
    }
    result["covariates"] = {"baseline_mean": json_number(sample["baseline"].mean())}
    result["assumptions"] = _assumptions(fit, step3.k, step3.scale)
    return result


def _clean(est: dict[str, float]) -> dict[str, Any]:
    return {key: json_number(value) for key, value in est.items()}


def _assumptions(fit: NestedOLS, k: int, scale: float) -> dict[str, Any]:
    names = ["baseline", "arm", "wai_w2", "wai_w2:arm"]
    # Centred cross-products of the predictors from R (intercept first): R[1:, 1:]' R[1:, 1:].
    block = fit.r[1:k, 1:k]
    sscp = block.T @ block
    scale_ = np.sqrt(np.diag(sscp))
    vif = np.diag(np.linalg.inv(sscp / np.outer(scale_, scale_)))
    e = fit.residuals(k)
    h = fit.leverage(k)
    cooks = e**2 / (k * scale) * h / (1.0 - h) ** 2
    out: dict[str, Any] = {
        "vif": {name: json_number(v) for name, v in zip(names, vif, strict=True)},
        "max_cooks_d": json_number(cooks.max()),
        "n_cooks_d_above_4_over_n": int(np.sum(cooks > 4.0 / fit.n)),
        "max_leverage": json_number(h.max()),
        "shapiro_w": None,
        "shapiro_p_val": None,
    }
    if 3 <= fit.n <= SHAPIRO_MAX_N:
        w, p = stats.shapiro(e)
        out["shapiro_w"], out["shapiro_p_val"] = json_number(w), json_number(p)
    else:
        out["shapiro_note"] = f"Shapiro-Wilk not computed for n = {fit.n} (valid for 3..5000)"
    return out


def outcome_regression_table(
    frame: pd.DataFrame, outcome: str, *, cov_type: str = "nonrobust", alpha: float = 0.05
) -> pd.DataFrame:
    """:func:`outcome_regression` as a tidy table: one row per step and term.

    Returns
    -------
    DataFrame
        Columns ``step``, ``term``, ``b``, ``se``, ``beta``, ``t``, ``dof``, ``p_val``,
        ``ci_low``, ``ci_high`` and the step's ``r2``, ``adj_r2``, ``f``, ``df1``, ``df2``,
        ``r2_change``, ``f_change``, ``f_change_p_val``; empty when the analysis is skipped.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], 20), "completer": True,
    ...                       "wai_w2": rng.normal(36, 9, 40), "mhc_pre": rng.normal(35, 12, 40),
    ...                       "mhc_post": rng.normal(40, 12, 40)})
    >>> outcome_regression_table(frame, "mhc").shape
    (12, 18)
    """
    columns = ["step", "term", "b", "se", "beta", "t", "dof", "p_val", "ci_low", "ci_high"]
    step_columns = ["r2", "adj_r2", "f", "df1", "df2", "r2_change", "f_change", "f_change_p_val"]
    result = outcome_regression(frame, outcome, cov_type=cov_type, alpha=alpha)
    rows = []
    for step in result.get("steps", []):
        for term in step["terms"]:
            row = {"step": step["step"], **term}
            row.update({key: step[key] for key in step_columns})
            rows.append(row)
    return pd.DataFrame(rows, columns=columns + step_columns)
