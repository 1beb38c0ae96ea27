"""The whole analysis: every section of the paper, as one JSON-ready results document.

:func:`analyze` runs the sections on the normalized frame, :func:`results_tables` lays the
results out as one tidy table per report table, and :func:`write_results` writes
``results.json`` and ``tables/*.csv`` to a folder. A section whose data are absent is not an
error: it reads ``{"skipped": "<reason>"}`` and the others still run. The document's shape is
:class:`embct.analysis.results.Results` (its JSON Schema: ``results.schema.json``).
"""

from __future__ import annotations

import importlib
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from embct import __version__, trial
from embct.spreadsheet import write_csv

from .baseline import baseline_table
from .cluster import outcome_clustering
from .config import AnalysisConfig
from .dropout import early_alliance_by_dropout
from .flow import analysed_counts, arm_labels, consort_counts, dropout_by_arm, sample_flow
from .impute import outcome_regression_mi
from .io import MissingDataError, prepare
from .reliability import reliability_table
from .results import (
    AllianceDevelopment,
    Baseline,
    BaselineRow,
    Clustering,
    DropoutByArm,
    DropoutLogistic,
    EarlyAlliance,
    FlowArm,
    FlowCounts,
    IntentionToTreat,
    Meta,
    MissingDataRules,
    OutcomeRegression,
    Reliability,
    ReliabilityScale,
    ReliabilityWave,
    Results,
    Skipped,
)

__all__ = [
    "DOSE_NOT_GIVEN",
    "MODEL_UNAVAILABLE",
    "analyze",
    "results_tables",
    "to_jsonable",
    "write_results",
]

#: What a model section says when this build of embct does not have the model function.
MODEL_UNAVAILABLE = "model not available in this build"
#: What the flow and the dropout sections say when the table gives no dose.
DOSE_NOT_GIVEN = (
    "dose not given (the table has no started, sessions_attended or dropped_out): every "
    "participant is analysed, and nobody is counted as a dropout or a completer"
)

_NORMALIZED = {
    "participant_id",
    "arm",
    "arm_label",
    "started",
    "sessions_attended",
    "dropped_out",
    "completer",
}
_T = TypeVar("_T")


