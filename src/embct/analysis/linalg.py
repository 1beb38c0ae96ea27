"""Direct least-squares machinery shared by the model functions.

The models of the paper are small designs (at most five columns) on possibly very many rows
(10^6 participants). Instead of building a formula per step, each design is decomposed once
(a thin QR) and every nested step is read off the same factorisation: for columns
``X[:, :k] = Q[:, :k] R[:k, :k]`` the fit of the first ``k`` columns needs only
``R[:k, :k]`` and ``(Q'y)[:k]``. Nothing here is quadratic in the number of rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "ModelError",
    "NestedOLS",
    "OLSStep",
    "json_number",
    "nested_ols",
]

FloatArray = NDArray[np.float64]


class ModelError(ValueError):
    """Bad input to a model function: names the column, the row and the value when known.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    column, row, value : optional
        Where the problem is (``row`` is the participant id when the frame has one).
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: object = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.row = row
        self.value = value


def json_number(value: Any) -> float | int | None:
    """Return ``value`` as a plain Python number for JSON, ``None`` when not finite.

    Examples
    --------
    >>> json_number(np.float64(1.5)), json_number(float("nan")), json_number(np.int64(3))
    (1.5, None, 3)
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("json_number() takes numbers, not booleans")
    if isinstance(value, (int, np.integer)):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class OLSStep:
    """One least-squares fit of the first ``k`` columns of a nested design."""

    k: int
    params: FloatArray
    cov_unscaled: FloatArray  # (X'X)^-1 of the first k columns
    rss: float
    df_resid: int
    scale: float  # rss / df_resid


@dataclass(frozen=True)
class NestedOLS:
    """Fits of nested column prefixes of one design, from one QR decomposition.

    ``q`` and ``r`` are the thin QR factors of the full design, ``qty`` is ``Q'y``;
    ``tss`` the total sum of squares about the mean (the design must hold an intercept
    in column 0 for the centred R2 to mean what it says).
    """

    n: int
    q: FloatArray
    r: FloatArray
    qty: FloatArray
    y: FloatArray
    tss: float
    steps: tuple[OLSStep, ...]

    def fitted(self, k: int) -> FloatArray:
        """Fitted values of the step with the first ``k`` columns."""
        return np.asarray(self.q[:, :k] @ self.qty[:k], dtype=np.float64)

    def residuals(self, k: int) -> FloatArray:
        """Residuals of the step with the first ``k`` columns."""
        return np.asarray(self.y - self.fitted(k), dtype=np.float64)

    def leverage(self, k: int) -> FloatArray:
        """Diagonal of the hat matrix of the first ``k`` columns."""
        qk = self.q[:, :k]
        return np.asarray(np.einsum("ij,ij->i", qk, qk), dtype=np.float64)

    def hc3_cov(self, k: int) -> FloatArray:
        """HC3 (MacKinnon & White 1985) covariance of the first-``k``-columns fit.

        ``R^-1 Q' diag(e^2 / (1 - h)^2) Q R^-T``, the sandwich written on the QR factors.
        """
        qk = self.q[:, :k]
        e = self.residuals(k)
        h = np.einsum("ij,ij->i", qk, qk)
        omega = (e / (1.0 - h)) ** 2
        meat = qk.T @ (qk * omega[:, None])
        r_inv = np.linalg.inv(self.r[:k, :k])
        return np.asarray(r_inv @ meat @ r_inv.T, dtype=np.float64)


def nested_ols(x: FloatArray, y: FloatArray, ks: Sequence[int]) -> NestedOLS:
    """Least squares of ``y`` on the first ``k`` columns of ``x`` for each ``k`` in ``ks``.

    One thin QR of the full design serves every step: the coefficients of a prefix are
    ``R[:k, :k]^-1 (Q'y)[:k]`` and its residual sum of squares is
    ``y'y - ||(Q'y)[:k]||^2``.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        The design, intercept in column 0, columns ordered as the steps add them.
    y : ndarray, shape (n,)
        The response.
    ks : sequence of int
        The number of leading columns of each step, increasing.

    Returns
    -------
    NestedOLS

    Raises
    ------
    ModelError
        When the design is rank deficient (a column is a linear combination of the ones
        before it) or there are no residual degrees of freedom.

    Examples
    --------
    >>> x = np.column_stack([np.ones(5), [1.0, 2, 3, 4, 5], [2.0, 1, 4, 3, 6]])
    >>> fit = nested_ols(x, np.array([1.0, 3, 2, 5, 4]), [2, 3])
    >>> [round(float(b), 6) for b in fit.steps[0].params]
    [0.6, 0.8]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, p = x.shape
    if y.shape != (n,):
        raise ModelError(f"response has shape {y.shape}, expected ({n},)")
    if list(ks) != sorted(set(ks)) or not ks or ks[-1] > p or ks[0] < 1:
        raise ModelError(f"step sizes {list(ks)} must increase within 1..{p}")
    q, r = np.linalg.qr(x, mode="reduced")
    diag = np.abs(np.diag(r))
    scale_cols = np.sqrt(np.einsum("ij,ij->j", x, x))
    for j in range(p):
        if diag[j] <= 1e-10 * max(scale_cols[j], 1.0):
            raise ModelError(
                f"design column {j} is constant or a linear combination of the columns "
                "before it (rank deficient design)"
            )
    qty = q.T @ y
    yty = float(y @ y)
    tss = float(np.sum((y - y.mean()) ** 2))
    steps = []
    for k in ks:
        df_resid = n - k
        if df_resid <= 0:
            raise ModelError(f"{n} observations leave no residual degrees of freedom for {k}")
        r_inv = np.linalg.inv(r[:k, :k])
        params = r_inv @ qty[:k]
        rss = max(yty - float(qty[:k] @ qty[:k]), 0.0)
        if rss < 1e-9 * max(tss, 1e-300):
            # Cancellation makes the shortcut inaccurate for near-perfect fits.
            resid = y - x[:, :k] @ params
            rss = float(resid @ resid)
        steps.append(
            OLSStep(
                k=k,
                params=params,
                cov_unscaled=r_inv @ r_inv.T,
                rss=rss,
                df_resid=df_resid,
                scale=rss / df_resid,
            )
        )
    return NestedOLS(n=n, q=q, r=r, qty=qty, y=y, tss=tss, steps=tuple(steps))


