"""Render the results document (and the comparison with the paper) as self-contained HTML.

Jinja2 templates shipped in ``embct/report/templates`` with autoescape on: arm labels,
variable labels, file names and anything else a user typed are escaped; only the SVG that
matplotlib wrote is inserted as markup. Formatting lives in :mod:`embct.report.format`,
exposed to the templates as filters (``p``, ``num``, ``dof``, ``ci``, ...).

The report reads the results document exactly as :mod:`embct.analysis.results` declares it
(:class:`~embct.analysis.results.Results`; an example is ``tests/report/results_example.json``).
A section may be absent or ``{"skipped": reason}``: the report prints the reason in its place.
A section that is there must have its declared shape, checked against the shipped JSON Schema
before anything is drawn (:class:`ReportError` lists every key out of place); a number that is
``None`` prints as an em dash. A section's own ``missing_data`` rule wins over
``meta.missing_data``; without either, the rule of the contract is printed.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined
from markupsafe import Markup

from embct import __version__, schema, trial
from embct.analysis.results import (
    AllianceDevelopment,
    Baseline,
    OutcomeRegression,
    Reliability,
    Results,
)
from embct.analysis.results_schema import schema_errors
from embct.instruments import get_instrument

from . import figures as fig
from . import format as fmt
from .consort import consort_svg

__all__ = [
    "COMPARISON_KEYS",
    "ReportError",
    "render_comparison",
    "render_report",
    "write_comparison",
    "write_report",
]

#: The keys every row given to :func:`render_comparison` must have.
COMPARISON_KEYS = ("section", "figure", "published", "ours", "difference", "matched")

INSTRUMENT_NAMES = {key: get_instrument(key).short_name for key in schema.INSTRUMENTS}
#: The table's waves (embct.schema), and the platform's screening HADS.
WAVE_NAMES = {"screen": "screening", **schema.WAVE_LABELS}
OUTCOME_TITLES = {
    "hads": ("psychological distress", "HADS total"),
    "mhc": ("mental well-being", "MHC-SF total"),
}
DEFAULT_MISSING_DATA = {
    "flow": "All randomized participants. Dropout: fewer than 4 sessions among those who "
    "started; completers attended 4 or more.",
    "baseline": "All randomized participants; each characteristic on those for whom it was "
    "recorded.",
    "reliability": "Listwise over the items of each instrument and wave.",
    "dropout": "Starters with a week-2 WAI-SR and a known dropout status (those who left "
    "after session 1 have no week-2 WAI-SR).",
    "alliance_development": "Complete cases: completers with the WAI-SR at weeks 2, 5 and 9.",
    "mixed_model": "All available WAI-SR observations (maximum likelihood; missing at random "
    "assumed).",
    "outcomes": "One listwise sample over every variable of every step: completers with the "
    "baseline and posttreatment score and the week-2 WAI-SR.",
    "intention_to_treat": "Every randomized participant; missing scores imputed within each "
    "arm by chained equations, pooled by Rubin's rules.",
    "clustering": "The outcomes' listwise sample, with a therapist.",
}
FIGURE_FILES = {
    "consort": "consort",
    "alliance": "alliance",
    "interaction_hads": "interaction_hads",
    "interaction_mhc": "interaction_mhc",
}


#: How many schema errors a :class:`ReportError` lists.
_ERRORS_SHOWN = 20


class ReportError(ValueError):
    """The results or comparison rows cannot be rendered; the message says where and why."""


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    """The Jinja environment (cached: templates compile once per process)."""
    env = Environment(
        loader=PackageLoader("embct.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        p=_missing_safe(fmt.p_value),
        num=_missing_safe(fmt.num),
        r=_missing_safe(lambda x, digits=3: fmt.num(x, digits, leading_zero=False)),
        dof=_missing_safe(fmt.dof),
        int=_missing_safe(fmt.integer),
        ci=_missing_safe(fmt.ci),
        mean_sd=_missing_safe(fmt.mean_sd),
        n_pct=_missing_safe(fmt.n_percent),
        diff=_missing_safe(fmt.signed_difference),
        auto=_missing_safe(_auto),
        pretty_json=lambda obj: json.dumps(obj, indent=2, ensure_ascii=False, default=str),
    )
    env.globals.update(is_missing=fmt.is_missing, MISSING=fmt.MISSING)
    return env


def _missing_safe(function: Any) -> Any:
    """Treat Jinja's Undefined (a key the results lack) as a missing number."""

    def wrapper(*args: Any, **kwargs: Any) -> str:
        args = tuple(None if isinstance(a, Undefined) else a for a in args)
        return str(function(*args, **kwargs))

    wrapper.__doc__ = function.__doc__
    return wrapper


