"""Errors raised on bad questionnaire input.

Every error is an :class:`InstrumentError` (a :class:`ValueError`) that carries the
instrument, the item, the row (participant id, or the table's index label when there is no
id column) and the offending value, and names all four in its message, so a user can find
the cell and fix it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ContentPackError",
    "InstrumentError",
    "MissingColumnError",
    "NotANumberError",
    "OutOfRangeError",
    "UnknownInstrumentError",
    "UnknownItemError",
    "WrongInstrumentError",
]


class InstrumentError(ValueError):
    """Bad questionnaire input.

    Parameters
    ----------
    problem : str
        What is wrong and what was expected.
    instrument, item, row, value
        Where it is: the instrument key, the item (number or column name), the row
        (participant id or index label) and the offending value. ``None`` when not known.

    Examples
    --------
    >>> error = InstrumentError("expected one of 0, 1, 2, 3", instrument="hads", item=6,
    ...                         row="P007", value=4)
    >>> print(error)
    hads item 6, row 'P007', value 4: expected one of 0, 1, 2, 3
    >>> isinstance(error, ValueError), error.item
    (True, 6)
    """

    def __init__(
        self,
        problem: str,
        *,
        instrument: str | None = None,
        item: int | str | None = None,
        row: Any = None,
        value: Any = None,
    ) -> None:
        self.problem = problem
        self.instrument = instrument
        self.item = item
        self.row = row
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = [
            str(self.instrument) if self.instrument is not None else "questionnaire",
            f"item {self.item}" if self.item is not None else "item -",
        ]
        head = " ".join(where)
        row = f"row {self.row!r}" if self.row is not None else "row -"
        value = f"value {self.value!r}" if self.value is not None else "value -"
        return f"{head}, {row}, {value}: {self.problem}"

    def __reduce__(self) -> tuple[Any, ...]:  # keep attributes through pickling (xdist)
        return (
            _rebuild,
            (type(self), self.problem, self.instrument, self.item, self.row, self.value),
        )


def _rebuild(
    cls: type[InstrumentError], problem: str, instrument: Any, item: Any, row: Any, value: Any
) -> InstrumentError:
    return cls(problem, instrument=instrument, item=item, row=row, value=value)


class UnknownInstrumentError(InstrumentError):
    """The instrument key is not one of the built-in instruments."""


class WrongInstrumentError(InstrumentError):
    """The answers or columns belong to another instrument than the one asked for."""


class UnknownItemError(InstrumentError):
    """An item number (or item column) the instrument does not have."""


class MissingColumnError(InstrumentError):
    """A table lacks an item column of the instrument and wave asked for."""


class NotANumberError(InstrumentError):
    """An answer that is not a number (text, a boolean, ...)."""


class OutOfRangeError(InstrumentError):
    """A number that is not one of the item's allowed codes."""


class ContentPackError(InstrumentError):
    """A content pack that does not match the instrument's built-in key."""