def analyze(frame: pd.DataFrame, config: AnalysisConfig | None = None) -> Results:
    """Run every analysis of the paper and return the results document.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame (:func:`embct.analysis.load_table` or
        :func:`embct.analysis.prepare`). A frame that is not normalized yet (it lacks the
        normalized columns) is passed through :func:`prepare` with ``config`` first.
    config : AnalysisConfig, optional
        Only used to prepare a raw frame, and recorded in ``meta``.

    Returns
    -------
    Results
        JSON-ready (numbers as numbers, NaN as None), of the shape
        :class:`embct.analysis.results.Results` declares. Keys, in order:

        - ``n``: randomized participants (rows);
        - ``flow``: ``arms`` (one entry per arm, reference first, with ``arm``,
          ``arm_label``, ``randomized``, ``waiting``, ``declined``, ``started``,
          ``dropouts``, ``completers``, ``dose_unknown``), ``total`` (the same counts),
          ``dropout_by_arm`` (``chi2``, ``dof``, ``p_val`` (Pearson, uncorrected),
          ``fisher_p_val``, ``n``, ...), ``consort`` (box key -> n: the CONSORT boxes the
          table can know, :func:`embct.trial.consort`: the treatment arms, reference as
          ``mbct``, and ``analysed.<section>``, each section's n);
        - ``reliability``: ``{instrument}_{wave}`` -> ``alpha``, ``standardized_alpha``,
          ``n``, ``k``, ``ci_low``, ``ci_high``, ``omega``, ``note`` (why alpha is missing),
          ``subscales`` (the same per subscale);
        - ``baseline``: ``n``, ``arms`` (arm, arm_label, n), ``rows`` (the rows of
          :func:`embct.analysis.baseline_table`, each also with ``arms``: per arm ``arm``,
          ``arm_label``, ``n`` and ``count``, ``percent`` or ``mean``, ``sd``);
        - ``dropout``: ``wai_w2`` (``dropouts`` and ``completers`` each ``n``, ``mean``,
          ``sd``; ``t``, ``dof``, ``p_val``, Welch and Levene beside them) and ``logistic``
          (:func:`embct.analysis.dropout_logistic`);
        - ``alliance_development`` (:func:`embct.analysis.alliance_development`);
        - ``outcomes``: ``hads`` and ``mhc`` (:func:`embct.analysis.outcome_regression`);
        - ``intention_to_treat``: ``hads`` and ``mhc``, the same regressions on every
          randomized participant by multiple imputation
          (:func:`embct.analysis.outcome_regression_mi`, with the config's ``[imputation]``);
        - ``clustering``: ``hads`` and ``mhc``, the ICCs by therapist and group and the
          regressions with CR2 and random-therapist-intercept inference
          (:func:`embct.analysis.outcome_clustering`);
        - ``meta``: ``embct_version``, ``input`` (the data file's name), ``config``, where
          each total and the dropout status came from, and ``missing_data`` (the sample rule
          of each section).

        Any section may instead be ``{"skipped": "<reason>"}``.

    Examples
    --------
    >>> raw = pd.DataFrame({
    ...     "arm": ["mbct", "embct"] * 10,
    ...     "sessions_attended": [9, 2, 8, 7, 3, 9, 6, 1, 9, 8] * 2,
    ...     "age": [51, 48, 60, 45, 39, 57, 62, 50, 44, 53] * 2})
    >>> results = analyze(prepare(raw))
    >>> results["n"], [arm["dropouts"] for arm in results["flow"]["arms"]]
    (20, [2, 4])
    >>> results["baseline"]["rows"][0]["variable"], list(results["reliability"])
    ('age', ['skipped'])
    """
    if not set(frame.columns) >= _NORMALIZED or not pd.api.types.is_integer_dtype(frame["arm"]):
        frame = prepare(frame, config)
    info: Mapping[str, Any] = frame.attrs.get("embct", {})
    design: AnalysisConfig = info.get("analysis_config") or config or AnalysisConfig()
    dose_given = bool(info.get("dose_given", True))
    labels = arm_labels(frame)
    records = sample_flow(frame).to_dict("records")
    total = {k: v for k, v in records[2].items() if k not in ("arm", "arm_label")}
    models = _model_frame(frame, design, dose_given)
    flow: dict[str, Any] = {
        "arms": cast(list[FlowArm], records[:2]),
        "total": cast(FlowCounts, total),
        "dropout_by_arm": _section(
            lambda: cast(DropoutByArm, dropout_by_arm(frame).to_dict("records")[0])
        ),
    }
    dropout: dict[str, Any] = {
        "wai_w2": _section(lambda: _early_alliance(models)),
        "logistic": cast("DropoutLogistic | Skipped", _model("dropout_logistic", models)),
    }
    if not dose_given:
        flow["dose"] = DOSE_NOT_GIVEN
        flow["dropout_by_arm"] = {"skipped": DOSE_NOT_GIVEN}
        dropout = {name: {"skipped": DOSE_NOT_GIVEN} for name in dropout}
    outcomes: dict[str, Any] = {"hads": _outcome(models, "hads"), "mhc": _outcome(models, "mhc")}
    follow_ups = {
        f"{key}_{wave}": _follow_up(models, key, wave)
        for key in ("hads", "mhc")
        for wave in design.follow_ups(key)
    }
    if follow_ups:
        outcomes["follow_ups"] = follow_ups
    results: Results = {
        "n": len(frame),
        "flow": cast(Any, flow),
        "reliability": _section(lambda: _reliability(frame)),
        "baseline": _section(lambda: _baseline(frame, labels)),
        "dropout": cast(Any, dropout),
        "alliance_development": cast(
            "AllianceDevelopment | Skipped",
            _model("alliance_development", models, waves=design.alliance_waves),
        ),
        "outcomes": cast(Any, outcomes),
        # the imputation's settings as passed, else as prepared
        "intention_to_treat": _intention_to_treat(models, config or design),
        "clustering": cast(
            Clustering, {key: outcome_clustering(models, key) for key in ("hads", "mhc")}
        ),
        "meta": _meta(frame, info, labels, config),
    }
    _design_rules(results["meta"]["missing_data"], design)
    if design.early_alliance_role != "wai_w2":
        _name_early_alliance(results, design.early_alliance_role)
    if not dose_given:
        _say_dose_not_given(results)
    # The model functions return plain dicts; the tests check the document against the
    # schema generated from Results (tests/analysis/test_results_schema.py).
    out = cast(Results, to_jsonable(results))
    out["flow"]["consort"] = (
        _section(lambda: _consort(frame, out)) if dose_given else {"skipped": DOSE_NOT_GIVEN}
    )
    return out


