"""``embct analyze --syntax r,spss``: the analysis as R and SPSS/PSPP syntax.

The scripts read ``analysis_data.csv`` (written beside them: the normalized frame the
analysis used, after the config's column mapping and scoring, so a user's own trial gets its
own data and the scripts use the canonical role names) and write their figures as
``key,value`` lines (``analysis_R.csv``, ``analysis_sps.csv``), each key a path into
results.json (``/``-separated; a list item is picked by its index or by ``field=value``).

What the scripts cover is what this module generates a block for; every block names the
section of results.json it reproduces. Known differences are listed in ``KNOWN_DIFFERENCES``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from embct import trial

from .config import AnalysisConfig

#: The syntaxes ``--syntax`` accepts, and the file each writes.
SYNTAXES = {"r": "analysis.R", "spss": "analysis.sps"}
DATA_FILE = "analysis_data.csv"

#: What the scripts reproduce, and where their figures are known to differ from
#: results.json (the README's "Known differences" says the same).
KNOWN_DIFFERENCES = {
    "r": (
        "Every table of the report. Known differences: the multiple imputation "
        "(intention_to_treat) draws R's random numbers, not ours, so its pooled b and SE "
        "agree only within Monte Carlo error (the script writes each term's "
        "between-imputation variance B, .../b_between, for the comparison) and its R2 is "
        "not compared; the missing-data pattern is exact. McDonald's omega (psych::omega "
        "fits a factor model of its own) and the logit's iteration count are not "
        "reproduced. The Hosmer-Lemeshow groups follow embct's rule (ties kept together, "
        "SAS's), written out in the script: ResourceSelection::hoslem.test cuts at "
        "quantiles and is not in Debian."
    ),
    "spss": (
        "PSPP's procedures for the tables PSPP has: RELIABILITY (alpha, corrected "
        "item-total r, alpha if deleted), CROSSTABS (the dropouts by arm and the binary "
        "rows of Table 1), T-TEST (the continuous rows of Table 1 and the early alliance of "
        "dropouts vs completers) and LOGISTIC REGRESSION (the dropout logit, step by step). "
        "PSPP's tables round to their display format, so those figures agree to the "
        "decimals PSPP prints (PSPP 1.6 prints phi unsigned, and its two-sided Fisher p "
        "may leave out the mirror table when two margins are equal); the outcome "
        "regressions are computed with MATRIX and written to "
        "analysis_sps_<outcome>_<step>.txt at full precision. PSPP has no "
        "repeated-measures GLM (WSFACTOR), no mixed models, no multiple imputation and no "
        "cluster-robust SEs: alliance_development, intention_to_treat and clustering are "
        "R only."
    ),
}

_ID_COLUMNS = ("participant_id", "therapist_id", "group_id")
_DOSE_COLUMNS = ("arm", "started", "sessions_attended", "dropped_out", "completer")
_TERMS = ("intercept", "baseline", "arm", "wai_w2", "wai_w2:arm")
_FUNCTIONS = "syntax_functions.R"


def parse_syntaxes(text: str) -> list[str]:
    """``"r,spss"`` -> ``["r", "spss"]``; a ValueError names an unknown one."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in SYNTAXES:
            raise ValueError(f"--syntax {name!r}: expected one of {', '.join(SYNTAXES)}")
    return names


def _config(frame: pd.DataFrame) -> AnalysisConfig:
    found = frame.attrs.get("embct", {}).get("analysis_config")
    return found if isinstance(found, AnalysisConfig) else AnalysisConfig()


def _dose_given(results: Mapping[str, Any]) -> bool:
    return "dose" not in results.get("flow", {})


