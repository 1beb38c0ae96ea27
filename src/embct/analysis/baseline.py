"""Analysis 2: the baseline table (the paper's Table 1), per arm, with tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from embct import schema

from .compare import CROSSTAB_EXTRAS, EFFECT_SIZES, crosstab_test, independent_t
from .io import MissingDataError

__all__ = ["BASELINE_VARIABLES", "baseline_table"]

#: Table 1's rows in the paper's order: (column, label, kind), from :data:`embct.schema.TABLE_1`.
BASELINE_VARIABLES: tuple[tuple[str, str, str], ...] = tuple(
    (c.name, c.table_label, "categorical" if c.kind is schema.Kind.BOOL else "continuous")
    for c in schema.TABLE_1
)

_COLUMNS = [
    "variable",
    "label",
    "kind",
    "level",
    "n",
    "reference_n",
    "reference_count",
    "reference_percent",
    "reference_mean",
    "reference_sd",
    "comparison_n",
    "comparison_count",
    "comparison_percent",
    "comparison_mean",
    "comparison_sd",
    "test",
    "chi2",
    "t",
    "dof",
    "p_val",
    "fisher_p_val",
    "mean_difference",
    "ci_low",
    "ci_high",
    "welch_t",
    "welch_dof",
    "welch_p_val",
    "levene_f",
    "levene_df1",
    "levene_df2",
    "levene_p_val",
    *CROSSTAB_EXTRAS,
    *EFFECT_SIZES,
]


def baseline_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Describe and compare the arms at baseline, as the paper's Table 1.

    Binary characteristics: n (%) of "yes" per arm, Pearson chi-square without continuity
    correction (SPSS's "Pearson Chi-Square"), Fisher's exact test beside it. Continuous
    characteristics (age, years since diagnosis, the baseline HADS and MHC-SF totals):
    mean (SD) per arm, Student's t (reference minus comparison; the paper's t column) with
    the mean-centred Levene test and Welch's t beside it, as SPSS prints them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame (:func:`embct.analysis.prepare`). Sample: every randomized
        participant with a value for the row's variable (available cases, per row).

    Returns
    -------
    pandas.DataFrame
        One row per characteristic with any value, in the paper's order. Columns:
        ``variable``, ``label``, ``kind`` (``categorical`` | ``continuous``), ``level`` (None:
        a binary row counts "yes", its label says what that is), ``n`` (participants with a
        value), per arm ``reference_*`` and ``comparison_*``: ``n``, ``count``, ``percent``
        (categorical) or ``mean``, ``sd`` (continuous); ``test`` (``chi2`` | ``t``),
        ``chi2``, ``t``, ``dof``, ``p_val`` (of that test), ``fisher_p_val``,
        ``mean_difference``, ``ci_low``, ``ci_high`` (95% CI of the difference), ``welch_t``,
        ``welch_dof``, ``welch_p_val``, ``levene_f``, ``levene_df1``, ``levene_df2``,
        ``levene_p_val``; a categorical row also ``yates_chi2``, ``yates_p_val``,
        ``lr_chi2``, ``lr_p_val``, ``fisher_p_val_one_sided``, ``phi``, ``cramers_v``
        (:func:`embct.analysis.crosstab_test`), a continuous one ``cohens_d``,
        ``hedges_g`` and their CIs (:func:`embct.analysis.independent_t`). Statistics that
        do not apply are NaN.

    Raises
    ------
    MissingDataError
        None of the baseline characteristics is in the frame.

    References
    ----------
    R: ``chisq.test(table, correct = FALSE)``, ``fisher.test``, ``t.test(var.equal = TRUE)``,
    ``t.test()``, ``car::leveneTest(center = mean)``.

    Examples
    --------
    >>> from embct.analysis import prepare
    >>> frame = prepare(pd.DataFrame({
    ...     "arm": ["mbct"] * 4 + ["embct"] * 4,
    ...     "female": [1, 1, 0, 1, 1, 0, 0, 1],
    ...     "age": [50, 61, 47, 55, 52, 49, 58, 45]}))
    >>> table = baseline_table(frame)
    >>> table[["variable", "reference_count", "reference_percent", "test", "dof"]]
      variable  reference_count  reference_percent  test  dof
    0   female                3               75.0  chi2  1.0
    1      age             <NA>                NaN     t  6.0
    >>> round(float(table.loc[1, "reference_mean"]), 2), round(float(table.loc[1, "t"]), 3)
    (53.25, 0.547)
    """
    present = [
        entry
        for entry in BASELINE_VARIABLES
        if entry[0] in frame.columns and frame[entry[0]].notna().any()
    ]
    if not present:
        raise MissingDataError(
            "no baseline characteristic in the table (expected any of "
            + ", ".join(v for v, _, _ in BASELINE_VARIABLES)
            + ")"
        )
    arm = frame["arm"].to_numpy()
    rows = []
    for variable, label, kind in present:
        values = frame[variable].to_numpy(dtype=float)
        known = ~np.isnan(values)
        row: dict[str, Any] = dict.fromkeys(_COLUMNS, np.nan)
        row.update(variable=variable, label=label, kind=kind, n=int(known.sum()))
        if kind == "categorical":
            table = np.array(
                [
                    [((arm == a) & known & (values == 0)).sum() for a in (0, 1)],
                    [((arm == a) & known & (values == 1)).sum() for a in (0, 1)],
                ],
                dtype=float,
            ).T
            for a, side in ((0, "reference"), (1, "comparison")):
                n = table[a].sum()
                row[f"{side}_n"] = int(n)
                row[f"{side}_count"] = int(table[a, 1])
                row[f"{side}_percent"] = 100.0 * table[a, 1] / n if n else np.nan
            test = crosstab_test(table)
            row.update(
                level=None,
                test="chi2",
                chi2=test["chi2"],
                dof=float(test["dof"]),
                p_val=test["p_val"],
                fisher_p_val=test["fisher_p_val"],
                **{key: test[key] for key in CROSSTAB_EXTRAS},
            )
        else:
            result = independent_t(values[arm == 0], values[arm == 1])
            row.update(
                level=None,
                test="t",
                reference_n=result["n_a"],
                reference_mean=result["mean_a"],
                reference_sd=result["sd_a"],
                comparison_n=result["n_b"],
                comparison_mean=result["mean_b"],
                comparison_sd=result["sd_b"],
                **{
                    key: result[key]
                    for key in (
                        "mean_difference",
                        "t",
                        "dof",
                        "p_val",
                        "ci_low",
                        "ci_high",
                        "welch_t",
                        "welch_dof",
                        "welch_p_val",
                        "levene_f",
                        "levene_df1",
                        "levene_df2",
                        "levene_p_val",
                        *EFFECT_SIZES,
                    )
                },
            )
        rows.append(row)
    out = pd.DataFrame(rows, columns=_COLUMNS)
    counts = ["n", *(f"{side}_{c}" for side in ("reference", "comparison") for c in ("n", "count"))]
    return out.astype(dict.fromkeys(counts, "Int64"))