def _consort(frame: pd.DataFrame, results: Results) -> dict[str, int]:
    """The CONSORT boxes the table can know (the treatment arms and each analysis's n),
    checked to add up by embct.trial.consort."""
    counts = {**consort_counts(frame), **analysed_counts(cast(Mapping[str, Any], results))}
    return trial.consort(counts).known()


def _meta(
    frame: pd.DataFrame,
    info: Mapping[str, Any],
    labels: dict[int, str],
    config: AnalysisConfig | None,
) -> Meta:
    used = config or AnalysisConfig()
    return {
        "embct_version": __version__,
        "input": info.get("source") or frame.attrs.get("source"),
        "config": info.get("config") or cast(Any, used.to_dict()),
        "arms": [{"arm": arm, "arm_label": labels[arm]} for arm in (0, 1)],
        "participant_id_from": info.get("participant_id_from"),
        "started_from": info.get("started_from"),
        "dropped_out_from": info.get("dropped_out_from"),
        "totals_from": info.get("totals_from"),
        "missing_data": _missing_data_rules(info),
    }


def _design_rules(rules: MissingDataRules, design: AnalysisConfig) -> None:
    """The alliance and outcome sample rules under configured waves."""
    waves = [column for column, _ in design.alliance_waves]
    early = design.early_alliance_role
    if waves != [column for column, _ in AnalysisConfig().alliance_waves]:
        rules["alliance_development"] = (
            f"completers with {', '.join(waves[:-1])} and {waves[-1]} (complete cases); the "
            "mixed model uses every available alliance total"
        )
    if early != "wai_w2":
        rules["outcomes"] = rules["outcomes"].replace("wai_w2", early)
        for key in ("dropout.wai_w2", "dropout.logistic"):
            rules[key] = rules[key].replace("wai_w2", early)


def _section(compute: Callable[[], _T]) -> _T | Skipped:
    try:
        return compute()
    except MissingDataError as reason:
        return {"skipped": str(reason)}


def _model_function(name: str) -> Callable[..., dict[str, Any]]:
    """``embct.analysis.<name>``; ImportError when this build does not have it."""
    module = importlib.import_module("embct.analysis")
    function = getattr(module, name, None)
    if function is None:
        raise ImportError(f"cannot import name {name!r} from 'embct.analysis'")
    return function


