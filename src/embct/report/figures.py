"""The report's figures, drawn with matplotlib from the results document alone.

- :func:`alliance_figure`: the paper's Figure 2, mean WAI-SR total at weeks 2, 5 and 9 per
  arm with 95% confidence intervals (``alliance_development.means``).
- :func:`interaction_figure`: its Multimedia Appendix 2, the posttreatment outcome
  predicted by early alliance (WAI-SR week 2) in each arm from the step-3 regression, at the
  sample's baseline mean, with the Johnson-Neyman region where the arms differ.
- :func:`consort_figure`: a CONSORT-style flow diagram from ``flow``.

Each function returns a :class:`matplotlib.figure.Figure` attached to the Agg canvas
(never pyplot, so no display and no global state). The sections are read as
:mod:`embct.analysis.results` declares them; a section that was skipped
(``{"skipped": "<reason>"}``) or is absent gives a figure that says so instead of failing.
:func:`figure_svg` and :func:`figure_png` serialise a figure; the SVG keeps text as text
(searchable, small) and its element ids are prefixed so several can sit in one HTML page.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from embct.analysis.results import (
    AllianceDevelopment,
    Flow,
    FlowArm,
    JohnsonNeyman,
    OutcomeRegression,
    Results,
)

__all__ = [
    "ARM_COLOURS",
    "alliance_figure",
    "consort_figure",
    "figure_png",
    "figure_svg",
    "interaction_figure",
    "section_at",
    "section_skip_reason",
]

#: Reference arm first (colour-blind safe: Okabe-Ito blue and vermilion).
ARM_COLOURS = ("#0072B2", "#D55E00")
_MARKERS = ("o", "s")
_LINESTYLES = ("-", "--")
_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "embct",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
OUTCOME_NAMES = {"hads": "HADS total", "mhc": "MHC-SF total"}
_F = TypeVar("_F", bound=Callable[..., Any])


def _plain(text: object) -> str:
    """Text shown literally by matplotlib (a ``$`` would otherwise start mathtext)."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def section_skip_reason(results: Mapping[str, Any], *path: str) -> str | None:
    """Why the section at ``path`` cannot be drawn, or ``None`` when it can.

    Examples
    --------
    >>> section_skip_reason({"outcomes": {"hads": {"skipped": "no hads_post column"}}},
    ...                     "outcomes", "hads")
    'no hads_post column'
    >>> section_skip_reason({}, "flow")
    'flow: not in the results'
    >>> section_skip_reason({"flow": {"arms": []}}, "flow") is None
    True
    """
    node: Any = results
    for key in path:
        if isinstance(node, Mapping) and "skipped" in node:
            return str(node["skipped"])
        if not isinstance(node, Mapping) or node.get(key) is None:
            return f"{'.'.join(path)}: not in the results"
        node = node[key]
    if isinstance(node, Mapping) and "skipped" in node:
        return str(node["skipped"])
    return None


def section_at(results: Mapping[str, Any], *path: str) -> Any:
    """The section at ``path`` when it can be drawn (:func:`section_skip_reason` is
    ``None``), else ``None``.

    Examples
    --------
    >>> section_at({"outcomes": {"hads": {"skipped": "no hads_post"}}}, "outcomes", "hads")
    >>> section_at({"flow": {"arms": []}}, "flow")
    {'arms': []}
    """
    if section_skip_reason(results, *path) is not None:
        return None
    node: Any = results
    for key in path:
        node = node[key]
    return node


