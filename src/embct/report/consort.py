"""The CONSORT diagram as an SVG figure, drawn from the boxes of :mod:`embct.trial.flow`.

The text is real SVG text (a screen reader reads it, a search finds it), every label is
escaped, and the numbers are the flow's: the dashboard and the report draw the same figure
from the same counts, in the reader's language when the caller passes translated labels.
Boxes the source cannot know (an exported table holds no screenings) are left out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from html import escape

from embct import trial

__all__ = ["consort_svg"]

_WIDTH = 760
_LINE = 16
_PAD = 8
_GAP = 22
_CHAR = 6.6  # the mean width of a character of 12px sans-serif


def _wrap(lines: list[str], width: int) -> list[str]:
    """Each line wrapped at ``width`` characters, its continuations indented."""
    return [
        part
        for line in lines
        for part in textwrap.wrap(line, width, subsequent_indent="  ") or [line]
    ]


def _box_lines(
    counts: Mapping[str, int], labels: Mapping[str, str], keys: Sequence[str]
) -> list[str]:
    """``label: n`` for each known box of ``keys``; the first line is the box's own."""
    return [f"{labels[key]}: {counts[key]}" for key in keys if counts.get(key) is not None]


def consort_svg(
    flow: trial.ConsortFlow,
    labels: Mapping[str, str] | None = None,
    *,
    title: str = "CONSORT flow diagram",
    id_prefix: str = "consort",
) -> str:
    """An SVG CONSORT diagram of ``flow``: the boxes it shows (:meth:`ConsortFlow.shown`).

    Parameters
    ----------
    flow : embct.trial.ConsortFlow
    labels : mapping, optional
        Box key -> its text (default :data:`embct.trial.BOX_LABELS`, English).
    title : str
        The figure's accessible name (``<title>``).
    id_prefix : str
        Prefix of the element ids, unique on the page.

    Returns
    -------
    str
        ``<svg ...>...</svg>``, every text escaped.

    Examples
    --------
    >>> flow = trial.consort({"allocated.mbct": 120, "allocated.embct": 125, "allocated.tau": 0})
    >>> svg = consort_svg(flow)
    >>> "Randomized: 245" in svg and "Allocated to group MBCT: 120" in svg
    True
    >>> "<script" in consort_svg(flow, {"randomized": "<script>"})
    False
    """
    labels = {**trial.BOX_LABELS, **(labels or {})}
    counts = flow.shown()
    rows: list[list[list[str]]] = []  # rows of boxes, each a list of lines
    enrolment = _box_lines(counts, labels, ["screened"])
    excluded = _box_lines(
        counts, labels, ["not_eligible", *(f"not_eligible.{r}" for r in trial.NOT_ELIGIBLE_REASONS)]
    )
    pending = _box_lines(
        counts, labels, ["not_reached", "declined_call", "awaiting_call", "awaiting_randomization"]
    )
    if enrolment:
        rows.append([box for box in (enrolment, excluded, pending) if box])
    allocation = [
        _box_lines(counts, labels, ["allocated.mbct"]),
        _box_lines(counts, labels, ["allocated.tau", "tau.waiting", "tau.mbct", "tau.embct"]),
        _box_lines(counts, labels, ["allocated.embct"]),
    ]
    randomized = _box_lines(counts, labels, ["randomized"])
    if randomized:
        rows.append([randomized])
    if any(allocation):
        rows.append([box for box in allocation if box])
    for stage in (
        ["", "allocated.{arm}", "tau.{arm}"],
        ["{arm}.waiting", "{arm}.declined", "{arm}.started"],
        ["{arm}.dropouts", *(f"{{arm}}.dropouts.{r}" for r in trial.DROPOUT_REASON_KEYS)],
        ["{arm}.completers"],
    ):
        boxes = []
        for arm in trial.TREATMENT_ARMS:
            keys = [k.format(arm=arm.value) or arm.value for k in stage]
            boxes.append(_box_lines(counts, labels, keys))
        if any(boxes):
            rows.append(boxes)
    analysed = _box_lines(counts, labels, [f"analysed.{s}" for s in trial.ANALYSES])
    if analysed:
        rows.append([analysed])
    parts: list[str] = []
    y = _PAD
    above: list[tuple[float, float, float]] = []  # left, right, bottom of the boxes above
    for r, row in enumerate(rows):
        width = (_WIDTH - _PAD * (len(row) + 1)) / len(row)
        row = [_wrap(lines, int((width - 2 * _PAD) / _CHAR)) for lines in row]
        height = max(len(lines) for lines in row) * _LINE + _PAD * 2
        here: list[tuple[float, float, float]] = []
        for i, lines in enumerate(row):
            x = _PAD + i * (width + _PAD)
            here.append((x, x + width, y + height))
            parts.append(
                f'<rect x="{x:.0f}" y="{y}" width="{width:.0f}" height="{height}" rx="4" '
                'fill="#fff" stroke="#333"/>'
            )
            text = "".join(
                f'<tspan x="{x + _PAD:.0f}" dy="{_LINE if j else 0}"'
                + (' font-weight="bold"' if j == 0 else "")
                + f">{escape(line)}</tspan>"
                for j, line in enumerate(lines)
            )
            parts.append(f'<text y="{y + _PAD + 12}" font-size="12">{text}</text>')
            # a line from each box above whose span overlaps this one
            for left, right, bottom in above:
                if left < x + width and x < right:
                    top_x = (max(left, x) + min(right, x + width)) / 2
                    parts.append(
                        f'<line x1="{top_x:.0f}" y1="{bottom}" x2="{top_x:.0f}" y2="{y}" '
                        'stroke="#333"/>'
                    )
        # the excluded people (beside the screened) lead nowhere
        above = here[:1] if r == 0 and enrolment and len(row) > 1 else here
        y += height + _GAP
    height = max(y - _GAP + _PAD, 2 * _PAD)
    name = f"{id_prefix}-title"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{name}" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" font-family="sans-serif">'
        f'<title id="{name}">{escape(title)}</title>{"".join(parts)}</svg>'
    )
