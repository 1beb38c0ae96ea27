"""Scoring one response (:func:`score_response`) or a whole table (:func:`score_table`).

Both paths apply the same rules and give identical numbers (a property test checks it):

1. Each stored answer is checked against the item's codes under the chosen coding and
   mapped to its score. Accepted: integers, integral floats, and text holding a number
   (as read from a form or a text file). Missing: ``None``, NaN, ``pd.NA`` and blank text.
   Anything else raises an :class:`~embct.instruments.errors.InstrumentError` naming the
   instrument, item, row and value; a table with any bad cell scores nothing.
2. Each subscale is scored by the instrument's :class:`~.definitions.MissingRule`: the sum
   of its item scores when complete; when some items are missing but enough are answered,
   the mean of the answered scores times the number of items (prorated, flagged);
   otherwise missing (NaN).
3. The total is the sum of the subscales, missing when any subscale is missing; the mean
   item score is the total divided by the number of items.
4. Bands and screening cut-offs apply to the unrounded score (a prorated 10.5 is below 11);
   Keyes' MHC-SF diagnosis is ``"indeterminate"`` when the missing items could change it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .definitions import INSTRUMENTS, Band, Coding, Instrument, get_instrument
from .errors import (
    MissingColumnError,
    NotANumberError,
    OutOfRangeError,
    UnknownItemError,
    WrongInstrumentError,
)

__all__ = [
    "item_columns",
    "item_scores",
    "score_columns",
    "score_response",
    "score_table",
    "score_table_and_items",
]


def _base(instrument: Instrument, wave: str | None) -> str:
    return instrument.prefix if not wave else f"{instrument.prefix}_{wave}"


def item_columns(key: str | Instrument, wave: str | None) -> list[str]:
    """The item column names of ``key`` at ``wave``, in item order.

    ``wave=None`` gives unwaved names (``hads_1``).

    Examples
    --------
    >>> item_columns("wai", "w2")[:3]
    ['wai_w2_1', 'wai_w2_2', 'wai_w2_3']
    >>> item_columns("hads", None)[-1]
    'hads_14'
    """
    instrument = get_instrument(key)
    base = _base(instrument, wave)
    return [f"{base}_{item}" for item in instrument.items]


def score_columns(key: str | Instrument, wave: str | None) -> list[str]:
    """The columns :func:`score_table` returns for ``key`` at ``wave``, in order.

    Examples
    --------
    >>> score_columns("hads", "pre")  # doctest: +NORMALIZE_WHITESPACE
    ['hads_pre', 'hads_pre_anxiety', 'hads_pre_depression', 'hads_pre_mean',
     'hads_pre_n_missing', 'hads_pre_prorated', 'hads_pre_anxiety_band',
     'hads_pre_depression_band', 'hads_pre_screen_positive']
    """
    instrument = get_instrument(key)
    base = _base(instrument, wave)
    columns = [base, *(f"{base}_{name}" for name in instrument.subscales)]
    if instrument.subscale_means:
        columns += [f"{base}_{name}_mean" for name in instrument.subscales]
    columns += [f"{base}_mean", f"{base}_n_missing", f"{base}_prorated"]
    columns += [_band_column(base, scale) for scale in instrument.bands]
    if instrument.screening is not None:
        columns.append(f"{base}_{instrument.screening.name}")
    if instrument.diagnosis is not None:
        columns.append(f"{base}_category")
    return columns


def _band_column(base: str, scale: str) -> str:
    return f"{base}_band" if scale == "total" else f"{base}_{scale}_band"


# --- one value ---------------------------------------------------------------------------
def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float | np.floating) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _parse(value: Any, instrument: Instrument, coding: Coding, item: int, row: Any) -> int | None:
    """The score of one stored answer, ``None`` when missing; raises on bad input."""
    if _is_missing(value):
        return None
    where = {"instrument": instrument.key, "item": item, "row": row, "value": value}
    number: float
    if isinstance(value, bool | np.bool_):
        raise NotANumberError("expected a number, got a boolean", **where)
    if isinstance(value, numbers.Integral):
        number = float(int(value))
    elif isinstance(value, numbers.Real):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise NotANumberError("expected a number", **where) from None
        if math.isnan(number):
            raise NotANumberError("expected a number", **where)
    else:
        raise NotANumberError(f"expected a number, got {type(value).__name__}", **where)
    code = int(number) if math.isfinite(number) and number == int(number) else None
    score = None if code is None else coding.score(item, code)
    if score is None:
        raise OutOfRangeError(_expected(coding, item), **where)
    return score


def _expected(coding: Coding, item: int) -> str:
    allowed = ", ".join(str(v) for v in coding.allowed(item))
    return f"expected one of {allowed} (coding {coding.name!r})"


_ITEM_KEY = re.compile(r"^(?P<prefix>[a-z]+)_(?:(?P<wave>[a-z0-9]+)_)?(?P<item>\d+)$")


def _item_number(key: int | str, instrument: Instrument, row: Any) -> int:
    where = {"instrument": instrument.key, "item": key, "row": row}
    if isinstance(key, bool):
        raise UnknownItemError("not an item", **where)
    if isinstance(key, numbers.Integral) or (isinstance(key, str) and key.strip().isdigit()):
        number = int(key)
    elif isinstance(key, str) and (match := _ITEM_KEY.match(key.strip().lower())):
        prefix = match["prefix"]
        if prefix != instrument.prefix:
            other = next((i.key for i in INSTRUMENTS.values() if i.prefix == prefix), None)
            if other is not None:
                raise WrongInstrumentError(
                    f"this answer belongs to {other!r}, not {instrument.key!r}", **where
                )
            raise UnknownItemError("not an item of this instrument", **where)
        number = int(match["item"])
    else:
        raise UnknownItemError(
            f"expected an item number 1-{instrument.n_items} or '{instrument.prefix}_<n>'",
            **where,
        )
    if number not in instrument.items:
        raise UnknownItemError(f"expected an item number 1-{instrument.n_items}", **where)
    return number


# --- one response ------------------------------------------------------------------------
def score_response(
    key: str | Instrument,
    answers: Mapping[int, Any] | Mapping[str, Any] | Mapping[int | str, Any],
    *,
    participant_id: Any = None,
    coding: str | None = None,
) -> dict[str, Any]:
    """Score one questionnaire response.

    Parameters
    ----------
    key : str or Instrument
        ``"wai"``, ``"hads"``, ``"mhc"``, or a customised :class:`Instrument`.
    answers : mapping
        Item -> stored answer. Items are numbers (``6``, ``"6"``) or column-style names
        (``"hads_6"``, ``"hads_pre_6"``); items left out are missing.
    participant_id : optional
        Named in error messages and returned.
    coding : str, optional
        How answers are stored (``"printed"`` / ``"position"`` for HADS, ``"1-5"`` /
        ``"0-4"`` for WAI-SR); the instrument's default when ``None``.

    Returns
    -------
    dict
        JSON-ready: ``instrument``, ``participant_id``, ``coding``, ``total`` and ``mean``
        (float or ``None`` when not computable), ``subscales`` and ``subscale_means``
        (name -> float or ``None``), ``n_missing`` (int), ``prorated`` (bool),
        ``item_scores`` (item -> int or ``None``), ``bands`` (scale -> label or ``None``),
        the screening flag under the cut-off's name (HADS: ``screen_positive``, bool or
        ``None``) and ``category`` (MHC-SF: Keyes' diagnosis; ``None`` when not defined).

    Raises
    ------
    InstrumentError
        Unknown item, answer of another instrument, not a number, or out of range.

    Examples
    --------
    Anxiety items 1, 3, ..., 13 answered 2, 1, 3, 0, 1, 2 and item 13 left blank; all
    depression items 1 (hand-worked: anxiety 9 / 6 x 7 = 10.5, total 10.5 + 7):

    >>> answers = {1: 2, 3: 1, 5: 3, 7: 0, 9: 1, 11: 2, 13: None}
    >>> answers.update({i: 1 for i in range(2, 15, 2)})
    >>> result = score_response("hads", answers, participant_id="P001")
    >>> result["subscales"], result["total"], result["prorated"]
    ({'anxiety': 10.5, 'depression': 7.0}, 17.5, True)
    >>> result["bands"], result["screen_positive"]
    ({'anxiety': 'doubtful', 'depression': 'non-case'}, True)
    >>> score_response("hads", {6: 4}, participant_id="P001")
    Traceback (most recent call last):
    ...
    embct.instruments.errors.OutOfRangeError: hads item 6, row 'P001', value 4: expected one ...
    """
    instrument = get_instrument(key)
    chosen = instrument.coding(coding)
    stored: dict[int, Any] = {}
    for raw_key, value in answers.items():
        item = _item_number(raw_key, instrument, participant_id)
        if item in stored:
            raise UnknownItemError(
                "item given twice", instrument=instrument.key, item=raw_key, row=participant_id
            )
        stored[item] = value
    scores: dict[int, int | None] = {
        item: _parse(stored.get(item), instrument, chosen, item, participant_id)
        for item in instrument.items
    }

    subscales: dict[str, float | None] = {}
    prorated = False
    for name, members in instrument.subscales.items():
        answered = [scores[i] for i in members if scores[i] is not None]
        n_answered = len(answered)
        if n_answered < instrument.missing.min_answered[name] or n_answered == 0:
            subscales[name] = None
            continue
        total_answered = float(sum(answered))  # type: ignore[arg-type]
        if n_answered == len(members):
            subscales[name] = total_answered
        else:
            subscales[name] = total_answered / n_answered * len(members)
            prorated = True
    total: float | None = 0.0
    for value in subscales.values():
        total = None if total is None or value is None else total + value
    result: dict[str, Any] = {
        "instrument": instrument.key,
        "participant_id": participant_id,
        "coding": chosen.name,
        "total": total,
        "mean": None if total is None else total / instrument.n_items,
        "subscales": subscales,
        "subscale_means": {
            name: None if value is None else value / len(instrument.subscales[name])
            for name, value in subscales.items()
        },
        "n_missing": sum(score is None for score in scores.values()),
        "prorated": prorated,
        "item_scores": scores,
        "bands": {
            scale: _band(total if scale == "total" else subscales[scale], bands)
            for scale, bands in instrument.bands.items()
        },
    }
    if instrument.screening is not None:
        cut = instrument.screening
        score = total if cut.scale == "total" else subscales[cut.scale]
        result[cut.name] = None if score is None else bool(score >= cut.threshold)
    result["category"] = None
    if instrument.diagnosis is not None:
        low, high = _score_bounds(chosen)
        result["category"] = instrument.diagnosis.classify(scores, low, high)
    return result


def _band(score: float | None, bands: tuple[Band, ...]) -> str | None:
    if score is None:
        return None
    label = None
    for band in bands:
        if score >= band.low:
            label = band.label
    return label


def _score_bounds(coding: Coding) -> tuple[int, int]:
    scores = [s for options in coding.option_scores.values() for s in options]
    return min(scores), max(scores)


# --- a table -----------------------------------------------------------------------------
def _find_columns(frame: pd.DataFrame, instrument: Instrument, wave: str | None) -> list[str]:
    base = _base(instrument, wave)
    pattern = re.compile(rf"^{re.escape(base)}_(\d+)$")
    expected = item_columns(instrument, wave)
    present = [c for c in frame.columns if isinstance(c, str) and pattern.match(c)]
    for column in present:
        if int(pattern.match(column)[1]) not in instrument.items:  # type: ignore[index]
            raise UnknownItemError(
                f"{instrument.key} has items 1-{instrument.n_items}",
                instrument=instrument.key,
                item=column,
            )
    if not present:
        suffix = rf"_{re.escape(wave)}_\d+$" if wave else r"_\d+$"
        for other in INSTRUMENTS.values():
            if other.prefix != instrument.prefix and any(
                isinstance(c, str) and re.match(rf"^{other.prefix}{suffix}", c)
                for c in frame.columns
            ):
                raise WrongInstrumentError(
                    f"no {base}_<item> columns, but {other.prefix} columns: is this "
                    f"{other.key!r} data?",
                    instrument=instrument.key,
                    item=expected[0],
                )
        waves = sorted(
            {
                m[1]
                for c in frame.columns
                if isinstance(c, str)
                and (m := re.match(rf"^{instrument.prefix}_([a-z0-9]+)_\d+$", c))
            }
        )
        hint = f"; waves found: {', '.join(waves)}" if waves else ""
        raise MissingColumnError(
            f"no {base}_<item> columns in the table{hint}",
            instrument=instrument.key,
            item=expected[0],
        )
    for column in expected:
        if column not in frame.columns:
            raise MissingColumnError(
                "the table lacks this item column", instrument=instrument.key, item=column
            )
    return expected


def _column_as_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float with NaN for missing, mask of cells that are not numbers)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return np.full(len(series), np.nan), series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(dtype):
        return series.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(series), bool)
    values = series.astype(object).to_numpy()
    is_str = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
    is_bool = np.fromiter((isinstance(v, bool | np.bool_) for v in values), bool, len(values))
    stripped = np.array(
        [v.strip() if s else v for v, s in zip(values, is_str, strict=True)], dtype=object
    )
    blank = is_str & (stripped == "")
    missing = pd.isna(pd.Series(values, dtype=object)).to_numpy() | blank
    candidates = pd.Series(np.where(missing | is_bool, np.nan, stripped), dtype=object)
    numbers_ = pd.to_numeric(candidates, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = is_bool | (~missing & np.isnan(numbers_))
    return np.where(bad, np.nan, numbers_), bad


def _lookup_table(instrument: Instrument, chosen: Coding) -> tuple[int, np.ndarray]:
    """(lowest stored value, items x (values + 1) table of scores; NaN = not a code)."""
    values = [v for item in instrument.items for v in chosen.option_values[item]]
    low, width = min(values), max(values) - min(values) + 1
    table = np.full((instrument.n_items, width + 1), np.nan)
    for position, item in enumerate(instrument.items):
        for value, score in zip(
            chosen.option_values[item], chosen.option_scores[item], strict=True
        ):
            table[position, value - low] = score
    return low, table


def _score_matrix(
    frame: pd.DataFrame, instrument: Instrument, wave: str | None, id_column: str, chosen: Coding
) -> np.ndarray:
    """Validated item scores (rows x items, NaN when missing); raises on any bad cell."""
    columns = _find_columns(frame, instrument, wave)
    block = frame[columns]
    not_number: np.ndarray | None = None
    if all(
        pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in block.dtypes
    ):
        values = block.to_numpy(dtype=float, na_value=np.nan)
    else:
        parts = [_column_as_float(block[column]) for column in columns]
        values = np.column_stack([part[0] for part in parts])
        not_number = np.column_stack([part[1] for part in parts])
    low, table = _lookup_table(instrument, chosen)
    width = table.shape[1] - 1
    # one gather for every cell: code -> score, with "not a code" mapped to NaN
    with np.errstate(invalid="ignore"):
        shifted = values - low if low else values
        codes = shifted.astype(np.intp)
    codes = np.where((codes >= 0) & (codes < width) & (codes == shifted), codes, width)
    codes += np.arange(instrument.n_items) * (width + 1)
    scores = np.asfortranarray(np.take(table.ravel(), codes))
    bad = np.isnan(scores) & ~np.isnan(values)
    if not_number is not None:
        bad |= not_number
    if bad.any():
        position = int(np.flatnonzero(bad.any(axis=0))[0])
        at = int(np.flatnonzero(bad[:, position])[0])
        column = columns[position]
        value = _plain(frame[column].iloc[at])
        rows = frame[id_column] if id_column in frame.columns else pd.Series(frame.index)
        where = {
            "instrument": instrument.key,
            "item": column,
            "row": _plain(rows.iloc[at]),
            "value": value,
        }
        if not_number is not None and not_number[at, position]:
            raise NotANumberError("expected a number", **where)
        raise OutOfRangeError(_expected(chosen, instrument.items[position]), **where)
    return scores


def item_scores(
    frame: pd.DataFrame,
    key: str | Instrument,
    wave: str | None,
    *,
    id_column: str = "participant_id",
    coding: str | None = None,
) -> pd.DataFrame:
    """The item scores of a table (stored answers mapped through the coding), validated.

    Returns a float DataFrame with the item columns in item order (NaN when missing), the
    input for :func:`~embct.instruments.reliability.cronbach_alpha`. Raises as
    :func:`score_table` does.

    Examples
    --------
    >>> frame = pd.DataFrame([[0] * 14], columns=item_columns("hads", "pre"))
    >>> item_scores(frame, "hads", "pre", coding="position").iloc[0, :6].tolist()
    [3.0, 0.0, 3.0, 0.0, 3.0, 3.0]
    """
    instrument = get_instrument(key)
    scores = _score_matrix(frame, instrument, wave, id_column, instrument.coding(coding))
    return pd.DataFrame(scores, index=frame.index, columns=item_columns(instrument, wave))


def score_table(
    frame: pd.DataFrame,
    key: str | Instrument,
    wave: str | None,
    *,
    id_column: str = "participant_id",
    coding: str | None = None,
) -> pd.DataFrame:
    """Score every row of a table, vectorized.

    Parameters
    ----------
    frame : DataFrame
        Holds the item columns ``{prefix}_{wave}_{item}`` (all of them; other columns are
        ignored).
    key : str or Instrument
        ``"wai"``, ``"hads"``, ``"mhc"``, or a customised :class:`Instrument`.
    wave : str or None
        ``"pre"``, ``"w2"``, ...; ``None`` for unwaved columns (``hads_1``).
    id_column : str
        Column naming rows in error messages (the index label is used when absent).
    coding : str, optional
        How answers are stored; see :func:`score_response`.

    Returns
    -------
    DataFrame
        Same index as ``frame``; the columns of :func:`score_columns`:
        ``{base}`` total (float, NaN when not computable), ``{base}_{subscale}``,
        ``{base}_{subscale}_mean`` (WAI-SR and MHC-SF), ``{base}_mean`` (mean item score),
        ``{base}_n_missing`` (int), ``{base}_prorated`` (bool), HADS
        ``{base}_anxiety_band`` / ``{base}_depression_band`` (ordered categorical:
        non-case < doubtful < case) and ``{base}_screen_positive`` (nullable boolean),
        MHC-SF ``{base}_category`` (categorical: flourishing, moderate, languishing,
        indeterminate), where ``{base}`` is ``{prefix}_{wave}``. Missing is NaN / NA.

    Raises
    ------
    InstrumentError
        Missing or unknown item columns, another instrument's columns, or any bad cell
        (the first in item order, then row order, is named). Nothing is scored then.

    Examples
    --------
    >>> frame = pd.DataFrame({"participant_id": ["P1", "P2"],
    ...                       **{f"wai_w2_{i}": [5, 3] for i in range(1, 13)}})
    >>> frame.loc[1, "wai_w2_3"] = None
    >>> scored = score_table(frame, "wai", "w2")
    >>> scored[["wai_w2", "wai_w2_bond", "wai_w2_mean", "wai_w2_prorated"]]
       wai_w2  wai_w2_bond  wai_w2_mean  wai_w2_prorated
    0    60.0         20.0          5.0            False
    1    36.0         12.0          3.0             True
    """
    instrument = get_instrument(key)
    chosen = instrument.coding(coding)
    scores = _score_matrix(frame, instrument, wave, id_column, chosen)
    return _scored(scores, frame.index, instrument, wave, chosen)


def score_table_and_items(
    frame: pd.DataFrame,
    key: str | Instrument,
    wave: str | None,
    *,
    id_column: str = "participant_id",
    coding: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(score_table(...), item_scores(...))`` with the items validated and mapped once.

    Raises as :func:`score_table` does.

    Examples
    --------
    >>> frame = pd.DataFrame([[0] * 14], columns=item_columns("hads", "pre"))
    >>> scored, items = score_table_and_items(frame, "hads", "pre")
    >>> float(scored.loc[0, "hads_pre"]), items.shape
    (0.0, (1, 14))
    """
    instrument = get_instrument(key)
    chosen = instrument.coding(coding)
    scores = _score_matrix(frame, instrument, wave, id_column, chosen)
    items = pd.DataFrame(scores, index=frame.index, columns=item_columns(instrument, wave))
    return _scored(scores, frame.index, instrument, wave, chosen), items


def _scored(
    scores: np.ndarray, index: pd.Index, instrument: Instrument, wave: str | None, chosen: Coding
) -> pd.DataFrame:
    """The columns of :func:`score_columns` from the validated item scores."""
    n = len(index)
    base = _base(instrument, wave)
    out: dict[str, Any] = {}
    missing = np.isnan(scores)
    filled = np.where(missing, 0.0, scores)
    present = ~missing
    position_of = {item: p for p, item in enumerate(instrument.items)}
    subscale_scores: dict[str, np.ndarray] = {}
    prorated = np.zeros(n, bool)
    for name, members in instrument.subscales.items():
        columns = [position_of[i] for i in members]
        # column by column: contiguous in the column-major matrix, and exact (small integers)
        sums = filled[:, columns[0]].copy()
        answered = present[:, columns[0]].astype(np.int64)
        for column in columns[1:]:
            sums += filled[:, column]
            answered += present[:, column]
        enough = (answered >= instrument.missing.min_answered[name]) & (answered > 0)
        size = len(members)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(answered == size, sums, sums / answered * size)
        value[~enough] = np.nan
        prorated |= enough & (answered < size)
        subscale_scores[name] = value
    total = np.zeros(n)
    for value in subscale_scores.values():
        total = total + value
    out[base] = total
    for name, value in subscale_scores.items():
        out[f"{base}_{name}"] = value
    if instrument.subscale_means:
        for name, value in subscale_scores.items():
            out[f"{base}_{name}_mean"] = value / len(instrument.subscales[name])
    out[f"{base}_mean"] = total / instrument.n_items
    out[f"{base}_n_missing"] = missing.sum(axis=1).astype(np.int64)
    out[f"{base}_prorated"] = prorated
    for scale, bands in instrument.bands.items():
        score = total if scale == "total" else subscale_scores[scale]
        out[_band_column(base, scale)] = _bands_of(score, bands)
    if instrument.screening is not None:
        cut = instrument.screening
        score = total if cut.scale == "total" else subscale_scores[cut.scale]
        flag = pd.array(score >= cut.threshold, dtype="boolean")
        flag[np.isnan(score)] = pd.NA
        out[f"{base}_{cut.name}"] = flag
    if instrument.diagnosis is not None:
        out[f"{base}_category"] = _keyes(scores, instrument, chosen)
    return pd.DataFrame(out, index=index)  # built in score_columns' order


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _bands_of(score: np.ndarray, bands: tuple[Band, ...]) -> Any:
    codes = np.full(len(score), -1, dtype=np.int8)
    for position, band in enumerate(bands):
        codes[score >= band.low] = position
    return pd.Categorical.from_codes(codes, pd.Index([b.label for b in bands]), ordered=True)


def _keyes(scores: np.ndarray, instrument: Instrument, coding: Coding) -> Any:
    rule = instrument.diagnosis
    if rule is None:  # pragma: no cover - only called when the instrument has one
        raise TypeError(f"{instrument.key} has no categorical diagnosis")
    position_of = {item: p for p, item in enumerate(instrument.items)}
    hedonic = scores[:, [position_of[i] for i in rule.hedonic]]
    functioning = scores[:, [position_of[i] for i in rule.functioning]]
    low, high = _score_bounds(coding)

    def category(fill: float) -> np.ndarray:
        """Codes 0 flourishing, 1 moderate, 2 languishing with missing items at ``fill``."""
        h = np.where(np.isnan(hedonic), fill, hedonic)
        f = np.where(np.isnan(functioning), fill, functioning)
        flourishing = ((h >= rule.high).sum(axis=1) >= rule.min_hedonic) & (
            (f >= rule.high).sum(axis=1) >= rule.min_functioning
        )
        languishing = ((h <= rule.low).sum(axis=1) >= rule.min_hedonic) & (
            (f <= rule.low).sum(axis=1) >= rule.min_functioning
        )
        codes = np.ones(len(h), dtype=np.int8)
        codes[flourishing] = 0
        codes[languishing] = 2
        return codes

    at_low, at_high = category(low), category(high)
    codes = np.where(at_low == at_high, at_low, np.int8(3)).astype(np.int8)
    codes[np.isnan(np.hstack([hedonic, functioning])).all(axis=1)] = -1
    return pd.Categorical.from_codes(codes, pd.Index(list(rule.labels)))
