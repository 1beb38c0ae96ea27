"""Read a data frame from an installed R package's lazy-load database, without R.

Just enough of R's serialization format (XDR, versions 2 and 3) to read the data sets that
R packages ship in ``data/Rdata.rdb`` / ``Rdata.rdx`` (e.g. ``psych::bfi``): vectors,
pairlists, symbols, attributes, references and the compact integer sequences of ALTREP.
Test-time only, so GPL data such as bfi is read where R installed it and never copied.
Written from the format's description in R Internals, section 1.8 ("Serialization
formats"); no R code is used.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NA_INTEGER = -(2**31)


class _Symbol(str):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.refs: list[Any] = []

    def int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.at)
        self.at += 4
        return int(value)

    def ints(self, n: int) -> np.ndarray:
        values = np.frombuffer(self.data, ">i4", n, self.at).astype(np.int64)
        self.at += 4 * n
        return values

    def doubles(self, n: int) -> np.ndarray:
        values = np.frombuffer(self.data, ">f8", n, self.at).astype(float)
        self.at += 8 * n
        return values

    def length(self) -> int:
        n = self.int()
        if n == -1:
            upper, lower = self.int(), self.int()
            n = (upper << 32) + lower
        return n

    def header(self) -> None:
        if self.data[:2] != b"X\n":
            raise ValueError("not an XDR serialization")
        self.at = 2
        version = self.int()
        self.int()
        self.int()
        if version == 3:
            size = self.int()  # native encoding name
            self.at += size

    def item(self) -> Any:
        flags = self.int()
        kind = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if kind == 254:  # NILVALUE
            return None
        if kind in (242, 241, 253, 250, 251, 252):  # environments and markers
            return None
        if kind == 255:  # REFSXP
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind == 1:  # SYMSXP
            symbol = _Symbol(self.item())
            self.refs.append(symbol)
            return symbol
        if kind in (2, 6, 239, 240):  # pairlist / language
            attributes = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            head = self.item()
            tail = self.item()
            del attributes
            pairs = [(tag, head)]
            if isinstance(tail, list) and all(isinstance(p, tuple) for p in tail):
                pairs += tail
            return pairs
        if kind == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            text = self.data[self.at : self.at + n].decode("utf-8", "replace")
            self.at += n
            return text
        if kind == 238:  # ALTREP
            info = self.item()
            state = self.item()
            attributes = self.item()
            class_name = info[0][1] if info else ""
            if class_name in ("compact_intseq", "compact_realseq"):
                n, start, step = (float(v) for v in state)
                values: Any = start + step * np.arange(int(n))
            elif isinstance(state, list) and state and isinstance(state[0], tuple):
                values = state[0][1]
            elif isinstance(state, list):
                values = state[0]
            else:
                values = state
            return self._attach(values, attributes)
        if kind in (10, 13):  # logical, integer
            values = self.ints(self.length()).astype(float)
            values[values == NA_INTEGER] = np.nan
        elif kind == 14:  # double
            values = self.doubles(self.length())
        elif kind == 16 or kind in (19, 20):  # character
            values = [self.item() for _ in range(self.length())]
        else:
            raise ValueError(f"R type {kind} is not supported by this reader")
        attributes = self.item() if has_attr else None
        return self._attach(values, attributes)

    @staticmethod
    def _attach(values: Any, attributes: Any) -> Any:
        if not attributes:
            return values
        return {"values": values, "attributes": {str(t): v for t, v in attributes}}


def _unserialize(data: bytes) -> Any:
    reader = _Reader(data)
    reader.header()
    return reader.item()


def _plain(obj: Any) -> Any:
    return obj["values"] if isinstance(obj, dict) and "values" in obj else obj


def read_dataset(package_dir: Path, name: str) -> pd.DataFrame:
    """The data frame ``name`` of the R package installed at ``package_dir``."""
    index = _unserialize(gzip.decompress((package_dir / "data" / "Rdata.rdx").read_bytes()))
    fields = {str(t): v for t, v in zip(index["attributes"]["names"], _plain(index), strict=True)}
    variables = fields["variables"]
    names = [str(n) for n in variables["attributes"]["names"]]
    offset, size = (int(v) for v in _plain(variables)[names.index(name)])
    blob = (package_dir / "data" / "Rdata.rdb").read_bytes()[offset : offset + size]
    kind = blob[4:5]
    if kind == b"Z":
        data = zlib.decompress(blob[5:])
    elif kind == b"2":
        data = bz2.decompress(blob[5:])
    elif kind == b"X":
        data = lzma.decompress(blob[5:])
    elif kind == b"0":
        data = blob[5:]
    else:
        data = zlib.decompress(blob[4:])
    frame = _unserialize(data)
    columns = [str(c) for c in frame["attributes"]["names"]]
    return pd.DataFrame(
        {
            c: np.asarray(_plain(v), dtype=float)
            for c, v in zip(columns, frame["values"], strict=True)
        }
    )
