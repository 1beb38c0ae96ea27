"""Printed figures of a paper and their consistency (``embct check-figures``).

:mod:`embct.figures.rules` holds the rules on printed numbers (statcheck, GRIM, GRIMMER,
percentages, 2 x 2 chi-square, t from means and SDs, regression F from adjusted R2, Wilks'
lambda); :mod:`embct.figures.check` reads a figures file (``[[figure]]`` entries) and lists
every inconsistency with the printed values, what they imply, the recomputation and a class.
"""

from .check import CLASSES, FiguresError, check_figures, check_file, finding_text, load_figures

__all__ = ["CLASSES", "FiguresError", "check_figures", "check_file", "finding_text", "load_figures"]