def _model(name: str, frame: pd.DataFrame, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        function = _model_function(name)
    except ImportError:
        return {"skipped": MODEL_UNAVAILABLE}
    return function(frame, *args, **kwargs)


def _model_frame(frame: pd.DataFrame, design: AnalysisConfig, dose_given: bool) -> pd.DataFrame:
    """The frame the model sections see: the early alliance in the role ``wai_w2``, and
    without dose every participant in the sample (no ``completer`` column)."""
    models = frame
    early = design.early_alliance_role
    if early != "wai_w2" and early in frame.columns:
        models = models.assign(wai_w2=frame[early])
    if not dose_given:
        models = models.drop(columns="completer")
    return models


def _follow_up(frame: pd.DataFrame, key: str, wave: str) -> OutcomeRegression | Skipped:
    """The outcome regression with follow-up ``wave`` as the dependent wave (for post)."""
    column = f"{key}_{wave}"
    section: dict[str, Any] = dict(
        _model("outcome_regression", frame.assign(**{f"{key}_post": frame[column]}), key)
    )
    for part in ("missing_data", "skipped"):
        if isinstance(section.get(part), str):
            section[part] = section[part].replace(f"{key}_post", column)
    return cast("OutcomeRegression | Skipped", section)


def _name_early_alliance(results: Results, early: str) -> None:
    """Sample rules name the configured early alliance wave (its terms stay ``wai_w2``)."""
    outcomes: dict[str, Any] = dict(results["outcomes"])
    parts: list[Any] = [results["dropout"]["logistic"], *outcomes.pop("follow_ups", {}).values()]
    for part in [*parts, *outcomes.values()]:
        if isinstance(part, dict) and isinstance(part.get("missing_data"), str):
            part["missing_data"] = part["missing_data"].replace("wai_w2", early)


def _say_dose_not_given(results: Results) -> None:
    """Sample rules say "dose not given" where the model functions found no completers."""
    parts: list[Any] = [results["alliance_development"], *results["outcomes"].values()]
    parts += list(results["outcomes"].get("follow_ups", {}).values())
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("missing_data"), str):
            part["missing_data"] = part["missing_data"].replace(
                "(no completer column)", "(dose not given)"
            )
    results["meta"]["dose"] = DOSE_NOT_GIVEN
    rules = results["meta"]["missing_data"]
    for key in ("alliance_development", "outcomes"):
        rules[key] = (
            rules[key].replace("completers with", "all participants with") + " (dose not given)"
        )


def _outcome(frame: pd.DataFrame, outcome: str) -> OutcomeRegression | Skipped:
    return cast("OutcomeRegression | Skipped", _model("outcome_regression", frame, outcome))


def _intention_to_treat(frame: pd.DataFrame, config: AnalysisConfig) -> IntentionToTreat:
    def one(key: str) -> dict[str, Any]:
        return outcome_regression_mi(
            frame,
            key,
            m=config.imputations,
            iterations=config.imputation_iterations,
            seed=config.imputation_seed,
        )

    # The two outcomes side by side (each imputes its two arms in two threads; every
    # imputation has its own seeded stream, so the results do not depend on the threads).
    with ThreadPoolExecutor(max_workers=2) as outcomes:
        done = dict(zip(("hads", "mhc"), outcomes.map(one, ("hads", "mhc")), strict=True))
    return cast(IntentionToTreat, done)


def _reliability(frame: pd.DataFrame) -> Reliability:
    out: Reliability = {}
    for row in reliability_table(frame).to_dict("records"):
        values = cast(ReliabilityScale, {field: row[field] for field in _RELIABILITY_FIELDS})
        if row["scale"] == "total":
            out[row["key"]] = cast(ReliabilityWave, {**values, "subscales": {}})
        else:
            out[row["key"]]["subscales"][row["scale"]] = values
    return out


_RELIABILITY_FIELDS = list(ReliabilityScale.__annotations__)


def _baseline(frame: pd.DataFrame, labels: dict[int, str]) -> Baseline:
    table = baseline_table(frame)
    counts = frame["arm"].value_counts()
    rows = []
    for row in table.to_dict("records"):
        stats = ("n", "count", "percent") if row["kind"] == "categorical" else ("n", "mean", "sd")
        row["arms"] = [
            {"arm": arm, "arm_label": labels[arm], **{s: row[f"{side}_{s}"] for s in stats}}
            for arm, side in ((0, "reference"), (1, "comparison"))
        ]
        rows.append(cast(BaselineRow, row))
    return {
        "n": len(frame),
        "arms": [
            {"arm": arm, "arm_label": labels[arm], "n": int(counts.get(arm, 0))} for arm in (0, 1)
        ],
        "rows": rows,
    }


def _early_alliance(frame: pd.DataFrame) -> EarlyAlliance:
    dropouts, completers = early_alliance_by_dropout(frame).to_dict("records")
    out: dict[str, Any] = {
        name: {key: row[key] for key in ("n", "mean", "sd")}
        for name, row in (("dropouts", dropouts), ("completers", completers))
    }
    out["n"] = dropouts["n"] + completers["n"]
    out.update({str(k): v for k, v in dropouts.items() if k not in ("group", "n", "mean", "sd")})
    return cast(EarlyAlliance, out)


