"""The report layer: HTML, figures and the comparison with the paper, from results alone.

- :func:`write_report` / :func:`render_report`: the analysis report (``embct analyze``),
  self-contained HTML with APA-style tables in the paper's order and inline SVG figures.
- :func:`render_comparison` / :func:`write_comparison`: every published figure beside ours
  (``embct reproduce``).
- :mod:`embct.report.figures`: the figures as matplotlib objects; :mod:`embct.report.format`:
  APA number formatting.
"""

from __future__ import annotations

from .render import (
    COMPARISON_KEYS,
    ReportError,
    render_comparison,
    render_report,
    write_comparison,
    write_report,
)

__all__ = [
    "COMPARISON_KEYS",
    "ReportError",
    "render_comparison",
    "render_report",
    "write_comparison",
    "write_report",
]
