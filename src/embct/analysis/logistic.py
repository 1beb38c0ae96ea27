"""Hierarchical binary logistic regression as SPSS LOGISTIC REGRESSION prints it
("Variables in the Equation", "Omnibus Tests", "Model Summary"), and the paper's dropout
model (analysis 4)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special, stats

from embct.analysis.linalg import (
    FloatArray,
    ModelError,
    check_arm,
    check_numeric,
    json_number,
    missing_columns,
)

__all__ = [
    "classification_table",
    "collapse_patterns",
    "dropout_logistic",
    "dropout_logistic_table",
    "fit_logit",
    "hierarchical_logistic",
    "hosmer_lemeshow",
]

#: SPSS's defaults: the classification cut and the number of Hosmer-Lemeshow groups.
CLASSIFICATION_CUT = 0.5
HL_GROUPS = 10
MAX_ITER = 50
TOL = 1e-10
SEPARATION_ETA = 30.0


def collapse_patterns(
    x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Group identical design rows: ``(patterns, trials, events)``, or ``None`` when
    grouping would not shrink the data at least by half.

    The Bernoulli log-likelihood ``sum y eta - log(1 + e^eta)`` summed over the rows of one
    covariate pattern is ``events eta - trials log(1 + e^eta)``, so the grouped fit gives
    the same estimates, covariance and log-likelihood as the row-level one. Questionnaire
    totals take few values, so a million participants often have a few hundred patterns.

    Examples
    --------
    >>> x = np.column_stack([np.ones(6), [1.0, 1, 2, 2, 2, 3]])
    >>> patterns, trials, events = collapse_patterns(x, np.array([0.0, 1, 1, 1, 0, 1]))
    >>> patterns[:, 1].tolist(), trials.tolist(), events.tolist()
    ([1.0, 2.0, 3.0], [2.0, 3.0, 1.0], [1.0, 2.0, 1.0])
    """
    n = x.shape[0]
    codes: NDArray[np.int64] = np.zeros(n, dtype=np.int64)
    n_codes = 1
    for j in range(x.shape[1]):
        column_codes, uniques = pd.factorize(x[:, j])
        codes, combined = pd.factorize(codes * len(uniques) + column_codes)
        n_codes = len(combined)
        if n_codes > n // 2:
            return None
    trials = np.bincount(codes, minlength=n_codes).astype(np.float64)
    events = np.bincount(codes, weights=y, minlength=n_codes).astype(np.float64)
    first = np.full(n_codes, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    return x[first], trials, events


def fit_logit(
    x: FloatArray, y: FloatArray, trials: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, float, int]:
    """Maximum likelihood logit by Newton-Raphson (IRLS) with step halving.

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Design with the intercept in column 0.
    y : ndarray, shape (n,)
        0/1 outcome, or the number of events per row when ``trials`` is given.
    trials : ndarray, shape (n,), optional
        Number of trials per row (grouped binomial data, see :func:`collapse_patterns`).

    Returns
    -------
    params, cov, llf, iterations
        Coefficients, their covariance (inverse information at the estimate), the
        log-likelihood (of the Bernoulli rows) and the number of Newton steps taken.

    Raises
    ------
    ModelError
        On (quasi-)complete separation or when the iterations do not converge.

    Examples
    --------
    >>> x = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6]])
    >>> params, cov, llf, _ = fit_logit(x, np.array([0.0, 0, 1, 0, 1, 1]))
    >>> [round(float(b), 4) for b in params], round(llf, 4)
    ([-4.2491, 1.214], -2.478)
    """
    k = x.shape[1]
    m = np.ones(len(y)) if trials is None else np.asarray(trials, dtype=np.float64)
    params = np.zeros(k)
    p0 = float(np.clip(y.sum() / m.sum(), 1e-12, 1 - 1e-12))
    params[0] = math.log(p0 / (1 - p0))

    def loglik(eta: FloatArray) -> float:
        # sum y*eta - m log(1 + exp(eta)); log(1 + e^eta) = max(eta, 0) + log1p(e^-|eta|)
        soft = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))
        return float(y @ eta - m @ soft)

    eta = x @ params
    llf = loglik(eta)
    iteration = 0
    for _ in range(MAX_ITER):
        iteration += 1
        mu = special.expit(eta)
        w = m * mu * (1.0 - mu)
        grad = x.T @ (y - m * mu)
        info = x.T @ (x * w[:, None])
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError as error:
            raise ModelError(
                "the logistic model's information matrix is singular "
                "(a column is constant or collinear, or the outcome is separated)"
            ) from error
        factor = 1.0
        while True:
            candidate = params + factor * step
            eta_new = x @ candidate
            ll_new = loglik(eta_new)
            if ll_new >= llf - 1e-12 * abs(llf) or factor < 1e-8:
                break
            factor /= 2
        params, eta = candidate, eta_new
        converged = abs(ll_new - llf) < TOL * (abs(llf) + TOL) and float(
            np.max(np.abs(factor * step))
        ) < 1e-8 * (1 + float(np.max(np.abs(params))))
        llf = ll_new
        if converged:
            break
    else:
        raise ModelError(
            f"the logistic model did not converge in {MAX_ITER} iterations "
            "(complete or quasi-complete separation?)"
        )
    if float(np.max(np.abs(eta))) > SEPARATION_ETA:
        raise ModelError(
            "the logistic model separates the outcome (fitted probabilities of 0 or 1): "
            "the estimates do not exist"
        )
    mu = special.expit(eta)
    info = x.T @ (x * (m * mu * (1.0 - mu))[:, None])
    cov = np.linalg.inv(info)
    return params, cov, llf, iteration


