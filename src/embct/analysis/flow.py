"""Analysis 1: the sample flow (the paper's Figure 1), the CONSORT boxes of the randomized
participants, and dropout by arm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from embct import schema, trial

from .compare import CROSSTAB_EXTRAS, crosstab_test
from .io import MissingDataError

__all__ = ["analysed_counts", "arm_labels", "consort_counts", "dropout_by_arm", "sample_flow"]


def arm_labels(frame: pd.DataFrame) -> dict[int, str]:
    """The label of each arm code in a normalized frame.

    >>> arm_labels(pd.DataFrame({"arm": [1, 0], "arm_label": ["eMBCT", "MBCT"]}))
    {0: 'MBCT', 1: 'eMBCT'}
    """
    labels = {}
    for arm in (0, 1):
        spelled = frame.loc[frame["arm"] == arm, "arm_label"]
        labels[arm] = str(spelled.iloc[0]) if len(spelled) else ("reference", "comparison")[arm]
    return labels


def sample_flow(frame: pd.DataFrame) -> pd.DataFrame:
    """Count participants through the trial, per arm and in total (the paper's Figure 1).

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame (:func:`embct.analysis.prepare`).

    Returns
    -------
    pandas.DataFrame
        One row per arm (reference first), then ``total``. Columns: ``arm`` (0, 1; NA for
        the total), ``arm_label``, ``randomized`` (rows), ``waiting`` (never started and no
        withdrawal recorded: allocated, not started yet), ``declined`` (never started, a
        withdrawal recorded; without a ``withdrawal`` column every participant who never
        started, as in the paper), ``started``, ``dropouts`` (started, ``dropped_out == 1``),
        ``completers`` (started, ``dropped_out == 0``), ``dose_unknown`` (started, dropout
        status missing).

    Examples
    --------
    >>> from embct.analysis import prepare
    >>> frame = prepare(pd.DataFrame({
    ...     "arm": ["mbct", "mbct", "mbct", "embct", "embct"],
    ...     "started": [True, True, False, True, True],
    ...     "sessions_attended": [8, 2, 0, 5, None]}))
    >>> flow = sample_flow(frame)
    >>> flow.drop(columns=["arm", "dose_unknown"])
      arm_label  randomized  waiting  declined  started  dropouts  completers
    0      mbct           3        0         1        2         1           1
    1     embct           2        0         0        2         0           1
    2     total           5        0         1        4         1           2
    >>> flow["dose_unknown"].tolist()
    [0, 1, 1]
    """
    labels = arm_labels(frame)
    rows = []
    for arm, part in [(0, frame[frame["arm"] == 0]), (1, frame[frame["arm"] == 1]), (None, frame)]:
        started = part["started"].to_numpy(dtype=bool)
        dropped = part["dropped_out"].to_numpy(dtype=float)
        withdrawn = (
            part["withdrawal"].notna().to_numpy()
            if "withdrawal" in part
            else np.ones(len(part), dtype=bool)
        )
        rows.append(
            {
                "arm": arm,
                "arm_label": labels[arm] if arm is not None else "total",
                "randomized": len(part),
                "waiting": int((~started & ~withdrawn).sum()),
                "declined": int((~started & withdrawn).sum()),
                "started": int(started.sum()),
                "dropouts": int((started & (dropped == 1)).sum()),
                "completers": int((started & (dropped == 0)).sum()),
                "dose_unknown": int((started & np.isnan(dropped)).sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["arm"] = out["arm"].astype("Int64")
    return out


def consort_counts(frame: pd.DataFrame) -> dict[str, int]:
    """The CONSORT boxes of the treatment arms (:func:`embct.trial.treatment_counts`), from
    the normalized frame: arm 0 counts as ``mbct``, arm 1 as ``embct``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame; ``tau_first``, ``withdrawal`` and ``withdrawal_reason`` are used
        where present (else: nobody came through TAU, whoever never started declined, as in
        :func:`sample_flow`, and no reasons).

    Returns
    -------
    dict
        Box key -> participants, every box of the two arms (``mbct``, ``mbct.waiting`` ...,
        ``tau.mbct`` ...), as :func:`embct.trial.consort` takes them.

    Raises
    ------
    MissingDataError
        A participant who started has no ``sessions_attended``: the dose boxes need it.

    Examples
    --------
    >>> from embct.analysis import prepare
    >>> frame = prepare(pd.DataFrame({
    ...     "arm": ["mbct", "mbct", "embct"], "started": [1, 0, 1],
    ...     "sessions_attended": [2, 0, 9], "withdrawal": ["dropout", None, None],
    ...     "withdrawal_reason": ["practical", None, None]}))
    >>> counts = consort_counts(frame)
    >>> counts["mbct"], counts["mbct.waiting"], counts["mbct.dropouts.practical"]
    (2, 1, 1)
    """
    started = frame["started"].to_numpy(dtype=bool)
    sessions = frame["sessions_attended"].to_numpy(dtype=float)
    if np.isnan(sessions[started]).any():
        raise MissingDataError(
            "the CONSORT boxes need sessions_attended for every participant who started"
        )
    sessions = np.nan_to_num(sessions).astype(int)
    texts = {
        name: frame[name].fillna("").astype(str).tolist() if name in frame else [""] * len(frame)
        for name in ("withdrawal", "withdrawal_reason")
    }
    if "withdrawal" not in frame:  # as sample_flow: whoever never started declined (the paper)
        texts["withdrawal"] = ["" if s else "declined" for s in started]
    tau = frame["tau_first"].to_numpy(dtype=bool) if "tau_first" in frame else [False] * len(frame)
    arms = [trial.Arm(schema.ARMS[int(code)]) for code in frame["arm"]]
    records = [
        trial.FlowRecord(str(pid), arm, bool(s), int(n), bool(t), w, r)
        for pid, arm, s, n, t, w, r in zip(
            frame["participant_id"],
            arms,
            started,
            sessions,
            tau,
            texts["withdrawal"],
            texts["withdrawal_reason"],
            strict=True,
        )
    ]
    return trial.treatment_counts(records)


def analysed_counts(results: Mapping[str, Any]) -> dict[str, int]:
    """The n of each analysed section of a results document, as the CONSORT boxes
    ``analysed.<section>`` (:data:`embct.trial.ANALYSES`); a skipped section has none.

    >>> analysed_counts({"baseline": {"n": 10}, "outcomes": {"hads": {"skipped": "x"}}})
    {'analysed.baseline': 10}
    """
    out = {}
    for section in trial.ANALYSES:
        part: Any = results
        for key in section.split("."):
            part = part.get(key) if isinstance(part, Mapping) else None
        if section == "dropout" and isinstance(part, Mapping):
            part = part.get("wai_w2")
        if isinstance(part, Mapping) and isinstance(part.get("n"), int):
            out[f"analysed.{section}"] = int(part["n"])
    return out


def dropout_by_arm(frame: pd.DataFrame) -> pd.DataFrame:
    """Test whether dropout differs between the arms, among those who started.

    Pearson chi-square without continuity correction on the 2 x 2 table arm x dropout (as
    SPSS's "Pearson Chi-Square" row), with Fisher's exact test beside it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame. Sample: starters whose dropout status is known.

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``dropouts_reference``, ``n_reference``, ``dropouts_comparison``,
        ``n_comparison``, ``chi2``, ``dof``, ``p_val``, ``fisher_p_val``, ``min_expected``,
        and the other statistics of :func:`embct.analysis.crosstab_test` (``yates_chi2``,
        ``yates_p_val``, ``lr_chi2``, ``lr_p_val``, ``fisher_p_val_one_sided``, ``phi``,
        ``cramers_v``).

    Raises
    ------
    MissingDataError
        No starter has a known dropout status (no ``sessions_attended`` or ``dropped_out``).

    References
    ----------
    R: ``chisq.test(table, correct = FALSE)``, ``fisher.test(table)`` (the others: see
    :func:`embct.analysis.crosstab_test`). The paper's Figure 1
    counts (dropouts: 11 of 95 in MBCT, 24 of 103 in eMBCT) give chi2 = 4.666, p = .031
    (printed "P = .03").

    Examples
    --------
    >>> from embct.analysis import prepare
    >>> frame = prepare(pd.DataFrame({
    ...     "arm": ["mbct"] * 95 + ["embct"] * 103,
    ...     "dropped_out": [1] * 11 + [0] * 84 + [1] * 24 + [0] * 79}))
    >>> row = dropout_by_arm(frame).iloc[0]
    >>> round(float(row["chi2"]), 3), int(row["dof"]), round(float(row["p_val"]), 3)
    (4.666, 1, 0.031)
    """
    sample = frame[frame["started"] & frame["dropped_out"].notna()]
    if sample.empty:
        raise MissingDataError(
            "no participant who started has a known dropout status (the table has no "
            "sessions_attended or dropped_out values)"
        )
    table = np.zeros((2, 2))
    arm = sample["arm"].to_numpy()
    dropped = sample["dropped_out"].to_numpy()
    for i in (0, 1):
        table[i, 0] = int(((arm == i) & (dropped == 0)).sum())
        table[i, 1] = int(((arm == i) & (dropped == 1)).sum())
    test = crosstab_test(table)
    row = {
        "n": test["n"],
        "dropouts_reference": int(table[0, 1]),
        "n_reference": int(table[0].sum()),
        "dropouts_comparison": int(table[1, 1]),
        "n_comparison": int(table[1].sum()),
        "chi2": test["chi2"],
        "dof": test["dof"],
        "p_val": test["p_val"],
        "fisher_p_val": test["fisher_p_val"],
        "min_expected": test["min_expected"],
        **{key: test[key] for key in CROSSTAB_EXTRAS},
    }
    return pd.DataFrame([row])
