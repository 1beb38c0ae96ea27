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

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

#: The syntaxes ``--syntax`` accepts, and the file each writes.
SYNTAXES = {"r": "analysis.R", "spss": "analysis.sps"}
DATA_FILE = "analysis_data.csv"

#: Sections the scripts do not (yet) reproduce, and why; the comparison test skips them.
KNOWN_DIFFERENCES = {
    "r": (
        "Reproduced: flow.dropout_by_arm (Pearson, Yates, Fisher), dropout.wai_w2 (t, Welch, "
        "Levene) and outcomes.* (the hierarchical OLS steps, terms, R2 and F change). Not yet: "
        "reliability, baseline, dropout.logistic, alliance_development, intention_to_treat "
        "(MI would agree only within Monte Carlo error) and clustering."
    ),
    "spss": (
        "Only the outcome regressions (outcomes.*: coefficients, SEs, t, p and R2 of each "
        "step) are reproduced; PSPP has no mixed models, no multiple imputation and no "
        "cluster-robust SEs, so alliance_development's mixed model, intention_to_treat and "
        "clustering cannot be done in PSPP."
    ),
}

_COLUMNS = ("participant_id", "arm", "started", "dropped_out", "completer")
_TERMS = ("intercept", "baseline", "arm", "wai_w2", "wai_w2:arm")