def classification_table(
    y: FloatArray, probability: FloatArray, cut: float = CLASSIFICATION_CUT
) -> dict[str, Any]:
    """SPSS's "Classification Table": observed outcome by predicted outcome at a cut.

    A case is predicted 1 when its fitted probability exceeds ``cut`` (SPSS: "cases with
    predicted values that exceed the classification cutoff are classified as positive").

    Returns
    -------
    dict
        ``cut``, ``observed_0_predicted_0``, ``observed_0_predicted_1``,
        ``observed_1_predicted_0``, ``observed_1_predicted_1`` (counts),
        ``percent_correct_0``, ``percent_correct_1`` (per observed outcome) and
        ``percent_correct`` (overall).

    Examples
    --------
    >>> out = classification_table(np.array([0.0, 0, 1, 1, 1]), np.array([0.2, 0.6, 0.7, 0.5, 0.9]))
    >>> out["observed_1_predicted_0"], out["observed_0_predicted_1"], out["percent_correct"]
    (1, 1, 60.0)
    """
    predicted = probability > cut
    observed = y == 1.0
    counts = {
        f"observed_{o}_predicted_{p}": int(np.sum((observed == bool(o)) & (predicted == bool(p))))
        for o in (0, 1)
        for p in (0, 1)
    }
    n_0 = counts["observed_0_predicted_0"] + counts["observed_0_predicted_1"]
    n_1 = counts["observed_1_predicted_0"] + counts["observed_1_predicted_1"]
    right = counts["observed_0_predicted_0"] + counts["observed_1_predicted_1"]
    return {
        "cut": cut,
        **counts,
        "percent_correct_0": 100.0 * counts["observed_0_predicted_0"] / n_0 if n_0 else None,
        "percent_correct_1": 100.0 * counts["observed_1_predicted_1"] / n_1 if n_1 else None,
        "percent_correct": 100.0 * right / len(y) if len(y) else None,
    }


#: Fitted probabilities equal to this many decimals are one covariate pattern (a tie).
TIE_DECIMALS = 10