def _styled(function: _F) -> _F:
    """Build the figure under the report's matplotlib style (rcParams read at creation)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with rc_context(cast(Any, _RC)):
            return function(*args, **kwargs)

    return cast(_F, wrapper)


def _new_figure(
    width: float, height: float, margins: tuple[float, float, float, float] | None = None
) -> Figure:
    """A figure on the Agg canvas with fixed margins (left, bottom, right, top, in inches).

    Fixed margins rather than constrained layout: the layout engine costs more than the
    rest of the drawing, and these figures have known labels.
    """
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    if margins is not None:
        left, bottom, right, top = margins
        fig.subplots_adjust(
            left=left / width,
            bottom=bottom / height,
            right=1 - right / width,
            top=1 - top / height,
        )
    return fig


@_styled
def _skipped_figure(title: str, reason: str) -> Figure:
    fig = _new_figure(6.0, 1.4)
    fig.text(
        0.5, 0.5, _plain(f"{title}: not drawn ({reason})"), ha="center", va="center", wrap=True
    )
    fig.set_label("skipped")
    return fig


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    return float(value)


@_styled
def alliance_figure(results: Results) -> Figure:
    """Figure 2: mean WAI-SR total per arm at weeks 2, 5 and 9 with 95% CI.

    Parameters
    ----------
    results : mapping
        The results document; reads ``alliance_development.means`` (rows with ``arm``,
        ``arm_label``, ``week``, ``mean``, ``ci_low``, ``ci_high``, ``n``).

    Returns
    -------
    matplotlib.figure.Figure
        One line per arm (reference arm first) with error bars; x ticks at the weeks
        measured. A skipped section gives a figure with the reason.

    Examples
    --------
    >>> means = [{"arm": a, "arm_label": lab, "week": w, "mean": 36 + w / 2 + a,
    ...           "ci_low": 34 + w / 2, "ci_high": 38 + w / 2 + a, "n": 45}
    ...          for a, lab in ((0, "MBCT"), (1, "eMBCT")) for w in (2, 5, 9)]
    >>> fig = alliance_figure({"alliance_development": {"n": 90, "means": means}})
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['2', '5', '9']
    >>> len(fig.axes[0].get_lines()) >= 2
    True
    """
    reason = section_skip_reason(results, "alliance_development", "means")
    if reason is not None:
        return _skipped_figure("Alliance development", reason)
    section: AllianceDevelopment = section_at(results, "alliance_development")
    rows = section["means"]
    arms = sorted({row["arm"] for row in rows})
    weeks = sorted({row["week"] for row in rows})
    fig = _new_figure(5.2, 3.4, margins=(0.62, 0.5, 0.1, 0.1))
    ax = fig.add_subplot()
    offset = 0.08 * (max(weeks) - min(weeks) or 1) / 2
    for index, arm in enumerate(arms):
        arm_rows = sorted((r for r in rows if r["arm"] == arm), key=lambda r: r["week"])
        x = [r["week"] + (index - (len(arms) - 1) / 2) * offset for r in arm_rows]
        y = [_number(r["mean"]) for r in arm_rows]
        low = [m - _number(r["ci_low"]) for m, r in zip(y, arm_rows, strict=True)]
        high = [_number(r["ci_high"]) - m for m, r in zip(y, arm_rows, strict=True)]
        n = {r["n"] for r in arm_rows}
        n_text = f" (n = {n.pop()})" if len(n) == 1 else ""
        ax.errorbar(
            x,
            y,
            yerr=[low, high],
            color=ARM_COLOURS[index % 2],
            marker=_MARKERS[index % 2],
            linestyle=_LINESTYLES[index % 2],
            capsize=3,
            label=_plain(arm_rows[0]["arm_label"] + n_text),
        )
    ax.set_xticks(weeks, [f"{w:g}" for w in weeks])
    ax.set_xlabel("Week")
    ax.set_ylabel("WAI-SR total, mean (95% CI)")
    ax.legend(frameon=False, loc="lower right")
    fig.set_label("alliance")
    return fig


def _step3_terms(section: OutcomeRegression) -> dict[str, float]:
    steps = section["steps"]
    if not steps:
        raise ValueError("outcome section has no regression steps")
    return {t["term"]: _number(t["b"]) for t in steps[-1]["terms"]}


def _jn_regions(jn: JohnsonNeyman, lo: float, hi: float) -> list[tuple[float, float]]:
    """The parts of [lo, hi] where the arms differ significantly, from the J-N bounds."""
    lower, upper = _number(jn["lower"]), _number(jn["upper"])
    if math.isnan(lower) and math.isnan(upper):
        return []
    lower = -math.inf if math.isnan(lower) else lower
    upper = math.inf if math.isnan(upper) else upper
    if jn["inside_significant"]:
        pieces = [(max(lo, lower), min(hi, upper))]
    else:
        pieces = [(lo, min(hi, lower)), (max(lo, upper), hi)]
    return [(a, b) for a, b in pieces if b > a]


@_styled
def interaction_figure(results: Results, outcome: str = "hads") -> Figure:
    """Predicted posttreatment outcome by WAI-SR week 2 per arm (Multimedia Appendix 2).

    The lines are the step-3 model ``b0 + b_baseline * baseline_mean + b_arm * arm +
    (b_wai + b_int * arm) * wai_w2`` over the observed range of ``wai_w2``
    (``johnson_neyman.range``, else ``moderator.min``/``max``). The shaded band is where
    the arm difference is significant (Johnson-Neyman, ``johnson_neyman.alpha``); dotted
    lines mark the moderator's mean and +/- 1 SD.

    Parameters
    ----------
    results : mapping
        The results document; reads ``outcomes.<outcome>``.
    outcome : {"hads", "mhc"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> terms = [{"term": "intercept", "b": 10.0}, {"term": "baseline", "b": 0.5},
    ...          {"term": "arm", "b": -10.0}, {"term": "wai_w2", "b": -0.2},
    ...          {"term": "wai_w2:arm", "b": 0.2}]
    >>> section = {"n": 118, "steps": [{"terms": terms}],
    ...            "covariates": {"baseline_mean": 17.0},
    ...            "moderator": {"mean": 36.0, "sd": 9.0, "min": 12.0, "max": 60.0},
    ...            "johnson_neyman": {"lower": 38.0, "upper": 110.0, "alpha": 0.05,
    ...                               "inside_significant": False, "range": [12.0, 60.0]},
    ...            "simple_slopes": [{"arm": 0, "arm_label": "MBCT"},
    ...                              {"arm": 1, "arm_label": "eMBCT"}]}
    >>> fig = interaction_figure({"outcomes": {"hads": section}})
    >>> [line.get_label() for line in fig.axes[0].get_lines()][:2]
    ['MBCT', 'eMBCT']
    >>> len(fig.axes[0].patches)  # the Johnson-Neyman band below 38
    1
    """
    if outcome not in OUTCOME_NAMES:
        raise ValueError(f"outcome {outcome!r} is not one of {sorted(OUTCOME_NAMES)}")
    name = OUTCOME_NAMES[outcome]
    reason = section_skip_reason(results, "outcomes", outcome)
    if reason is not None:
        return _skipped_figure(f"{name} by early alliance", reason)
    section: OutcomeRegression = section_at(results, "outcomes", outcome)
    b = _step3_terms(section)
    moderator = section["moderator"]
    jn = section["johnson_neyman"]
    span: Sequence[float | None] = jn["range"] or [moderator["min"], moderator["max"]]
    lo, hi = _number(span[0]), _number(span[1])
    if math.isnan(lo) or math.isnan(hi) or hi <= lo:
        return _skipped_figure(f"{name} by early alliance", "no range of WAI-SR week 2")
    baseline_mean = _number(section["covariates"]["baseline_mean"])
    if math.isnan(baseline_mean):
        baseline_mean = 0.0
    labels = ["reference", "comparison"]
    for row in section["simple_slopes"]:
        labels[row["arm"]] = row["arm_label"]
    fig = _new_figure(5.2, 3.6, margins=(0.62, 0.5, 0.1, 0.1))
    ax = fig.add_subplot()
    for low, high in _jn_regions(jn, lo, hi):
        alpha = _number(jn["alpha"])
        alpha_text = "" if math.isnan(alpha) else f", p < {alpha:g}"
        ax.axvspan(
            low,
            high,
            color="0.88",
            zorder=0,
            label=f"arms differ (Johnson-Neyman{alpha_text})",
        )
    grid = [lo + (hi - lo) * i / 50 for i in range(51)]
    for arm in (0, 1):
        intercept = b["intercept"] + b["baseline"] * baseline_mean + b["arm"] * arm
        slope = b["wai_w2"] + b["wai_w2:arm"] * arm
        ax.plot(
            grid,
            [intercept + slope * w for w in grid],
            color=ARM_COLOURS[arm],
            linestyle=_LINESTYLES[arm],
            linewidth=2,
            label=_plain(labels[arm]),
        )
    mean, sd = _number(moderator["mean"]), _number(moderator["sd"])
    if not math.isnan(mean):
        for x in (mean - sd, mean, mean + sd) if not math.isnan(sd) else (mean,):
            if lo <= x <= hi:
                ax.axvline(x, color="0.5", linestyle=":", linewidth=0.8, zorder=1)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("Early alliance (WAI-SR week 2)")
    ax.set_ylabel(f"Predicted posttreatment {name}")
    ax.legend(frameon=False, fontsize=8, loc="best")
    fig.set_label(f"interaction_{outcome}")
    return fig


def _box(ax: Any, x: float, y: float, text: str) -> Any:
    return ax.text(
        x,
        y,
        _plain(text),
        ha="center",
        va="center",
        fontsize=8,
        linespacing=1.3,
        bbox={"boxstyle": "square,pad=0.5", "facecolor": "white", "edgecolor": "0.2"},
    )


def _extent(box: Any, renderer: Any, ax: Any) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a text's frame, in axes coordinates."""
    extent = box.get_window_extent(renderer)
    pad = 0.5 * box.get_fontsize() * ax.figure.dpi / 72  # the frame's pad (points -> pixels)
    corners = [(extent.x0 - pad, extent.y0 - pad), (extent.x1 + pad, extent.y1 + pad)]
    (x0, y0), (x1, y1) = ax.transAxes.inverted().transform(corners)
    return float(x0), float(y0), float(x1), float(y1)


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        xycoords="axes fraction",
        arrowprops={
            "arrowstyle": "-|>",
            "color": "0.2",
            "linewidth": 0.8,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )


def _n_pct(part: Any, whole: Any) -> str:
    p, w = _number(part), _number(whole)
    count = "?" if math.isnan(p) else str(int(p))
    if math.isnan(p) or math.isnan(w) or w == 0:
        return f"n = {count}"
    return f"n = {count} ({100 * p / w:.1f}%)"


@_styled
def consort_figure(results: Results) -> Figure:
    """A CONSORT-style flow diagram from ``flow`` (randomized to completers, per arm).

    The main column of each arm runs allocated -> started -> completed; the exclusions
    (declined after randomization, dropped out before the adequate dose of 4 sessions)
    branch off to the side. Declines are given as a share of the arm's randomized
    participants, dropouts as a share of the arm's starters.

    Parameters
    ----------
    results : mapping
        The results document; reads ``flow.arms`` and ``flow.total``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> flow = {"arms": [
    ...     {"arm": 0, "arm_label": "MBCT", "randomized": 120, "declined": 25,
    ...      "started": 95, "dropouts": 11, "completers": 84},
    ...     {"arm": 1, "arm_label": "eMBCT", "randomized": 125, "declined": 22,
    ...      "started": 103, "dropouts": 24, "completers": 79}],
    ...     "total": {"randomized": 245}}
    >>> fig = consort_figure({"flow": flow})
    >>> texts = [t.get_text() for t in fig.axes[0].texts]
    >>> "Randomized\\nn = 245" in texts, "Completed MBCT\\nn = 84" in texts
    (True, True)
    """
    reason = section_skip_reason(results, "flow", "arms")
    if reason is not None:
        return _skipped_figure("Participant flow", reason)
    flow: Flow = section_at(results, "flow")
    arms: list[FlowArm] = flow["arms"][:2]
    randomized = flow["total"]["randomized"]
    fig = _new_figure(7.0, 4.4)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    top = _box(ax, 0.5, 0.92, f"Randomized\n{_n_pct(randomized, None)}")
    _, top_bottom, _, _ = _extent(top, renderer, ax)
    mains = (0.2, 0.64) if len(arms) == 2 else (0.4,)
    for x, arm in zip(mains, arms, strict=False):
        label = arm["arm_label"]
        main = [
            _box(ax, x, 0.70, f"Allocated to {label}\n{_n_pct(arm['randomized'], None)}"),
            _box(ax, x, 0.40, f"Started {label}\n{_n_pct(arm['started'], None)}"),
            _box(ax, x, 0.08, f"Completed {label}\n{_n_pct(arm['completers'], None)}"),
        ]
        side = [
            _box(
                ax,
                x + 0.2,
                0.55,
                "Declined after\nrandomization\n" + _n_pct(arm["declined"], arm["randomized"]),
            ),
            _box(
                ax,
                x + 0.2,
                0.24,
                "Dropped out\n(< 4 sessions)\n" + _n_pct(arm["dropouts"], arm["started"]),
            ),
        ]
        first = _extent(main[0], renderer, ax)
        _arrow(ax, (0.5, top_bottom), (x, first[3]))
        for upper, lower, branch in zip(main[:-1], main[1:], side, strict=True):
            up, low, out = (_extent(b, renderer, ax) for b in (upper, lower, branch))
            ax.plot([x, x], [up[1], low[3]], color="0.2", linewidth=0.8, zorder=0)
            _arrow(ax, (x, low[3] + 0.001), (x, low[3]))
            _arrow(ax, (x, (out[1] + out[3]) / 2), (out[0], (out[1] + out[3]) / 2))
    fig.set_label("consort")
    return fig


_ID = re.compile(r'(<[^<>]*?\s)id="([^"]+)"')


def figure_svg(fig: Figure, *, prefix: str | None = None) -> str:
    """The figure as an SVG element (no XML prolog) ready to inline in HTML.

    Text stays text (``svg.fonttype = none``), output is reproducible (fixed hash salt, no
    date) and every ``id`` (and its references) gets ``prefix`` so that several figures can
    share one page.

    Examples
    --------
    >>> fig = _new_figure(1, 1)
    >>> svg = figure_svg(fig, prefix="f1-")
    >>> svg.startswith("<svg"), 'id="f1-' in svg, "<?xml" in svg
    (True, True, False)
    """
    buffer = io.StringIO()
    with rc_context(cast(Any, _RC)):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    prefix = prefix if prefix is not None else f"{fig.get_label() or 'fig'}-"
    ids = {name for _, name in _ID.findall(text)}
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        text = _ID.sub(lambda m: f'{m.group(1)}id="{prefix}{m.group(2)}"', text)
        text = re.sub(rf"url\(#({names})\)", rf"url(#{prefix}\1)", text)
        text = re.sub(rf'href="#({names})"', rf'href="#{prefix}\1"', text)
    return text


def figure_png(fig: Figure, *, dpi: int = 200) -> bytes:
    """The figure as PNG bytes (Agg), reproducible (no metadata date).

    Examples
    --------
    >>> figure_png(_new_figure(1, 1), dpi=20)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    with rc_context(cast(Any, _RC)):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
