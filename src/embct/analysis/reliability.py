"""Analysis 3: internal consistency of every instrument and wave whose items are present."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .config import INSTRUMENT_WAVES
from .io import MissingDataError

__all__ = ["reliability_table"]


def reliability_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha of each instrument and wave with item-level data, and its subscales.

    Computed by :func:`embct.instruments.cronbach_alpha` with ``nan_policy="listwise"``
    (as SPSS RELIABILITY: only participants who answered every item of the scale).

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalized frame (:func:`embct.analysis.prepare`) with item columns
        ``{instrument}_{wave}_{item}`` holding item scores (as :func:`prepare` leaves them).

    Returns
    -------
    pandas.DataFrame
        One row per instrument, wave and scale (``total`` first, then the subscales):
        ``key`` (``{instrument}_{wave}``), ``instrument``, ``wave``, ``scale``, ``alpha``,
        ``standardized_alpha``, ``n`` (complete cases), ``k`` (items), ``ci_low``,
        ``ci_high`` (Feldt 95% CI), ``omega`` (McDonald's omega total), ``note`` (why
        alpha is missing: fewer than two complete answers, or no variance; else None),
        ``items`` (SPSS's "Item-Total Statistics" of the scale, a list with one dict per
        item: ``item`` (its column), ``mean``, ``sd``, ``corrected_item_total_r`` (the
        item with the sum of the others, psych ``r.drop``) and ``alpha_if_deleted`` (raw
        alpha of the other items; None with two items); empty when alpha is missing).

    Raises
    ------
    MissingDataError
        The frame has no complete set of items for any instrument and wave.

    Examples
    --------
    >>> import numpy as np
    >>> from embct.analysis import prepare
    >>> rng = np.random.default_rng(1)
    >>> level = rng.integers(0, 3, size=(40, 1))
    >>> items = np.clip(level + rng.integers(0, 2, size=(40, 14)), 0, 3)
    >>> raw = pd.DataFrame(items, columns=[f"hads_pre_{i}" for i in range(1, 15)])
    >>> raw["arm"] = ["mbct", "embct"] * 20
    >>> table = reliability_table(prepare(raw))
    >>> table[["key", "scale", "n", "k"]]
            key       scale   n   k
    0  hads_pre       total  40  14
    1  hads_pre     anxiety  40   7
    2  hads_pre  depression  40   7
    >>> bool(table.loc[0, "alpha"] > 0.9)
    True
    >>> [sorted(item) for item in table.loc[1, "items"]][0]
    ['alpha_if_deleted', 'corrected_item_total_r', 'item', 'mean', 'sd']
    """
    from embct.instruments import get_instrument, item_columns

    # A measure declared in an instrument's role ([scales.<key>] with items) has its own
    # items (a plain sum, no subscales), at the configured waves.
    config = frame.attrs.get("embct", {}).get("analysis_config")
    instrument_waves = config.instrument_waves if config is not None else INSTRUMENT_WAVES
    declared = {
        key: scale.items
        for key, scale in (config.scales.items() if config is not None else [])
        if scale.scores_items
    }

    def columns_of(key: str, wave: str) -> list[str]:
        if key in declared:
            return [f"{key}_{wave}_{item}" for item in range(1, declared[key] + 1)]
        return item_columns(key, wave)

    waves = [
        (key, wave, columns_of(key, wave))
        for key, wave in instrument_waves
        if set(columns_of(key, wave)) <= set(frame.columns)
    ]
    if not waves:
        raise MissingDataError(
            "no item-level data: reliability needs the items of an instrument "
            "(e.g. hads_pre_1 ... hads_pre_14)"
        )
    from embct.instruments import cronbach_alpha

    rows = []
    for key, wave, columns in waves:
        scales: list[tuple[str, list[str]]] = [("total", columns)]
        subscales = {} if key in declared else get_instrument(key).subscales
        for name, items in subscales.items():
            scales.append((name, [f"{key}_{wave}_{item}" for item in items]))
        for scale, scale_columns in scales:
            row: dict[str, Any] = {"key": f"{key}_{wave}", "instrument": key, "wave": wave}
            row["scale"] = scale
            try:
                result = cronbach_alpha(frame[scale_columns], nan_policy="listwise")
            except ValueError as error:
                # Too few complete answers, or no variance: no alpha, and why.
                complete = int(frame[scale_columns].notna().all(axis=1).sum())
                row.update(_EMPTY, n=complete, k=len(scale_columns), note=str(error), items=[])
            else:
                row.update(_fields(result))
            rows.append(row)
    return pd.DataFrame(rows)


_EMPTY = dict.fromkeys(("alpha", "standardized_alpha", "ci_low", "ci_high", "omega"), np.nan)


def _fields(result: Any) -> dict[str, Any]:
    return {
        "alpha": float(result.alpha),
        "standardized_alpha": float(result.std_alpha),
        "n": int(result.n),
        "k": int(result.k),
        "ci_low": float(result.ci_low),
        "ci_high": float(result.ci_high),
        "omega": float(result.omega),
        "note": None,
        "items": [
            {
                "item": str(item),
                "mean": float(stats["mean"]),
                "sd": float(stats["sd"]),
                "corrected_item_total_r": float(stats["r_drop"]),
                "alpha_if_deleted": float(stats["alpha_if_deleted"]),
            }
            for item, stats in result.item_total.iterrows()
        ],
    }