def hosmer_lemeshow(
    y: FloatArray, probability: FloatArray, groups: int = HL_GROUPS
) -> dict[str, Any]:
    """The Hosmer-Lemeshow goodness-of-fit test over groups of cases of similar risk.

    The cases are sorted by fitted probability and cut into about ``groups`` groups of
    ``M = floor(N / groups + 0.5)`` cases, never splitting cases that share a fitted
    probability (a covariate pattern). A block of tied cases joins the current group when
    the group has fewer than ``M`` cases and ``count + floor(block / 2) <= M``, else it
    starts the next group; the last group takes every remaining block, and a last group of
    fewer than ``M / 2`` cases joins the one before it. This is the rule SAS PROC LOGISTIC
    documents (LACKFIT); SPSS's "deciles of risk" also keep ties together, but its exact
    rule is not published in a form checked here. The statistic is
    ``sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))`` (``O`` events, ``E`` the sum of the
    fitted probabilities), equal to SPSS's sum over both outcome columns of its
    "Contingency Table for Hosmer and Lemeshow Test", on ``g - 2`` df.

    R's ``ResourceSelection::hoslem.test(y, p, g = 10)`` groups by ``cut(p,
    quantile(p, 0:10 / 10))`` instead: a case at a quantile falls in the lower group and
    ties may be split unevenly (or the breaks are not unique and it fails). Both rules give
    the same ten groups when the probabilities are distinct and N is a multiple of 10.

    Returns
    -------
    dict
        ``chi2``, ``dof``, ``p_val``, ``groups[]`` {``group``, ``n``, ``observed_1``,
        ``expected_1``, ``observed_0``, ``expected_0``}; ``chi2`` is ``None`` with fewer
        than 3 groups.

    Examples
    --------
    >>> p = np.linspace(0.05, 0.95, 20)
    >>> y = (np.arange(20) % 3 == 0).astype(float)
    >>> out = hosmer_lemeshow(y, p)
    >>> len(out["groups"]), out["dof"], [g["n"] for g in out["groups"]][:3]
    (10, 8, [2, 2, 2])
    """
    # Cases share a covariate pattern when their fitted probabilities agree to 10 decimals:
    # the same pattern's probability may differ in the last bits with the order of the rows.
    key = np.round(probability, TIE_DECIMALS)
    order = np.lexsort((probability, key))
    p_sorted, y_sorted = probability[order], y[order]
    _values, starts, sizes = np.unique(key[order], return_index=True, return_counts=True)
    target = math.floor(len(y) / groups + 0.5)
    bounds: list[list[int]] = []  # [start, stop) of each group in the sorted cases
    for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        if bounds:
            count = bounds[-1][1] - bounds[-1][0]
            if len(bounds) == groups or (count < target and count + size // 2 <= target):
                bounds[-1][1] = start + size
                continue
        bounds.append([start, start + size])
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < target / 2:
        last = bounds.pop()  # (popped first: bounds[-2] = pop() would name the wrong group)
        bounds[-1][1] = last[1]
    table = []
    chi2 = 0.0
    for number, (start, stop) in enumerate(bounds, start=1):
        n_g = stop - start
        observed = float(y_sorted[start:stop].sum())
        expected = float(p_sorted[start:stop].sum())
        table.append(
            {
                "group": number,
                "n": n_g,
                "observed_1": int(observed),
                "expected_1": json_number(expected),
                "observed_0": int(n_g - observed),
                "expected_0": json_number(n_g - expected),
            }
        )
        chi2 += (observed - expected) ** 2 / (expected * (1.0 - expected / n_g))
    dof = len(bounds) - 2
    if dof < 1:
        return {"chi2": None, "dof": dof, "p_val": None, "groups": table}
    return {
        "chi2": json_number(chi2),
        "dof": dof,
        "p_val": json_number(stats.chi2.sf(chi2, dof)),
        "groups": table,
    }


def _null_loglik(y: FloatArray) -> float:
    n = len(y)
    events = float(y.sum())
    p = events / n
    return events * math.log(p) + (n - events) * math.log(1 - p)


def _design(data: pd.DataFrame, names: Sequence[str]) -> FloatArray:
    columns = [np.ones(len(data))]
    for name in names:
        column = np.ones(len(data))
        for part in name.split(":"):
            column = column * data[part].to_numpy(dtype=np.float64)
        columns.append(column)
    return np.column_stack(columns)


def _fit_steps(
    data: pd.DataFrame, response: str, steps: Sequence[Sequence[str]], alpha: float
) -> dict[str, Any]:
    names: list[str] = []
    ks: list[int] = []
    for added in steps:
        if not added:
            raise ModelError("every step must add at least one term")
        names.extend(added)
        ks.append(1 + len(names))
    y = data[response].to_numpy(dtype=np.float64)
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        value = float(y[position])
        raise ModelError(
            f"row {data.index[position]!r}, column {response!r}: value {value!r} is not 0 or 1",
            column=response,
            row=data.index[position],
            value=value,
        )
    n = len(y)
    events = int(y.sum())
    if events in (0, n):
        raise ModelError(f"the outcome {response!r} is constant ({events} of {n} are 1)")
    x_full = _design(data, names)
    ll_null = _null_loglik(y)
    grouped = collapse_patterns(x_full, y)
    z = float(stats.norm.ppf(1 - alpha / 2))
    out_steps = []
    previous_ll, previous_k = ll_null, 1
    for number, k in enumerate(ks, start=1):
        try:
            if grouped is None:
                params, cov, llf, iterations = fit_logit(x_full[:, :k], y)
            else:
                patterns, trials, events_per_pattern = grouped
                params, cov, llf, iterations = fit_logit(
                    patterns[:, :k], events_per_pattern, trials
                )
        except ModelError as error:
            # A section degrades per step: the steps before stay, this one says why not.
            if number == 1 or error.column is not None:
                raise
            out_steps.append({"step": number, "skipped": str(error)})
            break
        se = np.sqrt(np.diag(cov))
        fitted = special.expit(x_full[:, :k] @ params)
        wald = (params / se) ** 2
        p = stats.chi2.sf(wald, 1)
        terms = []
        for j, term in enumerate(["intercept", *names[: k - 1]]):
            terms.append(
                {
                    "term": term,
                    "b": json_number(params[j]),
                    "se": json_number(se[j]),
                    "wald": json_number(wald[j]),
                    "dof": 1,
                    "p_val": json_number(p[j]),
                    "odds_ratio": json_number(math.exp(params[j])),
                    "ci_low": json_number(math.exp(params[j] - z * se[j])),
                    "ci_high": json_number(math.exp(params[j] + z * se[j])),
                }
            )
        model_chi2 = 2.0 * (llf - ll_null)
        step_chi2 = 2.0 * (llf - previous_ll)
        cox_snell = 1.0 - math.exp(2.0 / n * (ll_null - llf))
        out_steps.append(
            {
                "step": number,
                "terms": terms,
                "minus2ll": json_number(-2.0 * llf),
                "model_chi2": json_number(model_chi2),
                "model_dof": k - 1,
                "model_p_val": json_number(stats.chi2.sf(model_chi2, k - 1)),
                "step_chi2": json_number(step_chi2),
                "step_dof": k - previous_k,
                "step_p_val": json_number(stats.chi2.sf(step_chi2, k - previous_k)),
                "cox_snell_r2": json_number(cox_snell),
                "nagelkerke_r2": json_number(cox_snell / (1.0 - math.exp(2.0 / n * ll_null))),
                "iterations": iterations,
                "classification": classification_table(y, fitted),
                "hosmer_lemeshow": hosmer_lemeshow(y, fitted),
            }
        )
        previous_ll, previous_k = llf, k
    return {
        "n": n,
        "events": events,
        "response": response,
        "null_minus2ll": json_number(-2.0 * ll_null),
        "steps": out_steps,
    }


def hierarchical_logistic(
    data: pd.DataFrame,
    response: str,
    steps: Sequence[Sequence[str]],
    *,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Blockwise binary logistic regression on one listwise sample, SPSS-style.

    Per term: B, S.E., Wald = (B/SE)^2 on 1 df, its p, Exp(B) and the Wald interval of
    Exp(B), ``exp(B -+ z_{1-alpha/2} SE)``. Per step: -2 log likelihood, the model
    chi-square against the intercept-only model and the step chi-square against the
    previous step (SPSS "Omnibus Tests": Model and Step rows), Cox & Snell
    ``R2 = 1 - exp(2/n (LL0 - LL))`` and Nagelkerke ``R2 = R2_CS / (1 - exp(2/n LL0))``,
    the classification table at the cut .5 and the Hosmer-Lemeshow test (10 groups), as
    SPSS prints them at each step.

    Parameters
    ----------
    data : DataFrame
        The variables; ``a:b`` in a step names the product of two columns.
    response : str
        The 0/1 outcome.
    steps : sequence of sequence of str
        The terms each step adds.
    alpha : float
        One minus the confidence level of the Exp(B) intervals.

    Returns
    -------
    dict
        ``n``, ``events``, ``response``, ``null_minus2ll`` and ``steps[]`` {``step``,
        ``terms[]`` {``term``, ``b``, ``se``, ``wald``, ``dof``, ``p_val``,
        ``odds_ratio``, ``ci_low``, ``ci_high``}, ``minus2ll``, ``model_chi2``,
        ``model_dof``, ``model_p_val``, ``step_chi2``, ``step_dof``, ``step_p_val``,
        ``cox_snell_r2``, ``nagelkerke_r2``, ``iterations``, ``classification`` (SPSS's
        "Classification Table" at the cut .5: :func:`classification_table`),
        ``hosmer_lemeshow`` (:func:`hosmer_lemeshow`, 10 groups)}.

    Raises
    ------
    ModelError
        Missing or non-numeric columns, an outcome other than 0/1 or constant, or
        separation.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 0, 1], "x": [1.0, 2, 3, 4, 5, 6, 2, 3]})
    >>> res = hierarchical_logistic(d, "y", [["x"]])
    >>> res["n"], res["steps"][0]["model_dof"], round(res["steps"][0]["terms"][1]["wald"], 4)
    (8, 1, 2.0462)
    """
    variables = [response, *sorted({p for added in steps for t in added for p in t.split(":")})]
    absent = [c for c in variables if c not in data.columns]
    if absent:
        raise ModelError(f"columns {absent} are not in the data", column=absent[0])
    check_numeric(data, variables)
    sample = data.loc[data[variables].notna().all(axis=1), variables]
    return _fit_steps(sample, response, steps, alpha)


def dropout_logistic(frame: pd.DataFrame, *, alpha: float = 0.05) -> dict[str, Any]:
    """Does early alliance predict dropout, and differently per arm? (analysis 4).

    Hierarchical logistic regression of ``dropped_out`` (1 = attended fewer than 4
    sessions) among starters with ``wai_w2`` and ``dropped_out`` present: step 1
    ``wai_w2`` + ``arm``, step 2 + ``wai_w2:arm``. See :func:`hierarchical_logistic`
    for the statistics.

    Parameters
    ----------
    frame : DataFrame
        The normalized analysis frame (``arm`` 0/1, ``started``, ``dropped_out``,
        ``wai_w2``).
    alpha : float
        One minus the confidence level of the odds-ratio intervals.

    Returns
    -------
    dict
        The ``dropout.logistic`` section of results.json (as
        :func:`hierarchical_logistic`, with ``missing_data`` naming the sample rule), or
        ``{"skipped": reason}`` when a role is absent or the model cannot be estimated.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> n = 200
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], n // 2), "started": True,
    ...                       "wai_w2": rng.normal(36, 9, n)})
    >>> frame["dropped_out"] = (rng.random(n) < 0.2).astype(float)
    >>> res = dropout_logistic(frame)
    >>> res["n"], [t["term"] for t in res["steps"][1]["terms"]]
    (200, ['intercept', 'wai_w2', 'arm', 'wai_w2:arm'])
    """
    needed = ["arm", "wai_w2", "dropped_out"]
    absent = missing_columns(frame, needed)
    if absent:
        return {"skipped": f"no data for {', '.join(absent)}"}
    check_arm(frame)
    check_numeric(frame, ["wai_w2", "dropped_out"])
    rows = frame[needed].notna().all(axis=1)
    rule = "starters with wai_w2 and dropped_out (one listwise sample for both steps)"
    if "started" in frame.columns:
        rows &= frame["started"].fillna(False).astype(bool)
    mask = rows.to_numpy(dtype=bool)
    index = frame.index[mask]
    if "participant_id" in frame.columns:
        index = pd.Index(frame["participant_id"].to_numpy()[mask])
    sample = pd.DataFrame(
        {
            column: frame[column].to_numpy(dtype=np.float64)[mask]
            for column in ("dropped_out", "wai_w2", "arm")
        },
        index=index,
    )
    n = len(sample)
    if n < 6:
        return {"skipped": f"{n} complete cases ({rule}); at least 6 are needed"}
    if sample["arm"].nunique() < 2:
        return {"skipped": f"only one arm among the {n} complete cases ({rule})"}
    try:
        result = _fit_steps(sample, "dropped_out", [["wai_w2", "arm"], ["wai_w2:arm"]], alpha)
    except ModelError as error:
        if error.column == "dropped_out":
            raise
        return {"skipped": f"{error} ({rule})"}
    del result["response"]
    result["missing_data"] = rule
    return result


def dropout_logistic_table(frame: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`dropout_logistic` as a tidy table: one row per step and term.

    Returns
    -------
    DataFrame
        Columns ``step``, ``term``, ``b``, ``se``, ``wald``, ``dof``, ``p_val``,
        ``odds_ratio``, ``ci_low``, ``ci_high`` and the step's ``minus2ll``,
        ``model_chi2``, ``model_dof``, ``model_p_val``, ``cox_snell_r2``,
        ``nagelkerke_r2``; empty when the analysis is skipped.

    Examples
    --------
    >>> frame = pd.DataFrame({"arm": [0, 0, 0, 0, 1, 1, 1, 1, 0, 1], "started": True,
    ...                       "wai_w2": [30.0, 40, 35, 20, 44, 38, 25, 33, 41, 29],
    ...                       "dropped_out": [1.0, 0, 1, 0, 0, 1, 0, 1, 0, 0]})
    >>> dropout_logistic_table(frame)["term"].tolist()
    ['intercept', 'wai_w2', 'arm', 'intercept', 'wai_w2', 'arm', 'wai_w2:arm']
    """
    columns = ["step", "term", "b", "se", "wald", "dof", "p_val", "odds_ratio"]
    columns += ["ci_low", "ci_high"]
    step_columns = ["minus2ll", "model_chi2", "model_dof", "model_p_val"]
    step_columns += ["cox_snell_r2", "nagelkerke_r2"]
    result = dropout_logistic(frame, alpha=alpha)
    rows = []
    for step in result.get("steps", []):
        for term in step["terms"]:
            row = {"step": step["step"], **term}
            row.update({key: step[key] for key in step_columns})
            rows.append(row)
    return pd.DataFrame(rows, columns=columns + step_columns)