def arm_labels(frame: pd.DataFrame) -> dict[int, str]:
    """The user's label of arm 0 and arm 1 (``arm_label`` column), else ``"arm 0"``/``"arm 1"``."""
    labels = {0: "arm 0", 1: "arm 1"}
    if "arm_label" in frame.columns:
        arm = frame["arm"].to_numpy()
        label = frame["arm_label"].to_numpy(dtype=object)
        for code in (0, 1):
            positions = np.flatnonzero(arm == code)
            # The first non-missing label of the arm (usually the first row).
            for position in positions:
                value = label[position]
                if value is not None and not (isinstance(value, float) and math.isnan(value)):
                    labels[code] = str(value)
                    break
    return labels


def check_arm(frame: pd.DataFrame) -> None:
    """Raise :class:`ModelError` unless ``arm`` holds only 0 and 1 (NaN not allowed)."""
    arm = frame["arm"]
    ok = arm.isin([0, 1])
    if not bool(ok.all()):
        position = int(np.flatnonzero(~ok.to_numpy())[0])
        row = (
            frame["participant_id"].iloc[position]
            if "participant_id" in frame.columns
            else frame.index[position]
        )
        value = arm.iloc[position]
        if isinstance(value, np.generic):
            value = value.item()
        raise ModelError(
            f"row {row!r}, column 'arm': value {value!r} is not 0 (reference) or 1 (comparison)",
            column="arm",
            row=row,
            value=value,
        )


def check_numeric(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise :class:`ModelError` for a non-numeric column or an infinite value."""
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise ModelError(
                f"column {column!r} has dtype {values.dtype}, expected numbers",
                column=column,
            )
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isinf(array)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            row = (
                frame["participant_id"].iloc[position]
                if "participant_id" in frame.columns
                else frame.index[position]
            )
            value = float(array[position])
            raise ModelError(
                f"row {row!r}, column {column!r}: value {value!r} is not finite",
                column=column,
                row=row,
                value=value,
            )


def missing_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The names in ``columns`` that ``frame`` lacks or holds only missing values in."""
    return [c for c in columns if c not in frame.columns or not frame[c].notna().any()]
