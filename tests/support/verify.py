"""Recompute the paper's headline statistics on a canonical trial table (plain statsmodels).

These are the simulator's own checks, written with the SPSS-equivalent routes of
statistics.md: Sum-coded multivariate linear model (``MultivariateLS.mv_test``) for the
repeated-measures tests (1.2), OLS per step on one listwise sample with pairwise F change
(1.4), Student t and uncorrected chi-square for Table 1 (1.1), logit for dropout (1.3).
They return the same keys as ``embct.analysis.analyze`` (contracts sections 3 and 4) for
the parts the comparison with the paper needs, so :mod:`embct.simulate.compare` works on
either.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from embct import schema

__all__ = ["headline_results", "normalize"]


def normalize(table: pd.DataFrame) -> pd.DataFrame:
    """The canonical table as the normalized analysis frame (contracts section 2), minimal.

    ``arm`` becomes 0 (``mbct``) / 1 (``embct``); totals are summed from complete items when
    the total column is absent; ``dropped_out`` is ``sessions_attended < 4`` among starters.
    """
    out = pd.DataFrame({"participant_id": table["participant_id"].astype(str)})
    labels = table["arm"].astype(str)
    out["arm"] = (labels == "embct").astype(int)
    out["arm_label"] = labels
    out["started"] = table["started"].astype(bool) if "started" in table else True
    out["sessions_attended"] = table["sessions_attended"].astype(float)
    out["dropped_out"] = np.where(
        out["started"], (out["sessions_attended"] < 4).astype(float), np.nan
    )
    out["completer"] = out["started"] & (out["sessions_attended"] >= 4)
    for col in schema.TOTALS:
        if col in table:
            out[col] = table[col].astype(float)
        else:
            items = table.filter(regex=rf"^{col}_\d+$").astype(float)
            out[col] = items.sum(axis=1, min_count=items.shape[1])
    for col in schema.BASELINE_CONTINUOUS + schema.BASELINE_BINARY:
        if col in table:
            out[col] = table[col].astype(float)
    return out


def _alliance(frame: pd.DataFrame) -> dict[str, Any]:
    from statsmodels.multivariate.api import MultivariateLS

    d = frame[frame["completer"]].dropna(subset=["wai_w2", "wai_w5", "wai_w9"])
    d = d.assign(g=d["arm"].astype(int))
    mod = MultivariateLS.from_formula("wai_w2 + wai_w5 + wai_w9 ~ C(g, Sum)", data=d)
    res = mod.fit()
    M = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    g = [name for name in mod.exog_names if name.startswith("C(g")]
    mv = res.mv_test(
        hypotheses=[
            ("time", ["Intercept"], M),
            ("time_x_arm", g, M),
            ("between", g, np.ones((3, 1)) / 3),
        ]
    )
    out: dict[str, Any] = {"n": len(d), "multivariate": {}}
    for key in ("time", "time_x_arm"):
        row = mv.results[key]["stat"].loc["Wilks' lambda"]
        out["multivariate"][key] = {
            "wilks_lambda": float(row["Value"]),
            "f": float(row["F Value"]),
            "df1": float(row["Num DF"]),
            "df2": float(row["Den DF"]),
            "p_val": float(row["Pr > F"]),
        }
    row = mv.results["between"]["stat"].loc["Wilks' lambda"]
    out["between"] = {
        "arm": {
            "f": float(row["F Value"]),
            "df1": float(row["Num DF"]),
            "df2": float(row["Den DF"]),
            "p_val": float(row["Pr > F"]),
        }
    }
    return out


def _regression(frame: pd.DataFrame, outcome: str) -> dict[str, Any]:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    pre, post = f"{outcome}_pre", f"{outcome}_post"
    d = frame[frame["completer"]].dropna(subset=[pre, post, "wai_w2"])
    d = d.rename(columns={pre: "baseline", post: "y"})
    formulas = [
        "y ~ baseline + arm",
        "y ~ baseline + arm + wai_w2",
        "y ~ baseline + arm + wai_w2 + wai_w2:arm",
    ]
    fits = [smf.ols(f, data=d).fit() for f in formulas]
    steps = []
    for k, fit in enumerate(fits):
        step: dict[str, Any] = {
            "r2": float(fit.rsquared),
            "adj_r2": float(fit.rsquared_adj),
            "f": float(fit.fvalue),
            "df1": float(fit.df_model),
            "df2": float(fit.df_resid),
            "p_val": float(fit.f_pvalue),
        }
        if k == 0:
            step.update(r2_change=step["r2"], f_change=step["f"])
        else:
            table = anova_lm(fits[k - 1], fit)
            step.update(
                r2_change=float(fit.rsquared - fits[k - 1].rsquared),
                f_change=float(table["F"].iloc[1]),
                f_change_df1=float(table["df_diff"].iloc[1]),
                f_change_df2=float(fit.df_resid),
                f_change_p_val=float(table["Pr(>F)"].iloc[1]),
            )
        ci = fit.conf_int()
        step["terms"] = [
            {
                "term": "intercept" if name == "Intercept" else name,
                "b": float(fit.params[name]),
                "se": float(fit.bse[name]),
                "t": float(fit.tvalues[name]),
                "dof": float(fit.df_resid),
                "p_val": float(fit.pvalues[name]),
                "ci_low": float(ci.loc[name, 0]),
                "ci_high": float(ci.loc[name, 1]),
            }
            for name in fit.params.index
        ]
        steps.append(step)
    return {"n": len(d), "steps": steps}


def headline_results(table: pd.DataFrame) -> dict[str, Any]:
    """The headline statistics of the paper recomputed on ``table``.

    Returns a dict with the contract keys ``alliance_development``, ``outcomes`` {hads, mhc},
    ``reliability`` (Cronbach alpha per instrument and wave, from items) and ``n``.

    Examples
    --------
    >>> from embct.simulate import simulate
    >>> r = headline_results(simulate(seed=2, mode="population", items=False))
    >>> r["outcomes"]["hads"]["steps"][2]["terms"][-1]["term"]
    'wai_w2:arm'
    """
    from embct.simulate.items import cronbach_alpha

    frame = normalize(table)
    reliability: dict[str, Any] = {}
    for key, wave in schema.WAVES:
        items = table.filter(regex=rf"^{key}_{wave}_\d+$").dropna()
        if items.shape[1] > 1 and len(items) > 2:
            reliability[f"{key}_{wave}"] = {
                "alpha": cronbach_alpha(items.to_numpy(float)),
                "n": len(items),
            }
    return {
        "n": len(frame),
        "reliability": reliability,
        "alliance_development": _alliance(frame),
        "outcomes": {o: _regression(frame, o) for o in ("hads", "mhc")},
    }
