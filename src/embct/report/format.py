"""APA-style formatting of numbers for the report (numbers stay numbers until here).

Every function takes a number (or ``None`` / NaN for a missing value, shown as an em dash)
and returns a string. Negative numbers get a true minus sign (U+2212), as in print and as a
screen reader says it. Values that cannot exceed 1 in absolute value (p, R², r, β,
alpha, Wilks' λ, proportions) are printed without a leading zero (APA 7, 6.36).

The rules for p values (APA 7, 6.36; as in the paper): two decimals, three when p < .01,
``< .001`` below .001, and three decimals whenever two would round a value across .05
(p = .0496 prints ``.050``, not ``.05``).

Examples
--------
>>> p_value(0.0312)
'.03'
>>> p_value(0.0004)
'< .001'
>>> num(-2.3412)
'−2.34'
>>> num(0.4161, 3, leading_zero=False)
'.416'
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = [
    "MINUS",
    "MISSING",
    "ci",
    "dof",
    "integer",
    "is_missing",
    "mean_sd",
    "n_percent",
    "num",
    "p_value",
    "signed_difference",
]

#: The minus sign used for negative numbers (U+2212).
MINUS = "\u2212"
#: What a missing value (None, NaN) prints as: an em dash.
MISSING = "\u2014"


def is_missing(value: object) -> bool:
    """Whether ``value`` is a missing number (``None``, NaN, or not a real number).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0), is_missing(True)
    (True, True, False, True)
    """
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        return True
    return math.isnan(float(value))


def _minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def num(value: object, digits: int = 2, *, leading_zero: bool = True) -> str:
    """A number rounded to ``digits`` decimals, with a true minus sign.

    Parameters
    ----------
    value : float or None
        The number; ``None`` or NaN gives an em dash.
    digits : int
        Decimals to show (half-even rounding as Python's ``format``).
    leading_zero : bool
        ``False`` for statistics that cannot exceed 1 (APA: ``.42`` not ``0.42``).

    Returns
    -------
    str

    Examples
    --------
    >>> num(51.456, 1)
    '51.5'
    >>> num(-0.1234, 3, leading_zero=False)
    '−.123'
    >>> num(None)
    '—'
    >>> num(-0.0001, 2)
    '0.00'
    >>> num(float("inf"))
    '∞'
    """
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if math.isinf(x):
        return "\u221e" if x > 0 else MINUS + "\u221e"
    text = f"{x:.{digits}f}"
    if float(text) == 0.0:  # no "-0.00"
        text = text.lstrip("-")
    if not leading_zero:
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
    return _minus(text)


def p_value(value: object, *, with_operator: bool = False) -> str:
    """An APA-style p value: ``.03``, ``.004``, ``< .001``, no leading zero.

    Parameters
    ----------
    value : float or None
        The p value in [0, 1]; ``None`` or NaN gives an em dash.
    with_operator : bool
        Prefix ``= `` to an exact value (for running text: ``p = .03``, ``p < .001``).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When ``value`` is a number outside [0, 1].

    Examples
    --------
    >>> [p_value(p) for p in (0.5, 0.0312, 0.0049, 0.00099, 0.0496, 0.999, 1.0)]
    ['.50', '.03', '.005', '< .001', '.050', '> .99', '> .99']
    >>> p_value(0.2, with_operator=True), p_value(1e-9, with_operator=True)
    ('= .20', '< .001')
    """
    if is_missing(value):
        return MISSING
    p = float(value)  # type: ignore[arg-type]
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p value {p!r} is outside [0, 1]")
    if p < 0.001:
        return "< .001"
    if p >= 0.995:
        return "> .99"
    two = f"{p:.2f}"
    digits = 3 if p < 0.01 or (two == "0.05" and p != 0.05) else 2
    text = f"{p:.{digits}f}"[1:]
    return "= " + text if with_operator else text


def integer(value: object) -> str:
    """A count as a plain integer (``1234``), or an em dash; a fraction keeps 1 decimal.

    Examples
    --------
    >>> integer(245.0), integer(None)
    ('245', '—')
    >>> integer(12.5)
    '12.5'
    """
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    return _minus(str(int(x))) if x.is_integer() else num(x, 1)


def dof(value: object) -> str:
    """Degrees of freedom: whole numbers as integers, fractional ones (Welch) to 2 decimals.

    Examples
    --------
    >>> dof(113), dof(113.0), dof(238.0812)
    ('113', '113', '238.08')
    """
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    return str(int(x)) if x.is_integer() else num(x, 2)


def ci(low: object, high: object, digits: int = 2, *, leading_zero: bool = True) -> str:
    """A confidence interval in APA brackets: ``[−0.21, −0.03]``.

    Examples
    --------
    >>> ci(-0.2149, -0.0312)
    '[−0.21, −0.03]'
    >>> ci(None, 3)
    '—'
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    lo = num(low, digits, leading_zero=leading_zero)
    hi = num(high, digits, leading_zero=leading_zero)
    return f"[{lo}, {hi}]"


def mean_sd(mean: object, sd: object, digits: int = 1) -> str:
    """``M (SD)`` as in Table 1: ``51.5 (11.1)``.

    Examples
    --------
    >>> mean_sd(51.54, 11.06)
    '51.5 (11.1)'
    >>> mean_sd(3.4, None)
    '3.4 (—)'
    """
    if is_missing(mean):
        return MISSING
    return f"{num(mean, digits)} ({num(sd, digits)})"


def n_percent(count: object, percent: object, digits: int = 1) -> str:
    """``n (%)`` as in Table 1: ``101 (84.2)``.

    Examples
    --------
    >>> n_percent(101, 84.1667)
    '101 (84.2)'
    """
    if is_missing(count):
        return MISSING
    return f"{integer(count)} ({num(percent, digits)})"


def signed_difference(value: object, digits: int = 3) -> str:
    """A difference with an explicit sign (``+0.012``, ``−0.400``, ``0.000``).

    Examples
    --------
    >>> signed_difference(0.0123), signed_difference(-0.4), signed_difference(0)
    ('+0.012', '−0.400', '0.000')
    """
    if is_missing(value):
        return MISSING
    text = num(value, digits)
    return text if text.startswith(MINUS) or float(text) == 0 else "+" + text