def _reliability_scales(results: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """``(results.json key, item columns)`` of every scale whose alpha was computed."""
    section = results.get("reliability")
    if not isinstance(section, Mapping) or "skipped" in section:
        return []
    scales = []
    for key, wave in section.items():
        for path, scale in [
            (f"reliability/{key}", wave),
            *((f"reliability/{key}/subscales/{n}", v) for n, v in wave["subscales"].items()),
        ]:
            if scale.get("alpha") is not None and scale["items"]:
                scales.append((path, [item["item"] for item in scale["items"]]))
    return scales


def _baseline_rows(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    section = results.get("baseline")
    if not isinstance(section, Mapping) or "skipped" in section:
        return []
    return [(row["variable"], row["kind"]) for row in section["rows"]]


def _outcome_sections(results: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(results.json key, pre column, dependent column)`` of every outcome regression run."""
    outcomes = results.get("outcomes", {})
    found = []
    for key in ("hads", "mhc"):
        if _ran(outcomes, key):
            found.append((f"outcomes/{key}", f"{key}_pre", f"{key}_post"))
    for name, section in outcomes.get("follow_ups", {}).items():
        if isinstance(section, Mapping) and "skipped" not in section:
            found.append((f"outcomes/follow_ups/{name}", f"{name.split('_')[0]}_pre", name))
    return found


def _outcomes(results: Mapping[str, Any]) -> list[str]:
    """The outcomes (``hads``, ``mhc``) whose post-treatment regression ran."""
    return [key for key in ("hads", "mhc") if _ran(results.get("outcomes", {}), key)]


def _ran(section: Any, *path: str) -> bool:
    for part in path:
        if not isinstance(section, Mapping) or part not in section:
            return False
        section = section[part]
    return isinstance(section, Mapping) and "skipped" not in section


def analysis_data(frame: pd.DataFrame, results: Mapping[str, Any]) -> pd.DataFrame:
    """The columns the scripts read: ids, arm (0/1), dose, the baseline characteristics,
    every total of the configured waves, the items of each reliability scale, the
    auxiliary columns of the imputation; flags as 0/1."""
    config = _config(frame)
    wanted = [*_ID_COLUMNS, *_DOSE_COLUMNS]
    wanted += [variable for variable, _ in _baseline_rows(results)]
    wanted += [f"{key}_{wave}" for key, wave in config.instrument_waves]
    wanted.append(config.early_alliance_role)
    for _, items in _reliability_scales(results):
        wanted += items
    data = frame[[c for c in dict.fromkeys(wanted) if c in frame.columns]].copy()
    if "withdrawal" in frame.columns:  # the flow's waiting vs declined: 1 when one is recorded
        kinds = frame["withdrawal"]
        data["withdrawn"] = kinds.notna().astype(int).to_numpy()
        # the CONSORT boxes: 1 declined, 2 dropout (0 none); the dropout's reason by its
        # position in embct.trial.DROPOUT_REASON_KEYS (1 ...), 0 none or not a category
        codes = {kind.value: k for k, kind in enumerate(trial.WithdrawalKind, start=1)}
        data["withdrawal_code"] = kinds.map(codes).fillna(0).astype(int).to_numpy()
        if "withdrawal_reason" in frame.columns:
            reasons = {key: k for k, key in enumerate(trial.DROPOUT_REASON_KEYS[:-1], start=1)}
            data["reason_code"] = (
                frame["withdrawal_reason"].map(reasons).fillna(0).astype(int).to_numpy()
            )
    if "tau_first" in frame.columns:
        data["tau_first"] = frame["tau_first"].fillna(False).astype(int).to_numpy()
    for column in data.columns:
        if column in _ID_COLUMNS:
            continue
        if data[column].dtype == bool or data[column].dtype == object:
            data[column] = pd.to_numeric(data[column].map(_flag), errors="raise")
        elif str(data[column].dtype) == "boolean":
            data[column] = data[column].astype("Int64")
    return data


def _flag(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return int(value) if isinstance(value, bool) else value


def _r_vector(values: Sequence[Any]) -> str:
    return "c(" + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values) + ")"


def r_script(results: Mapping[str, Any], config: AnalysisConfig | None = None) -> str:
    """The R script reproducing every section of ``results`` that ran.

    The helpers (``syntax_functions.R``, shipped with embct) are written into the script,
    so it stands alone; then one block per section, each naming the results.json key it
    reproduces and the sample it uses.
    """
    config = config or AnalysisConfig()
    functions = (Path(__file__).parent / _FUNCTIONS).read_text(encoding="utf-8")
    dose = _dose_given(results)
    early = config.early_alliance_role
    lines = [
        "# analysis.R, written by `embct analyze --syntax r` from the analysis actually run.",
        "# Run:  Rscript analysis.R [analysis_data.csv] [analysis_R.csv]",
        "# (defaults: the files beside this script). Needs R >= 4.2 with car, psych,",
        "# effectsize, lme4, lmerTest, mice and clubSandwich (Debian: r-cran-car ...).",
        "# Writes key,value lines; each key is a path into results.json (a list item is",
        "# picked by field=value, e.g. steps/step=2/terms/term=arm/b).",
        "# Known differences from results.json:",
        *(f"#   {line}" for line in textwrap.wrap(KNOWN_DIFFERENCES["r"], 86)),
        "args <- commandArgs(trailingOnly = TRUE)",
        "here <- dirname(sub('^--file=', '', grep('^--file=', commandArgs(FALSE), value = TRUE)))",
        "if (length(here) == 0) here <- '.'",
        f"data_path <- if (length(args) >= 1) args[1] else file.path(here, '{DATA_FILE}')",
        "out_path <- if (length(args) >= 2) args[2] else file.path(here, 'analysis_R.csv')",
        "",
        functions.rstrip("\n"),
        "",
        "# ---- The data: the table as embct analysed it (analysis_data.csv) ----------------",
        "# Empty cells are missing; arm is 0 (reference) / 1; flags are 0/1.",
        "# The ids are text (an id such as 007 stays 007).",
        "ids <- intersect(c('participant_id', 'therapist_id', 'group_id'),",
        "                 names(read.csv(data_path, nrows = 1)))",
        "d <- read.csv(data_path, na.strings = '',",
        "              colClasses = setNames(rep('character', length(ids)), ids))",
    ]
    if early != "wai_w2":
        lines.append(
            f"d$wai_w2 <- d${early}  # the early alliance ([waves] early_alliance); "
            "its terms are called wai_w2"
        )
    if dose:
        lines += [
            "started <- d$started %in% 1",
            "completer <- d$completer %in% 1",
            "# never started: waiting without a withdrawal recorded, else declined (without",
            "# the column, whoever never started declined, as in the paper)",
            "withdrawn <- if ('withdrawn' %in% names(d)) d$withdrawn %in% 1 else",
            "  rep(TRUE, nrow(d))",
        ]
    else:
        lines += [
            "# Dose not given (no started, sessions_attended or dropped_out): every",
            "# participant is analysed, nobody is a dropout or a completer.",
            "started <- rep(TRUE, nrow(d))",
            "completer <- rep(TRUE, nrow(d))",
            "withdrawn <- rep(TRUE, nrow(d))",
        ]
    labels = [arm["arm_label"] for arm in results.get("meta", {}).get("arms", [])]
    lines += [
        f"arm_labels <- {_r_vector(labels or ['0', '1'])}  # arm 0, arm 1",
        "",
        "# ---- flow: every randomized participant, per arm and in total ----",
        "flow('flow/arms/arm=0', d$arm == 0); flow('flow/arms/arm=1', d$arm == 1)",
        "flow('flow/total', rep(TRUE, nrow(d)))",
        "out('n', nrow(d))",
        "",
    ]
    if _ran(results, "flow", "dropout_by_arm"):
        lines += [
            "# ---- flow/dropout_by_arm: dropouts among the starters, arm x dropped_out ----",
            "st <- d[started & !is.na(d$dropped_out), ]",
            "tab <- table(factor(st$arm, 0:1), factor(st$dropped_out, 0:1))",
            "crosstab('flow/dropout_by_arm', tab)",
            "out('flow/dropout_by_arm/dropouts_reference', tab[1, 2]); "
            "out('flow/dropout_by_arm/n_reference', sum(tab[1, ]))",
            "out('flow/dropout_by_arm/dropouts_comparison', tab[2, 2]); "
            "out('flow/dropout_by_arm/n_comparison', sum(tab[2, ]))",
            "out('flow/dropout_by_arm/min_expected',",
            "    min(outer(rowSums(tab), colSums(tab)) / sum(tab)))",
            "",
        ]
    scales = _reliability_scales(results)
    if scales:
        lines.append("# ---- reliability: Cronbach's alpha per scale, listwise ----")
        lines += [f"reliability('{key}', {_r_vector(items)})" for key, items in scales]
        lines.append("")
    rows = _baseline_rows(results)
    if rows:
        lines += [
            "# ---- baseline: Table 1, every randomized participant with a value (per row) ----",
            "# Binary rows: arm x value crosstab; continuous rows: reference - comparison.",
            "out('baseline/n', nrow(d))",
            "for (a in 0:1) out(sprintf('baseline/arms/arm=%d/n', a), sum(d$arm == a))",
        ]
        for variable, kind in rows:
            key = f"baseline/rows/variable={variable}"
            if kind == "categorical":
                lines += [
                    f"tab <- table(factor(d$arm, 0:1), factor(d${variable}, 0:1))",
                    f"shares('{key}', tab); crosstab('{key}', tab)",
                ]
            else:
                lines += [
                    f"out('{key}/n', sum(!is.na(d${variable})))",
                    f"describe('{key}/reference_', d${variable}[d$arm == 0])",
                    f"describe('{key}/comparison_', d${variable}[d$arm == 1])",
                    f"describe('{key}/arms/arm=0/', d${variable}[d$arm == 0])",
                    f"describe('{key}/arms/arm=1/', d${variable}[d$arm == 1])",
                    f"two_groups('{key}', d${variable}[d$arm == 0], d${variable}[d$arm == 1])",
                ]
        lines.append("")
    if _ran(results, "dropout", "wai_w2"):
        lines += [
            "# ---- dropout/wai_w2: early alliance of dropouts - completers ----",
            "x <- d$wai_w2[started & d$dropped_out %in% 1]",
            "y <- d$wai_w2[completer & d$dropped_out %in% 0]",
            "out('dropout/wai_w2/n', sum(!is.na(x)) + sum(!is.na(y)))",
            "describe('dropout/wai_w2/dropouts/', x); describe('dropout/wai_w2/completers/', y)",
            "two_groups('dropout/wai_w2', x, y)",
            "",
        ]
    if _ran(results, "dropout", "logistic"):
        lines += [
            "# ---- dropout/logistic: hierarchical logit of dropped_out, starters with wai_w2 ----",
            "# Step 1 wai_w2 + arm, step 2 + wai_w2:arm; one listwise sample.",
            "s <- d[started & !is.na(d$wai_w2) & !is.na(d$dropped_out), ]",
            "logistic_steps('dropout/logistic', s,",
            "               list(dropped_out ~ wai_w2 + arm,",
            "                    dropped_out ~ wai_w2 + arm + wai_w2:arm),",
            "               c('intercept', 'wai_w2', 'arm', 'wai_w2:arm'))",
            "",
        ]
    if _ran(results, "alliance_development"):
        waves = [column for column, _ in config.alliance_waves]
        weeks = [week for _, week in config.alliance_waves]
        lines += [
            "# ---- alliance_development: GLM Repeated Measures, completers with every wave ----",
            f"waves <- {_r_vector(waves)}; weeks <- {_r_vector(weeks)}",
            "w <- d[completer & complete.cases(d[, waves]), ]",
            "repeated_measures('alliance_development', w, waves, weeks)",
        ]
        if _ran(results, "alliance_development", "mixed_model"):
            lines += [
                "# The mixed model: every available wave of every starter (long format).",
                "st <- d[started, ]",
                "long <- do.call(rbind, lapply(seq_along(waves), function(j)",
                "  data.frame(participant_id = st$participant_id, arm = st$arm, week = weeks[j],",
                "             wai = st[[waves[j]]])))",
                "long <- long[!is.na(long$wai), ]",
                "for (wk in weeks[-1]) long[[paste0('week_', wk)]] <- as.numeric(long$week == wk)",
                "mixed_model('alliance_development/mixed_model', long, weeks[-1])",
            ]
        lines.append("")
    for key, pre, post in _outcome_sections(results):
        lines += [
            f"# ---- {key}: {post} on {pre}, arm and wai_w2 ----",
            f"# Listwise sample: completers with {pre}, {post} and wai_w2.",
            f"s <- d[completer & complete.cases(d[, c('{pre}', '{post}', 'wai_w2')]), ]",
            f"s$baseline <- s${pre}; s$post <- s${post}",
            f"outcome_regression('{key}', s)",
            "",
        ]
    for outcome in ("hads", "mhc"):
        itt = results.get("intention_to_treat", {}).get(outcome)
        if isinstance(itt, Mapping) and "skipped" not in itt:
            auxiliary = [c for c in itt["auxiliary"]]
            columns = ", ".join(f"{c} = d${c}" for c in auxiliary)
            lines += [
                f"# ---- intention_to_treat/{outcome}: every randomized participant, by MI ----",
                f"s <- data.frame(post = d${outcome}_post, baseline = d${outcome}_pre, "
                f"wai_w2 = d$wai_w2{', ' + columns if columns else ''}, arm = d$arm)",
                f"intention_to_treat('intention_to_treat/{outcome}', s, m = {itt['m']}, "
                f"maxit = {itt['iterations']})",
                "",
            ]
        if _ran(results, "clustering", outcome):
            lines += [
                f"# ---- clustering/{outcome}: the outcome regression sample, by therapist ----",
                f"s <- d[completer & complete.cases(d[, c('{outcome}_pre', '{outcome}_post', "
                "'wai_w2')]), ]",
                f"s$baseline <- s${outcome}_pre; s$post <- s${outcome}_post",
                f"clustering('clustering/{outcome}', s)",
                "",
            ]
    consort = results.get("flow", {}).get("consort", {})
    if isinstance(consort, Mapping) and "skipped" not in consort and consort:
        reasons = _r_vector(list(trial.DROPOUT_REASON_KEYS))
        lines += [
            "# ---- flow/consort: the CONSORT boxes of the treatment arms (arm 0 is mbct, 1 is",
            "# embct): how they came to the arm (allocated, or after TAU), then waiting (never",
            "# started, nothing recorded), declined (never started, a withdrawal recorded),",
            "# started = dropouts (by the dropout's reason) + completers; then each section's n",
            "# as this script computed it (the 'analysed' boxes) ----",
            f"consort(c('mbct', 'embct'), {reasons})",
        ]
        lines += [
            f"same('flow/consort/{key}', '{_analysed_key(key)}')"
            for key in consort
            if key.startswith("analysed.")
        ]
        lines.append("")
    lines += [
        "writeLines(c('key,value', rows), out_path)",
        "",
    ]
    return "\n".join(lines)


def _analysed_key(box: str) -> str:
    """The results.json key of an ``analysed.<section>`` box's n (embct.analysis.flow's
    analysed_counts: the dropout section's is its early-alliance comparison's)."""
    section = box.removeprefix("analysed.")
    return "dropout/wai_w2/n" if section == "dropout" else f"{section.replace('.', '/')}/n"


def write_syntax(
    frame: pd.DataFrame, results: Mapping[str, Any], folder: Path, syntaxes: Sequence[str]
) -> list[Path]:
    """Write ``analysis_data.csv`` and the scripts asked for into ``folder``."""
    written = [folder / DATA_FILE]
    data = analysis_data(frame, results)
    data.to_csv(written[0], index=False)
    for name in syntaxes:
        path = folder / SYNTAXES[name]
        if name == "r":
            path.write_text(r_script(results, _config(frame)), encoding="utf-8")
        else:
            script = spss_script(results, list(data.columns), _config(frame))
            path.write_text(script, encoding="utf-8")
        written.append(path)
    return written


def spss_outputs(results: Mapping[str, Any]) -> dict[str, list[str]]:
    """The files ``analysis.sps`` writes, each with the results.json key of each number.

    PSPP's table output rounds to the display format, so the script computes the OLS with
    PSPP's MATRIX language and WRITEs the numbers (F40.16, one a line) instead.
    """
    files = {}
    for outcome in _outcomes(results):
        for step, k in enumerate(_STEP_SIZES):
            keys = []
            for term in _TERMS[:k]:
                base = f"outcomes/{outcome}/steps/{step}/terms/term={term}"
                keys += [f"{base}/b", f"{base}/se", f"{base}/t"]
            keys.append(f"outcomes/{outcome}/steps/{step}/r2")
            files[f"analysis_sps_{outcome}_{step}.txt"] = keys
    return files


_STEP_SIZES = (3, 4, 5)


def spss_script(
    results: Mapping[str, Any], columns: Sequence[str], config: AnalysisConfig | None = None
) -> str:
    """The SPSS/PSPP syntax (run: ``pspp analysis.sps``, from its folder).

    Each procedure's output is preceded by ``ECHO 'embct: <results.json key>'``, so a
    reader (and the test) knows which section a table reproduces.
    """
    config = config or AnalysisConfig()
    early = config.early_alliance_role
    dose = _dose_given(results)
    lines = [
        "* analysis.sps, written by `embct analyze --syntax spss` from the analysis run.",
        "* Run from this folder:  pspp analysis.sps   (GNU PSPP 1.6 or SPSS).",
        "* Known differences from results.json:",
        *(f"*   {line}" for line in textwrap.wrap(KNOWN_DIFFERENCES["spss"], 86)),
        "* Each table is announced by ECHO 'embct: <the results.json key it reproduces>'.",
        f"GET DATA /TYPE=TXT /FILE='{DATA_FILE}' /ARRANGEMENT=DELIMITED /DELIMITERS=','",
        "  /FIRSTCASE=2 /VARIABLES=" + " ".join(_spss_variables(columns)) + ".",
    ]
    if early != "wai_w2":
        lines.append("* The early alliance ([waves] early_alliance) in the role wai_w2.")
        lines.append(f"COMPUTE wai_w2 = {early}.")
    if not dose:
        lines += [
            "* Dose not given: every participant is analysed (a completer).",
            "COMPUTE started = 1.",
            "COMPUTE completer = 1.",
        ]
    lines += ["COMPUTE wai_arm = wai_w2 * arm.", "EXECUTE.", ""]
    starters = "SELECT IF started = 1 AND NOT MISSING(dropped_out)."
    if _ran(results, "flow", "dropout_by_arm"):
        lines += [
            "* ---- flow/dropout_by_arm: dropouts among the starters, arm x dropped_out ----.",
            "ECHO 'embct: flow/dropout_by_arm'.",
            "TEMPORARY.",
            starters,
            "CROSSTABS /TABLES=arm BY dropped_out /STATISTICS=CHISQ PHI.",
            "",
        ]
    scales = _reliability_scales(results)
    if scales:
        lines.append("* ---- reliability: Cronbach's alpha per scale, listwise ----.")
        for key, items in scales:
            lines += [
                f"ECHO 'embct: {key}'.",
                "RELIABILITY /VARIABLES=" + " ".join(items),
                f"  /SCALE('{key.rsplit('/', 1)[-1]}') ALL /MODEL=ALPHA /SUMMARY=TOTAL.",
            ]
        lines.append("")
    rows = _baseline_rows(results)
    if rows:
        lines.append("* ---- baseline: Table 1 (reference - comparison) ----.")
        for variable, kind in rows:
            lines.append(f"ECHO 'embct: baseline/rows/variable={variable}'.")
            if kind == "categorical":
                lines.append(f"CROSSTABS /TABLES=arm BY {variable} /STATISTICS=CHISQ PHI.")
            else:
                lines.append(f"T-TEST /GROUPS=arm(0 1) /VARIABLES={variable}.")
        lines.append("")
    if _ran(results, "dropout", "wai_w2"):
        lines += [
            "* ---- dropout/wai_w2: early alliance of dropouts - completers, starters ----.",
            "ECHO 'embct: dropout/wai_w2'.",
            "TEMPORARY.",
            starters,
            "T-TEST /GROUPS=dropped_out(1 0) /VARIABLES=wai_w2.",
            "",
        ]
    if _ran(results, "dropout", "logistic"):
        lines.append(
            "* ---- dropout/logistic: the hierarchical logit, one step per run (PSPP has one "
            "block) ----."
        )
        for step, terms in ((1, "wai_w2 arm"), (2, "wai_w2 arm wai_arm")):
            lines += [
                f"ECHO 'embct: dropout/logistic/steps/step={step}'.",
                "TEMPORARY.",
                "SELECT IF started = 1 AND NMISS(dropped_out, wai_w2) = 0.",
                f"LOGISTIC REGRESSION dropped_out WITH {terms}",
                "  /CRITERIA=BCON(0.0000000001) ITERATE(100) /PRINT=CI(95).",
            ]
        lines.append("")
    lines += [
        "* ---- outcomes: the outcome regressions, computed with MATRIX ----.",
        "* PSPP's tables round to their display format, so the figures are computed with",
        "* MATRIX and written to analysis_sps_<outcome>_<step>.txt, one number a line:",
        "* per term (intercept, baseline, arm, wai_w2, wai_w2:arm as far as the step goes)",
        "* b, se and t, then the step's R2. Every outcome model uses completers only.",
    ]
    for outcome in _outcomes(results):
        pre, post = f"{outcome}_pre", f"{outcome}_post"
        lines += [
            f"* ---- results.json outcomes/{outcome}: the outcome regression ----.",
            "* Listwise sample: completers with pre, post and wai_w2.",
            "* Arm 0 (reference) / 1, wai_w2 uncentred; step 3 adds wai_w2 * arm.",
            f"* The same with the menus: REGRESSION /DEPENDENT={post} /METHOD=ENTER {pre} arm",
            "*   /METHOD=ENTER wai_w2 /METHOD=ENTER wai_arm (SPSS; PSPP has one block).",
            "TEMPORARY.",
            f"SELECT IF completer = 1 AND NMISS({pre}, arm, wai_w2, {post}) = 0.",
            "MATRIX.",
            f"GET D /VARIABLES={pre} arm wai_w2 {post}.",
            "COMPUTE N = NROW(D).",
            "COMPUTE Y = D(:, 4).",
            "COMPUTE X = {MAKE(N, 1, 1), D(:, 1:3), D(:, 3) &* D(:, 2)}.",
        ]
        for step, k in enumerate(_STEP_SIZES):
            lines += [
                f"* Step {step + 1}.",
                f"COMPUTE XS = X(:, 1:{k}).",
                "COMPUTE XTXI = INV(T(XS) * XS).",
                "COMPUTE B = XTXI * T(XS) * Y.",
                "COMPUTE E = Y - XS * B.",
                f"COMPUTE S2 = MSSQ(E) / (N - {k}).",
                "COMPUTE SE = SQRT(DIAG(XTXI) * S2).",
                "COMPUTE R2 = 1 - MSSQ(E) / MSSQ(Y - MSUM(Y) / N).",
                f"COMPUTE OUT = {{RESHAPE({{B, SE, B &/ SE}}, 3 * {k}, 1); R2}}.",
                f"WRITE OUT /OUTFILE='analysis_sps_{outcome}_{step}.txt' /FIELD=1 TO 40"
                " /FORMAT=F40.16.",
            ]
        lines.append("END MATRIX.")
    return "\n".join(lines) + "\n"


def _spss_variables(columns: Sequence[str]) -> list[str]:
    return [f"{name} A40" if name in _ID_COLUMNS else f"{name} F20.12" for name in columns]