def _missing_data_rules(info: Mapping[str, Any]) -> MissingDataRules:
    dropout_rule = info.get("dropped_out_from") or "the dropped_out column of the frame"
    return {
        "dropout_status": str(dropout_rule),
        "totals": (
            "totals given in the file are used as they are; totals scored from items follow "
            "embct.instruments' missing-item rule"
        ),
        "flow": "every randomized participant",
        "dropout_by_arm": "participants who started and whose dropout status is known",
        "reliability": "per scale, participants who answered every item (listwise)",
        "baseline": "per row, participants with a value for that characteristic",
        "dropout.wai_w2": "participants who started, with a known dropout status and wai_w2",
        "dropout.logistic": "participants who started, with wai_w2 and a known dropout status",
        "alliance_development": (
            "completers with wai_w2, wai_w5 and wai_w9 (complete cases); the mixed model "
            "uses every available WAI total"
        ),
        "outcomes": (
            "one listwise sample for all steps: completers with <outcome>_pre, "
            "<outcome>_post and wai_w2"
        ),
        "intention_to_treat": (
            "every randomized participant: <outcome>_post, <outcome>_pre and wai_w2 imputed "
            "within each arm by chained equations, pooled by Rubin's rules"
        ),
        "clustering": (
            "the outcomes' listwise sample (completers with <outcome>_pre, <outcome>_post and "
            "wai_w2), with a therapist_id; ICC by group over those with a group_id"
        ),
    }


