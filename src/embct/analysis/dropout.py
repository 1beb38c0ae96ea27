"""Analysis 4, first part: early alliance (WAI week 2) of dropouts and completers."""

from __future__ import annotations

import pandas as pd

from .compare import EFFECT_SIZES, independent_t
from .io import MissingDataError

__all__ = ["early_alliance_by_dropout"]


def early_alliance_by_dropout(frame: pd.DataFrame) -> pd.DataFrame:
    """Compare the week-2 alliance (WAI total) of dropouts and completers.

    Independent t test, dropouts minus completers: Student's t (the paper's test) with the
    mean-centred Levene test and Welch's t beside it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame (:func:`embct.analysis.prepare`). Sample: participants who
        started, whose dropout status is known and who have ``wai_w2`` (those who left after
        the first session usually have none).

    Returns
    -------
    pandas.DataFrame
        Two rows, ``group`` = ``dropouts`` then ``completers``, each with ``n``, ``mean``,
        ``sd``, and the test repeated on both rows: ``mean_difference`` (dropouts minus
        completers), ``t``, ``dof``, ``p_val``, ``ci_low``, ``ci_high``, ``welch_t``,
        ``welch_dof``, ``welch_p_val``, ``levene_f``, ``levene_df1``, ``levene_df2``,
        ``levene_p_val``, ``cohens_d``, ``hedges_g`` and their CIs (``cohens_d_ci_low``,
        ``cohens_d_ci_high``, ``hedges_g_ci_low``, ``hedges_g_ci_high``).

    Raises
    ------
    MissingDataError
        The frame has no ``wai_w2`` values or no known dropout status, or a group has fewer
        than two participants with ``wai_w2``.

    References
    ----------
    R: ``t.test(wai_w2 ~ dropped_out, var.equal = TRUE)``, ``t.test(...)``,
    ``car::leveneTest(..., center = mean)``.

    Examples
    --------
    >>> from embct.analysis import prepare
    >>> frame = prepare(pd.DataFrame({
    ...     "arm": ["mbct", "embct"] * 4,
    ...     "sessions_attended": [2, 3, 3, 8, 9, 7, 6, 9],
    ...     "wai_w2": [30, 34, 29, 41, 38, 44, 36, 40]}))
    >>> table = early_alliance_by_dropout(frame)
    >>> table[["group", "n", "mean"]]
            group  n  mean
    0    dropouts  3  31.0
    1  completers  5  39.8
    >>> round(float(table.loc[0, "t"]), 3), float(table.loc[0, "dof"])
    (-4.141, 6.0)
    """
    if "wai_w2" not in frame.columns or frame["wai_w2"].isna().all():
        raise MissingDataError("no WAI week 2 total (wai_w2) in the table")
    sample = frame[frame["started"] & frame["dropped_out"].notna() & frame["wai_w2"].notna()]
    if sample.empty:
        raise MissingDataError(
            "no participant with wai_w2 has a known dropout status (sessions_attended or "
            "dropped_out)"
        )
    dropouts = sample.loc[sample["dropped_out"] == 1, "wai_w2"]
    completers = sample.loc[sample["dropped_out"] == 0, "wai_w2"]
    if len(dropouts) < 2 or len(completers) < 2:
        raise MissingDataError(
            f"too few participants with wai_w2 to compare: {len(dropouts)} dropouts and "
            f"{len(completers)} completers (at least 2 in each group)"
        )
    result = independent_t(dropouts, completers)
    test = {
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
    }
    rows = [
        {"group": "dropouts", "n": result["n_a"], "mean": result["mean_a"], "sd": result["sd_a"]},
        {
            "group": "completers",
            "n": result["n_b"],
            "mean": result["mean_b"],
            "sd": result["sd_b"],
        },
    ]
    return pd.DataFrame([{**row, **test} for row in rows])