def _auto(value: Any) -> str:
    """A published or recomputed figure as given: numbers to 4 significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if fmt.is_missing(value):
            return fmt.MISSING
        x = float(value)
        if x.is_integer() and abs(x) < 1e9:
            return fmt.integer(x)
        text = f"{x:.4g}"
        return fmt.MINUS + text[1:] if text.startswith("-") else text
    if value is None:
        return fmt.MISSING
    return str(value)


# ---------------------------------------------------------------------------------------
# Preparing the results for the templates


def _skip(results: Results, *path: str) -> str | None:
    return fig.section_skip_reason(results, *path)


def _arm_labels(results: Results) -> list[str]:
    """[reference, comparison] labels: the flow's arms, else ``meta.arms`` (either may be
    absent or skipped in a partial document)."""
    flow = results.get("flow")
    meta = results.get("meta")
    if flow is not None and "skipped" not in flow:
        arms = [(arm["arm"], arm["arm_label"]) for arm in flow["arms"]]
    elif meta is not None and "skipped" not in meta:
        arms = [(arm["arm"], arm["arm_label"]) for arm in meta["arms"]]
    else:
        arms = []
    labels = ["reference arm", "comparison arm"]
    for arm, label in arms:
        labels[arm] = label
    return labels


def _missing_rule(results: Results, key: str, section: Any = None) -> str:
    rule = DEFAULT_MISSING_DATA.get(key, "as given by the analysis")
    meta = results.get("meta")
    rules: Mapping[str, object] = meta["missing_data"] if meta and "skipped" not in meta else {}
    if isinstance(section, Mapping) and section.get("missing_data"):
        rule = str(section["missing_data"])
    elif rules.get(key):
        rule = str(rules[key])
    rule = rule.strip()
    return rule if rule.endswith((".", "!", "?")) else rule + "."


def _wave_name(key: str) -> tuple[str, str]:
    prefix, _, wave = key.partition("_")
    return INSTRUMENT_NAMES.get(prefix, prefix), WAVE_NAMES.get(wave, wave)


def _reliability_rows(section: Reliability) -> list[dict[str, Any]]:
    order = list(INSTRUMENT_NAMES)
    waves = list(WAVE_NAMES)

    def sort_key(key: str) -> tuple[int, int, str]:
        prefix, _, wave = key.partition("_")
        return (
            order.index(prefix) if prefix in order else len(order),
            waves.index(wave) if wave in waves else len(waves),
            key,
        )

    rows = []
    for key in sorted(section, key=sort_key):
        instrument, wave = _wave_name(key)
        entry = section[key]
        rows.append({"key": key, "instrument": instrument, "wave": wave, **entry})
    return rows


def _baseline_rows(section: Baseline) -> list[dict[str, Any]]:
    """Baseline rows with ``by_arm`` (reference arm first) and ``group_start`` set where a
    multi-level variable begins."""
    rows = []
    previous = None
    for raw in section["rows"]:
        row: dict[str, Any] = dict(raw)
        row["by_arm"] = sorted(raw["arms"], key=lambda arm: arm["arm"])
        row["group_start"] = bool(raw["level"]) and raw["variable"] != previous
        previous = raw["variable"]
        rows.append(row)
    return rows


def _term_label(term: str, labels: Sequence[str], outcome: str | None = None) -> str:
    arm = f"Condition ({labels[1]} vs {labels[0]})"
    known = {
        "intercept": "Constant",
        "const": "Constant",
        "arm": arm,
        "wai_w2": "Alliance, week 2 (WAI-SR)",
        "wai_w2:arm": "Alliance, week 2 × condition",
        "arm:wai_w2": "Alliance, week 2 × condition",
    }
    if term == "baseline" and outcome in OUTCOME_TITLES:
        return f"{OUTCOME_TITLES[outcome][1]}, baseline"
    if term in known:
        return known[term]
    pieces = [known.get(p, p.replace("_", " ")) for p in term.split(":")]
    return " × ".join(pieces)


def _jn_sentence(section: OutcomeRegression, labels: Sequence[str]) -> str:
    """The Johnson-Neyman result in words, clipped to the observed range."""
    jn = section["johnson_neyman"]
    alpha = jn["alpha"]
    span: Sequence[float | None] = jn["range"] or [None, None]
    lo, hi = (float("nan") if v is None else float(v) for v in span[:2])
    regions = fig._jn_regions(jn, lo, hi) if not (math.isnan(lo) or math.isnan(hi)) else []
    observed = f" (observed range {fmt.num(lo)} to {fmt.num(hi)})" if not math.isnan(lo) else ""
    alpha_text = fmt.num(alpha, 2, leading_zero=False)
    who = f"{labels[1]} and {labels[0]}"
    if not regions:
        bounds = [b for b in (jn["lower"], jn["upper"]) if not fmt.is_missing(b)]
        where = (
            f"; boundaries at {', '.join(fmt.num(b) for b in bounds)} lie outside it"
            if bounds
            else ""
        )
        return (
            f"Johnson-Neyman: no value of the week-2 WAI-SR in the observed range{observed} "
            f"where {who} differ at α = {alpha_text}{where}."
        )
    parts = []
    for a, b in regions:
        if a <= lo and b >= hi:
            parts.append("over the whole observed range")
        elif a <= lo:
            parts.append(f"below {fmt.num(b)}")
        elif b >= hi:
            parts.append(f"above {fmt.num(a)}")
        else:
            parts.append(f"between {fmt.num(a)} and {fmt.num(b)}")
    return (
        f"Johnson-Neyman: {who} differ at α = {alpha_text} for week-2 WAI-SR scores "
        f"{' and '.join(parts)}{observed}."
    )


@dataclass
class _Figures:
    svg: dict[str, Markup] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _figures(results: Results, *, files: bool) -> _Figures:
    out = _Figures()
    plan: list[tuple[str, Any, tuple[str, ...]]] = [
        ("consort", lambda: fig.consort_figure(results), ("flow", "arms")),
        ("alliance", lambda: fig.alliance_figure(results), ("alliance_development", "means")),
        (
            "interaction_hads",
            lambda: fig.interaction_figure(results, "hads"),
            ("outcomes", "hads", "steps"),
        ),
        (
            "interaction_mhc",
            lambda: fig.interaction_figure(results, "mhc"),
            ("outcomes", "mhc", "steps"),
        ),
    ]
    for name, draw, path in plan:
        if _skip(results, *path) is not None:
            continue
        figure = draw()
        svg = fig.figure_svg(figure, prefix=f"{name}-")
        boxes = results["flow"].get("consort") if name == "consort" else None
        if isinstance(boxes, dict) and "skipped" not in boxes:
            # the CONSORT diagram's boxes, drawn as the research dashboard draws them
            svg = consort_svg(trial.consort(boxes), title="Flow of participants")
        out.svg[name] = Markup(svg)  # noqa: S704 - SVG of matplotlib or consort_svg, text escaped
        if files:
            out.files[f"{FIGURE_FILES[name]}.svg"] = ("svg", svg.encode("utf-8"))
            out.files[f"{FIGURE_FILES[name]}.png"] = ("png", fig.figure_png(figure))
    return out


def _context(results: Results, title: str | None, figures: _Figures) -> dict[str, Any]:
    labels = _arm_labels(results)
    outcomes = []
    # The paper's outcomes at posttreatment, then each follow-up wave in the same analysis.
    found = fig.section_at(results, "outcomes")
    follow_ups = list((found or {}).get("follow_ups") or {})
    places: list[tuple[str, str, tuple[str, ...], str]] = [
        (key, key, ("outcomes", key), "posttreatment") for key in ("hads", "mhc")
    ]
    places += [
        (role, role.partition("_")[0], ("outcomes", "follow_ups", role), f"follow-up {wave}")
        for role in follow_ups
        for wave in [role.partition("_")[2]]
    ]
    for key, outcome, path, when in places:
        section: OutcomeRegression | None = fig.section_at(results, *path)
        construct, score = OUTCOME_TITLES[outcome]
        outcomes.append(
            {
                "key": key,
                "outcome": outcome,
                "when": when,
                "when_title": when[:1].upper() + when[1:],
                "construct": construct,
                "score": score,
                "section": section,
                "skipped": _skip(results, *path),
                "rule": _missing_rule(results, "outcomes", section),
                "jn_sentence": _jn_sentence(section, labels) if section is not None else "",
                "figure": figures.svg.get(f"interaction_{key}"),
            }
        )
    design = {
        part: [
            {
                "key": key,
                "construct": OUTCOME_TITLES[key][0],
                "score": OUTCOME_TITLES[key][1],
                "section": fig.section_at(results, part, key),
                "skipped": _skip(results, part, key),
                "rule": _missing_rule(results, part, fig.section_at(results, part, key)),
            }
            for key in ("hads", "mhc")
        ]
        for part in ("intention_to_treat", "clustering")
    }
    sections: dict[str, Any] = {}
    for key in ("flow", "baseline", "reliability", "dropout", "alliance_development"):
        sections[key] = {
            "data": fig.section_at(results, key),
            "skipped": _skip(results, key),
            "rule": _missing_rule(results, key, results.get(key)),
        }
    alliance: AllianceDevelopment | None = sections["alliance_development"]["data"]
    mixed = alliance["mixed_model"] if alliance is not None else None
    baseline: Baseline | None = sections["baseline"]["data"]
    reliability: Reliability | None = sections["reliability"]["data"]
    return {
        "title": title or "Therapeutic alliance in MBCT and eMBCT: analysis report",
        "results": results,
        "meta": results.get("meta") or {},
        "labels": labels,
        "n": results.get("n"),
        "sections": sections,
        "baseline_rows": _baseline_rows(baseline) if baseline is not None else [],
        "reliability_rows": _reliability_rows(reliability) if reliability is not None else [],
        "mixed_model": fig.section_at(results, "alliance_development", "mixed_model"),
        "mixed_skipped": (
            _skip(results, "alliance_development", "mixed_model") if alliance is not None else None
        ),
        "mixed_rule": _missing_rule(results, "mixed_model", mixed),
        "outcomes": outcomes,
        "itt": design["intention_to_treat"],
        "clustering": design["clustering"],
        "figures": figures.svg,
        "term_label": lambda term, outcome=None: _term_label(str(term), labels, outcome),
        "version": __version__,
        "generated": _generated(),
    }


def _generated() -> str:
    """When the page was made; ``SOURCE_DATE_EPOCH`` pins it for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _check_results(results: Any) -> None:
    if not isinstance(results, Mapping):
        raise ReportError(
            f"results: expected a mapping (the results document), got {type(results).__name__}"
        )
    for key in ("flow", "baseline", "reliability", "dropout", "alliance_development"):
        value = results.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise ReportError(
                f"results[{key!r}]: expected a mapping or {{'skipped': reason}}, "
                f"got {type(value).__name__} {value!r:.60}"
            )
    errors = schema_errors(results, partial=True)
    if errors:
        shown = errors[:_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise ReportError(
            f"results: {len(errors)} key(s) out of place for the document embct.analysis "
            "declares (embct/analysis/results.schema.json):\n"
            + "\n".join(shown)
            + (f"\n... and {more} more" if more else "")
        )


def _render(
    results: Results, title: str | None, *, files: bool, fragment: bool = False
) -> tuple[str, _Figures]:
    _check_results(results)
    figures = _figures(results, files=files)
    template = _environment().get_template("report.html")
    html = template.render(**_context(results, title, figures), fragment=fragment)
    return _declared_wording(html, results), figures


#: The built-in instruments' names in the report's wording, by role (``[scales.<role>]``).
_BUILT_IN_NAMES = {"wai": ("WAI-SR",), "hads": ("HADS",), "mhc": ("MHC-SF",)}


def _declared_wording(html: str, results: Results) -> str:
    """The report in the declared measures' names ("Session Rating Scale" for WAI-SR) and,
    under configured alliance waves, their names for the paper's weeks.

    Text only: the names are plain words, so the substitution cannot break the markup
    (a declared name is escaped first)."""
    from markupsafe import escape

    meta = results.get("meta")
    config: Mapping[str, Any] = meta.get("config", {}) if meta and "skipped" not in meta else {}
    scales: Mapping[str, Any] = config.get("scales") or {}
    waves: Mapping[str, Any] = config.get("waves") or {}
    if waves and waves.get("wai") != [wave for key, wave in schema.WAVES if key == "wai"]:
        early = str(escape(waves.get("early_alliance", "")))
        listed = ", ".join(str(escape(w)) for w in waves["wai"])
        for old, new in (
            ("at weeks 2, 5 and 9", f"at waves {listed}"),
            ("at the start of weeks 2, 5 and 9", f"at waves {listed}"),
            ("week-2 WAI-SR", f"WAI-SR ({early})"),
            ("Week-2 WAI-SR", f"WAI-SR ({early})"),
            ("WAI-SR Week 2", f"WAI-SR, {early}"),
            ("WAI-SR week 2", f"WAI-SR, {early}"),
            ("Alliance, week 2", f"Alliance, {early}"),
            ("Alliance, week 2 ×", f"Alliance, {early} ×"),
            (">Week</text>", ">Wave</text>"),
            ("per Arm and Week", "per Arm and Wave"),
        ):
            html = html.replace(old, new)
    for role, names in _BUILT_IN_NAMES.items():
        declared = (scales.get(role) or {}).get("name")
        if declared:
            for name in names:
                html = html.replace(name, str(escape(declared)))
    return html


def render_report(results: Results, *, title: str | None = None, fragment: bool = False) -> str:
    """The report as one self-contained HTML string (figures inline as SVG).

    Parameters
    ----------
    results : Results
        The results document of :func:`embct.analysis.analyze` (``n``, ``flow``,
        ``baseline``, ``reliability``, ``dropout``, ``alliance_development``, ``outcomes``,
        ``meta``). Any section may be ``{"skipped": "<reason>"}`` or absent: the report
        shows the reason in its place. A section that is there has the shape
        :mod:`embct.analysis.results` declares.
    title : str, optional
        The report's title.
    fragment : bool, optional
        Only the document's content, in one ``<div class="embct-report">``, without its
        ``<style>``: for a page of another site that gives the report its own layout and
        stylesheet (the platform's live report). The figures keep their inline SVG.

    Returns
    -------
    str
        HTML5 that is also well-formed XML, with inline CSS and no script.

    Raises
    ------
    ReportError
        When ``results`` is not a mapping, or a section is neither skipped nor of its
        declared shape (the message lists each key out of place).

    Examples
    --------
    >>> html = render_report({"n": 0, "flow": {"skipped": "no arm column"}})
    >>> "no arm column" in html and html.startswith("<!DOCTYPE html>")
    True
    >>> part = render_report({"n": 0}, fragment=True)
    >>> part.startswith('<div class="embct-report">') and "<style" not in part
    True
    """
    html, _ = _render(results, title, files=False, fragment=fragment)
    return html


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(results: Results, out_dir: Path | str, *, title: str | None = None) -> Path:
    """Write ``out_dir/report.html`` and ``out_dir/figures/*.svg|png``; return the HTML path.

    Everything is rendered in memory first, so a failure writes nothing. Figures of skipped
    sections are not written.

    Parameters
    ----------
    results : Results
        The results document (see :func:`render_report`).
    out_dir : pathlib.Path
        The output directory (created if missing).
    title : str, optional

    Returns
    -------
    pathlib.Path
        ``out_dir / "report.html"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_report({"n": 0}, pathlib.Path(tmp))
    ...     (path.name, sorted(p.name for p in path.parent.iterdir()))
    ('report.html', ['figures', 'report.html'])
    """
    html, figures = _render(results, title, files=True)
    out = Path(out_dir)
    figure_dir = out / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    for name, (_, data) in figures.files.items():
        _atomic_write(figure_dir / name, data)
    path = out / "report.html"
    _atomic_write(path, html.encode("utf-8"))
    return path


# ---------------------------------------------------------------------------------------
# Comparison with the paper (embct reproduce)


def _check_rows(rows: Any) -> list[Mapping[str, Any]]:
    if isinstance(rows, Mapping | str | bytes) or not isinstance(rows, Iterable):
        raise ReportError(f"rows: expected a list of mappings, got {type(rows).__name__}")
    checked = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ReportError(f"rows[{index}]: expected a mapping, got {type(row).__name__}")
        missing = [key for key in COMPARISON_KEYS if key not in row]
        if missing:
            raise ReportError(
                f"rows[{index}] ({row.get('section')!r}, {row.get('figure')!r}): "
                f"missing key(s) {', '.join(missing)}; every row needs "
                f"{', '.join(COMPARISON_KEYS)}"
            )
        if not isinstance(row["matched"], bool):
            raise ReportError(
                f"rows[{index}] ({row['section']!r}, {row['figure']!r}): 'matched' must be "
                f"true or false, got {row['matched']!r}"
            )
        checked.append(row)
    return checked


def _check_inconsistencies(items: Any) -> list[dict[str, Any]]:
    if items is None:
        return []
    if isinstance(items, Mapping | str | bytes) or not isinstance(items, Iterable):
        raise ReportError(f"inconsistencies: expected a list, got {type(items).__name__}")
    out = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            out.append({"what": item, "ours": None})
        elif isinstance(item, Mapping) and item.get("what"):
            ours = item.get("ours", item.get("recomputed", item.get("verdict")))
            out.append({**item, "what": item["what"], "ours": ours})
        else:
            raise ReportError(
                f"inconsistencies[{index}]: expected a string or a mapping with 'what', "
                f"got {item!r:.80}"
            )
    return out


def render_comparison(
    rows: Iterable[Mapping[str, Any]],
    inconsistencies: Iterable[Mapping[str, Any] | str] | None = None,
    *,
    title: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> str:
    """Every published figure beside ours, and the paper's inconsistencies, as HTML.

    Parameters
    ----------
    rows : iterable of mapping
        One per published figure: ``section``, ``figure``, ``published``, ``ours``,
        ``difference`` (numbers or text), ``matched`` (bool), ``note`` (optional) and,
        with replications, ``coverage`` (share of replications whose 95% interval covers
        the published value). Rows are shown in the order given, grouped by section.
    inconsistencies : iterable, optional
        The paper's inconsistencies: strings, or mappings with ``what`` (the paper) and
        ``ours`` (what our recomputation says; ``recomputed`` or ``verdict`` also read).
    title : str, optional
    meta : mapping, optional
        Shown in the header: e.g. ``mode``, ``seed``, ``replications``.

    Returns
    -------
    str
        A self-contained HTML page.

    Raises
    ------
    ReportError
        A row lacks one of :data:`COMPARISON_KEYS` or ``matched`` is not a bool.

    Examples
    --------
    >>> html = render_comparison([
    ...     {"section": "Alliance", "figure": "time Wilks' lambda", "published": 0.732,
    ...      "ours": 0.7322, "difference": 0.0002, "matched": True, "note": ""}])
    >>> "0.7322" in html and "1 of 1" in html
    True
    """
    checked = _check_rows(rows)
    notes = _check_inconsistencies(inconsistencies)
    groups: list[dict[str, Any]] = []
    for row in checked:
        if not groups or groups[-1]["section"] != row["section"]:
            groups.append({"section": row["section"], "rows": []})
        groups[-1]["rows"].append(row)
    template = _environment().get_template("comparison.html")
    return template.render(
        title=title or "The paper's figures beside ours",
        groups=groups,
        n_rows=len(checked),
        n_matched=sum(1 for r in checked if r["matched"]),
        has_coverage=any("coverage" in r for r in checked),
        inconsistencies=notes,
        meta=meta or {},
        version=__version__,
        generated=_generated(),
    )


def write_comparison(
    rows: Iterable[Mapping[str, Any]],
    out_dir: Path | str,
    inconsistencies: Iterable[Mapping[str, Any] | str] | None = None,
    *,
    title: str | None = None,
    meta: Mapping[str, Any] | None = None,
    name: str = "comparison.html",
) -> Path:
    """Write :func:`render_comparison` to ``out_dir/name``; return its path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_comparison([], pathlib.Path(tmp)).name
    'comparison.html'
    """
    html = render_comparison(rows, inconsistencies, title=title, meta=meta)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    _atomic_write(path, html.encode("utf-8"))
    return path
