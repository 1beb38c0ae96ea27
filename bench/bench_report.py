"""Time the report layer: each figure (SVG + PNG) and the whole report on the example results.

Run: ``.venv/bin/python bench/bench_report.py``. Prints the machine's details and, beside our
figures, a bare matplotlib line plot of the same size as the peer (the floor any figure pays).
Timing lives here, not in the tests: a loaded CI machine must not fail a test on speed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script
import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from embct.report import figures, render_report, write_report

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "report" / "results_example.json"


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_plot() -> None:
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([2, 5, 9], [35, 38, 41])
    ax.plot([2, 5, 9], [36, 39, 40])
    figures.figure_svg(fig)
    figures.figure_png(fig)


def main() -> None:
    results = json.loads(EXAMPLE.read_text())
    print(
        f"machine: {benchinfo.cpu_model()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, matplotlib {matplotlib.__version__}"
    )
    figures.figure_svg(figures.alliance_figure(results))  # warm the font cache
    peer = best_of(bare_plot)
    print(f"{'bare matplotlib 2-line plot (peer)':<40} {peer * 1000:8.1f} ms")
    draws = {
        "alliance_figure": figures.alliance_figure,
        "consort_figure": figures.consort_figure,
        "interaction_figure(hads)": lambda r: figures.interaction_figure(r, "hads"),
    }
    for name, draw in draws.items():

        def one(draw=draw) -> None:  # type: ignore[no-untyped-def]
            fig = draw(results)
            figures.figure_svg(fig)
            figures.figure_png(fig)

        t = best_of(one)
        print(f"{name + ' (SVG+PNG)':<40} {t * 1000:8.1f} ms  ({t / peer:.1f}x peer)")
    print(
        f"{'render_report (HTML)':<40} {best_of(lambda: render_report(results), 3) * 1000:8.1f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = best_of(lambda: write_report(results, Path(tmp)), 3)
    print(f"{'write_report (HTML + 8 figure files)':<40} {t * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