def to_jsonable(value: Any) -> Any:
    """Plain JSON data from results: numpy and pandas scalars as Python numbers, NaN as None.

    Examples
    --------
    >>> to_jsonable({"t": np.float64(1.5), "p_val": float("nan"), "n": np.int64(3),
    ...              "ok": np.bool_(True), "arm": pd.NA, "rows": (1, 2)})
    {'t': 1.5, 'p_val': None, 'n': 3, 'ok': True, 'arm': None, 'rows': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(item) for item in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot put a {type(value).__name__} into results.json: {value!r}")


def results_tables(results: Results) -> dict[str, pd.DataFrame]:
    """The results document as tidy tables, one per report table (for ``tables/*.csv``).

    Parameters
    ----------
    results : Results
        The document :func:`analyze` returns. Skipped sections give no table.

    Returns
    -------
    dict of str to pandas.DataFrame
        Table name -> table, e.g. ``flow``, ``dropout_by_arm``, ``baseline``,
        ``reliability``, ``reliability_items``, ``dropout_wai_w2``,
        ``dropout_logistic_steps``, ``dropout_logistic_terms``,
        ``dropout_logistic_classification``, ``dropout_logistic_hosmer_lemeshow``,
        ``alliance_multivariate``, ``alliance_between``, ``alliance_sphericity``,
        ``alliance_means``, ``outcome_hads_steps``,
        ``outcome_hads_terms``, ``outcome_hads_simple_slopes`` ... (those present).

    Examples
    --------
    >>> raw = pd.DataFrame({"arm": ["mbct", "embct"] * 3, "age": [50, 40, 61, 45, 38, 52]})
    >>> tables = results_tables(analyze(raw))
    >>> sorted(tables)
    ['baseline', 'flow']
    >>> tables["flow"][["arm_label", "randomized"]]
      arm_label  randomized
    0      mbct           3
    1     embct           3
    2     total           6
    """
    tables: dict[str, pd.DataFrame] = {}
    flow = results["flow"]
    rows: list[Mapping[str, Any]] = [
        *flow["arms"],
        {"arm": None, "arm_label": "total", **flow["total"]},
    ]
    tables["flow"] = pd.DataFrame(rows)
    if "skipped" not in flow["dropout_by_arm"]:
        tables["dropout_by_arm"] = pd.DataFrame([flow["dropout_by_arm"]])
    baseline = results["baseline"]
    if "skipped" not in baseline:
        tables["baseline"] = pd.DataFrame([_scalars(r) for r in baseline["rows"]])
    reliability = results["reliability"]
    if "skipped" not in reliability:
        rows = []
        for key, entry in reliability.items():
            rows.append({"key": key, "scale": "total", **_scalars(entry)})
            for scale, values in entry["subscales"].items():
                rows.append({"key": key, "scale": scale, **_scalars(values)})
        tables["reliability"] = pd.DataFrame(rows)
        items = [
            {"key": key, "scale": scale, **item}
            for key, entry in reliability.items()
            for scale, values in [("total", entry), *entry["subscales"].items()]
            for item in values["items"]
        ]
        if items:
            tables["reliability_items"] = pd.DataFrame(items)
    wai_w2 = results["dropout"]["wai_w2"]
    if "skipped" not in wai_w2:
        test = _scalars(wai_w2)
        tables["dropout_wai_w2"] = pd.DataFrame(
            [
                {"group": group, **summary, **{k: v for k, v in test.items() if k != "n"}}
                for group, summary in (
                    ("dropouts", wai_w2["dropouts"]),
                    ("completers", wai_w2["completers"]),
                )
            ]
        )
    logistic = results["dropout"]["logistic"]
    if "skipped" not in logistic:
        _steps(tables, "dropout_logistic", logistic)
        fitted = [s for s in logistic["steps"] if "skipped" not in s]  # a separated step has none
        tables["dropout_logistic_classification"] = pd.DataFrame(
            [{"step": s["step"], **s["classification"]} for s in fitted]
        )
        tables["dropout_logistic_hosmer_lemeshow"] = pd.DataFrame(
            [
                {"step": s["step"], **_scalars(s["hosmer_lemeshow"]), **group}
                for s in fitted
                for group in s["hosmer_lemeshow"]["groups"]
            ]
        )
    alliance = results["alliance_development"]
    if "skipped" not in alliance:
        for part, value in alliance.items():
            _collect(tables, f"alliance_{part}", value)
    _design_tables(tables, results)
    outcomes = results["outcomes"]
    sections = [("hads", outcomes["hads"]), ("mhc", outcomes["mhc"])]
    sections += list(outcomes.get("follow_ups", {}).items())
    for outcome, section in sections:
        if "skipped" in section:
            continue
        name = f"outcome_{outcome}"
        _steps(tables, name, section)
        for part, value in section.items():
            if part != "steps":
                _collect(tables, f"{name}_{part}", value)
    # Whole numbers print as such (counts, df), missing cells stay empty.
    return {name: table.convert_dtypes() for name, table in tables.items()}


def _design_tables(tables: dict[str, pd.DataFrame], results: Results) -> None:
    """``itt_<outcome>_terms``, ``itt_<outcome>_pattern``, ``clustering_<outcome>_icc`` and
    ``clustering_<outcome>_terms``: the sections beyond the paper."""
    for outcome in ("hads", "mhc"):
        itt: Mapping[str, Any] = results["intention_to_treat"][outcome]
        if "skipped" not in itt:
            tables[f"itt_{outcome}_terms"] = pd.DataFrame(
                [
                    {"step": step["step"], "r2": step["r2"], **term}
                    for step in itt["steps"]
                    for term in step["terms"]
                ]
            )
            columns = itt["pattern"]["columns"]
            tables[f"itt_{outcome}_pattern"] = pd.DataFrame(
                [
                    {**dict(zip(columns, p["observed"], strict=True)), "n": p["n"]}
                    for p in itt["pattern"]["patterns"]
                ]
            )
        clustering: Mapping[str, Any] = results["clustering"][outcome]
        if "skipped" not in clustering:
            tables[f"clustering_{outcome}_icc"] = pd.DataFrame(
                [
                    {"cluster": name, **value}
                    for name, value in clustering["icc"].items()
                    if "skipped" not in value
                ]
            )
            tables[f"clustering_{outcome}_terms"] = pd.DataFrame(
                [
                    {"step": model["step"], **term}
                    for model in clustering["models"]
                    for term in model["terms"]
                ]
            )


def _scalars(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not isinstance(v, (Mapping, list))}


def _steps(
    tables: dict[str, pd.DataFrame], name: str, section: DropoutLogistic | OutcomeRegression
) -> None:
    steps: Sequence[Mapping[str, Any]] = section["steps"]
    if not steps:
        return
    tables[f"{name}_steps"] = pd.DataFrame(
        [{"step": i, **_scalars(step)} for i, step in enumerate(steps, start=1)]
    )
    terms = [
        {"step": i, **term}
        for i, step in enumerate(steps, start=1)
        for term in step.get("terms", [])  # a skipped step has none
    ]
    tables[f"{name}_terms"] = pd.DataFrame(terms)


def _collect(tables: dict[str, pd.DataFrame], name: str, value: Any) -> None:
    """Tidy tables from one part of a section, whatever its nesting.

    A list of records is a table (its nested lists become ``<name>_<key>`` tables); a
    mapping of mappings is a table with one row per ``effect`` (and per ``effect.sub`` for a
    mapping one level deeper); a mapping's scalars are a one-row table and its nested parts
    are collected under ``<name>_<key>``. Scalars alone are left to results.json.
    """
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) for v in value):
            tables[name] = pd.DataFrame([_scalars(v) for v in value])
            nested = {k for v in value for k, inner in v.items() if isinstance(inner, list)}
            for key in sorted(nested):
                rows = [
                    {"row": i, **_scalars(inner)}
                    for i, v in enumerate(value, start=1)
                    for inner in v.get(key) or []
                    if isinstance(inner, Mapping)
                ]
                if rows:
                    tables[f"{name}_{key}"] = pd.DataFrame(rows)
        return
    if not isinstance(value, Mapping) or not value:
        return
    if all(isinstance(v, Mapping) for v in value.values()):
        rows = []
        for key, inner in value.items():
            if _scalars(inner):
                rows.append({"effect": key, **_scalars(inner)})
            for sub, deeper in inner.items():
                if isinstance(deeper, Mapping) and _scalars(deeper):
                    rows.append({"effect": f"{key}.{sub}", **_scalars(deeper)})
        if rows:
            tables[name] = pd.DataFrame(rows)
        return
    if _scalars(value):
        tables[name] = pd.DataFrame([_scalars(value)])
    for key, inner in value.items():
        if isinstance(inner, (Mapping, list)):
            _collect(tables, f"{name}_{key}", inner)


def write_results(results: Results, out_dir: str | Path) -> list[Path]:
    """Write ``results.json`` and ``tables/*.csv`` into ``out_dir`` (created if missing).

    The files are first written to a temporary folder beside ``out_dir`` and then moved
    into place, so an error leaves no partial output.

    Parameters
    ----------
    results : Results
        The document :func:`analyze` returns.
    out_dir : str or pathlib.Path
        The output folder.

    Returns
    -------
    list of pathlib.Path
        The files written, ``results.json`` first.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> raw = pd.DataFrame({"arm": ["mbct", "embct"] * 3, "age": [50, 40, 61, 45, 38, 52]})
    >>> [path.relative_to(out).as_posix() for path in write_results(analyze(raw), out)]
    ['results.json', 'tables/baseline.csv', 'tables/flow.csv']
    """
    out_dir = Path(out_dir)
    text = json.dumps(to_jsonable(results), indent=2, allow_nan=False) + "\n"
    tables = results_tables(results)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        (staging / "results.json").write_text(text, encoding="utf-8")
        (staging / "tables").mkdir()
        for name, table in sorted(tables.items()):
            write_csv(table, staging / "tables" / f"{name}.csv")
        out_dir.mkdir(exist_ok=True)
        (out_dir / "tables").mkdir(exist_ok=True)
        written = []
        for path in [staging / "results.json", *sorted((staging / "tables").iterdir())]:
            target = out_dir / path.relative_to(staging)
            path.replace(target)
            written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written