def parse_syntaxes(text: str) -> list[str]:
    """``"r,spss"`` -> ``["r", "spss"]``; a ValueError names an unknown one."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in SYNTAXES:
            raise ValueError(f"--syntax {name!r}: expected one of {', '.join(SYNTAXES)}")
    return names


def analysis_data(frame: pd.DataFrame, results: Mapping[str, Any]) -> pd.DataFrame:
    """The columns the scripts read, ``completer`` as 0/1."""
    wanted = [*_COLUMNS, "wai_w2"]
    for outcome in _outcomes(results):
        wanted += [f"{outcome}_pre", f"{outcome}_post"]
    data = frame[[c for c in dict.fromkeys(wanted) if c in frame.columns]].copy()
    for column in ("started", "completer"):
        if column in data:
            data[column] = data[column].fillna(False).astype(bool).astype(int)
    return data


def _outcomes(results: Mapping[str, Any]) -> list[str]:
    section = results.get("outcomes")
    if not isinstance(section, Mapping):
        return []
    return [
        name
        for name, value in section.items()
        if isinstance(value, Mapping) and "skipped" not in value
    ]


def r_script(results: Mapping[str, Any]) -> str:
    """The R script reproducing the sections listed in the module docstring."""
    lines = [
        "# analysis.R, written by `embct analyze --syntax r` from the analysis actually run.",
        "# Run:  Rscript analysis.R [analysis_data.csv] [analysis_R.csv]",
        "# (defaults: the files beside this script). Base R only.",
        "# Writes key,value lines; each key is a path into results.json.",
        f"# Known differences: {KNOWN_DIFFERENCES['r']}",
        "args <- commandArgs(trailingOnly = TRUE)",
        "here <- dirname(sub('^--file=', '', grep('^--file=', commandArgs(FALSE), value = TRUE)))",
        "if (length(here) == 0) here <- '.'",
        f"data_path <- if (length(args) >= 1) args[1] else file.path(here, '{DATA_FILE}')",
        "out_path <- if (length(args) >= 2) args[2] else file.path(here, 'analysis_R.csv')",
        "d <- read.csv(data_path)",
        "rows <- character(0)",
        "out <- function(key, value) rows <<- c(rows, sprintf('%s,%.17g', key, value))",
        "",
    ]
    if _ran(results, "flow", "dropout_by_arm"):
        lines += _R_FLOW
    if _ran(results, "dropout", "wai_w2"):
        lines += _R_DROPOUT
    for outcome in _outcomes(results):
        lines += _r_outcome(outcome)
    lines += [
        "writeLines(c('key,value', rows), out_path)",
        "",
    ]
    return "\n".join(lines)


def _ran(results: Mapping[str, Any], section: str, part: str) -> bool:
    value = results.get(section)
    return (
        isinstance(value, Mapping)
        and isinstance(value.get(part), Mapping)
        and "skipped" not in value[part]
    )


_R_FLOW = [
    "# ---- results.json flow/dropout_by_arm: dropouts among the starters, by arm ----",
    "st <- d[d$started == 1 & !is.na(d$dropped_out), ]",
    "tab <- table(st$arm, st$dropped_out)",
    "c2 <- chisq.test(tab, correct = FALSE)",
    "out('flow/dropout_by_arm/n', nrow(st))",
    "out('flow/dropout_by_arm/chi2', c2$statistic); out('flow/dropout_by_arm/p_val', c2$p.value)",
    "yt <- chisq.test(tab, correct = TRUE)  # Yates",
    "out('flow/dropout_by_arm/yates_chi2', yt$statistic)",
    "out('flow/dropout_by_arm/yates_p_val', yt$p.value)",
    "out('flow/dropout_by_arm/fisher_p_val', fisher.test(tab)$p.value)",
    "",
]

_R_DROPOUT = [
    "# ---- results.json dropout/wai_w2: early alliance (wai_w2) of dropouts vs completers ----",
    "# Among the starters with wai_w2; difference = dropouts - completers.",
    "x <- d$wai_w2[d$started == 1 & d$dropped_out %in% 1 & !is.na(d$wai_w2)]",
    "y <- d$wai_w2[d$completer == 1 & !is.na(d$wai_w2)]",
    "tt <- t.test(x, y, var.equal = TRUE); wt <- t.test(x, y, var.equal = FALSE)",
    "out('dropout/wai_w2/dropouts/n', length(x)); out('dropout/wai_w2/completers/n', length(y))",
    "out('dropout/wai_w2/dropouts/mean', mean(x)); out('dropout/wai_w2/dropouts/sd', sd(x))",
    "out('dropout/wai_w2/completers/mean', mean(y)); out('dropout/wai_w2/completers/sd', sd(y))",
    "out('dropout/wai_w2/t', tt$statistic); out('dropout/wai_w2/dof', tt$parameter)",
    "out('dropout/wai_w2/p_val', tt$p.value)",
    "out('dropout/wai_w2/ci_low', tt$conf.int[1]); out('dropout/wai_w2/ci_high', tt$conf.int[2])",
    "out('dropout/wai_w2/welch_t', wt$statistic); out('dropout/wai_w2/welch_dof', wt$parameter)",
    "out('dropout/wai_w2/welch_p_val', wt$p.value)",
    "# Levene, mean-centred as SPSS prints it: one-way ANOVA of |x - mean|.",
    "g <- factor(c(rep(1, length(x)), rep(2, length(y)))); v <- c(x, y)",
    "z <- abs(v - ave(v, g)); lv <- anova(lm(z ~ g))",
    "out('dropout/wai_w2/levene_f', lv$`F value`[1])",
    "out('dropout/wai_w2/levene_p_val', lv$`Pr(>F)`[1])",
    "",
]


def _r_outcome(outcome: str) -> list[str]:
    pre, post = f"{outcome}_pre", f"{outcome}_post"
    key = f"outcomes/{outcome}"
    return [
        f"# ---- results.json {key}: the report's outcome regression for {outcome} ----",
        "# Listwise sample: completers with the pre and post total and wai_w2.",
        f"s <- d[d$completer == 1 & complete.cases(d[, c('{pre}', '{post}', 'wai_w2')]), ]",
        f"s$baseline <- s${pre}; s$post <- s${post}",
        "# Hierarchical OLS, arm coded 0 (reference) / 1, wai_w2 uncentred as in the report:",
        "# step 1 baseline + arm; step 2 + wai_w2; step 3 + wai_w2:arm.",
        "fits <- list(lm(post ~ baseline + arm, data = s),",
        "             lm(post ~ baseline + arm + wai_w2, data = s),",
        "             lm(post ~ baseline + arm + wai_w2 + wai_w2:arm, data = s))",
        "terms <- c(" + ", ".join(f"'{t}'" for t in _TERMS) + ")",
        f"out('{key}/n', nrow(s))",
        "for (i in seq_along(fits)) {",
        "  sm <- summary(fits[[i]]); co <- coef(sm); ci <- confint(fits[[i]])",
        f"  step <- sprintf('{key}/steps/%d', i - 1)",
        "  out(paste0(step, '/r2'), sm$r.squared); out(paste0(step, '/adj_r2'), sm$adj.r.squared)",
        "  out(paste0(step, '/f'), sm$fstatistic[1]); out(paste0(step, '/df2'), sm$fstatistic[3])",
        "  if (i > 1) {",
        "    a <- anova(fits[[i - 1]], fits[[i]])",
        "    out(paste0(step, '/f_change'), a$F[2])",
        "    out(paste0(step, '/f_change_p_val'), a$`Pr(>F)`[2])",
        "  }",
        "  for (j in seq_len(nrow(co))) {",
        "    t <- paste0(step, '/terms/term=', terms[j])",
        "    out(paste0(t, '/b'), co[j, 1]); out(paste0(t, '/se'), co[j, 2])",
        "    out(paste0(t, '/t'), co[j, 3]); out(paste0(t, '/p_val'), co[j, 4])",
        "    out(paste0(t, '/ci_low'), ci[j, 1]); out(paste0(t, '/ci_high'), ci[j, 2])",
        "  }",
        "}",
        "",
    ]


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
            path.write_text(r_script(results), encoding="utf-8")
        else:
            path.write_text(spss_script(results, list(data.columns)), encoding="utf-8")
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


def spss_script(results: Mapping[str, Any], columns: Sequence[str]) -> str:
    """The SPSS/PSPP syntax (run: ``pspp analysis.sps``, from its folder)."""
    lines = [
        "* analysis.sps, written by `embct analyze --syntax spss` from the analysis run.",
        "* Run from this folder:  pspp analysis.sps   (GNU PSPP 1.6 or SPSS).",
        f"* Known differences: {KNOWN_DIFFERENCES['spss']}",
        "* PSPP's tables round to their display format, so the figures are computed with",
        "* MATRIX and written to analysis_sps_<outcome>_<step>.txt, one number a line:",
        "* per term (intercept, baseline, arm, wai_w2, wai_w2:arm as far as the step goes)",
        "* b, se and t, then the step's R2.",
        f"GET DATA /TYPE=TXT /FILE='{DATA_FILE}' /ARRANGEMENT=DELIMITED /DELIMITERS=','",
        "  /FIRSTCASE=2 /VARIABLES=" + " ".join(_spss_variables(columns)) + ".",
        "* Every outcome model uses completers only.",
        "SELECT IF completer = 1.",
        "EXECUTE.",
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
            f"SELECT IF NMISS({pre}, arm, wai_w2, {post}) = 0.",
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
    return [f"{name} A40" if name == "participant_id" else f"{name} F20.12" for name in columns]
