"""Sort orders of an imported batch, worked out while it is imported.

Sorting a million cases by a template field in SQLite means a ``json_extract`` per row and a
sort: about 2.5 s. Imported cases never change, so the import records, for each column the
case list can sort by, the rank of every row's value in SQLite's own order (NULL first, then
numbers by value, then text by its bytes, as ``ORDER BY`` does). Sorting is then a stable
``argsort`` of the ranks: a few tens of milliseconds, with ties in id order like
``ORDER BY key, id``.

Ranks are kept in the smallest unsigned type that holds them (most columns have a handful of
distinct values, so a million rows take 1 MB).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

NULL_NUMBER = np.iinfo(np.int64).min  # NumPy's NaT: sorts before every time, as NULL does


@dataclass
class _Column:
    """Per row, the value's number in ``codes`` (int32); or, for a column of (nearly) all
    different text values such as dates and references, the values themselves (``raw``)."""

    raw: bool = False
    numeric: bool = False  # integer values (times as microseconds), NULL_NUMBER for NULL
    codes: dict[Any, int] = field(default_factory=dict)  # value -> its number in this batch
    chunks: list[np.ndarray] = field(default_factory=list)


@dataclass(frozen=True)
class Ranks:
    """One column's ranks: ``data`` holds one unsigned integer per case, in case id order."""

    dtype: str
    data: bytes

    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=self.dtype)


class SortKeyBuilder:
    """Collects each column's values chunk by chunk; :meth:`finish` ranks them."""

    def __init__(self) -> None:
        self._columns: dict[str, _Column] = {}
        self._json: set[str] = set()  # columns whose values are JSON texts
        self.rows = 0

    def add(self, key: str, uniques: np.ndarray, codes: np.ndarray, *, is_json: bool) -> None:
        """One chunk of a column: its distinct values and each row's code into them."""
        column = self._columns.get(key)
        if column is None:
            raw = not is_json and len(codes) >= 1000 and len(uniques) > len(codes) // 2
            column = self._columns[key] = _Column(raw=raw, numeric=uniques.dtype.kind in "iu")
            if self.rows:  # the column is new in this chunk: earlier rows had no value
                column.chunks.append(self._nulls(column, self.rows))
        if is_json:
            self._json.add(key)
        if column.raw:
            values = uniques[codes]
            if values.dtype == object:
                values[pd.isna(values)] = None
            column.chunks.append(values)
            return
        lookup = np.fromiter(
            (_code(column, u) for u in uniques.tolist()), dtype=np.int32, count=len(uniques)
        )
        column.chunks.append(lookup[codes] if len(codes) else np.zeros(0, dtype=np.int32))

    def end_chunk(self, rows: int) -> None:
        """Close a chunk of ``rows`` rows; columns it did not have get NULL for them."""
        for column in self._columns.values():
            have = sum(len(c) for c in column.chunks)
            if have < self.rows + rows:
                column.chunks.append(self._nulls(column, self.rows + rows - have))
        self.rows += rows

    @staticmethod
    def _nulls(column: _Column, n: int) -> np.ndarray:
        if column.raw and column.numeric:
            return np.full(n, NULL_NUMBER, dtype=np.int64)
        if column.raw:
            return np.full(n, None, dtype=object)
        return np.full(n, _code(column, None), dtype=np.int32)

    def finish(self) -> dict[str, Ranks]:
        out = {}
        for key, column in self._columns.items():
            if column.raw:
                values = np.concatenate(column.chunks)
                if values.dtype == object:
                    per_row = _text_ranks(values)
                else:  # numbers (times as integers, NULL as the smallest): NumPy ranks them
                    per_row = np.unique(values, return_inverse=True)[1].reshape(-1)
                top = int(per_row.max()) if len(per_row) else 0
            else:
                rank_of = _dense_ranks(list(column.codes), key in self._json)
                per_row = rank_of[np.concatenate(column.chunks)] if column.chunks else rank_of
                top = int(rank_of.max()) if len(rank_of) else 0
            column.chunks.clear()
            dtype = "u1" if top < 1 << 8 else "u2" if top < 1 << 16 else "u4"
            out[key] = Ranks(dtype, per_row.astype(dtype).tobytes())
        return out


def _dense_ranks(values: list[Any], is_json: bool) -> np.ndarray:
    """Each (distinct) value's rank in SQLite's order; values that sort equal share a rank."""
    if not is_json and all(v is None or type(v) is str for v in values):
        as_array = np.empty(len(values), dtype=object)
        as_array[:] = values
        return _text_ranks(as_array)
    sort_key = _sql_order(values, is_json)
    keys = [sort_key(i) for i in range(len(values))]
    ranks = np.empty(len(values), dtype=np.int64)
    rank, previous = -1, None
    for i in sorted(range(len(values)), key=keys.__getitem__):
        if keys[i] != previous:
            rank, previous = rank + 1, keys[i]
        ranks[i] = rank
    return ranks


def _text_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks of text values (None first). Python orders str by code point, as SQLite's BINARY
    collation orders their UTF-8 bytes."""
    filled = np.not_equal(values, None)  # type: ignore[call-overload]  # numpy's stubs: None is valid
    texts = values[filled].tolist()
    distinct = sorted(set(texts))
    offset = 1 if len(texts) < len(values) else 0
    rank = {v: i + offset for i, v in enumerate(distinct)}
    ranks = np.zeros(len(values), dtype=np.int64)
    ranks[filled] = np.fromiter(map(rank.__getitem__, texts), dtype=np.int64, count=len(texts))
    return ranks


def _code(column: _Column, value: Any) -> int:
    if value != value:  # NaN (pandas' missing value) is NULL like None
        value = None
    return column.codes.setdefault(value, len(column.codes))


def _sql_order(values: list[Any], is_json: bool) -> Callable[[int], tuple]:
    """SQLite's ORDER BY for these values: NULL < numbers < text (by bytes = by code point)."""

    def plain(i: int) -> tuple:
        v = values[i]
        if v is None:
            return (0, 0.0, "")
        if isinstance(v, bool | int | float):
            return (1, float(v), "")
        return (2, 0.0, str(v))

    def from_json(i: int) -> tuple:
        text = values[i]
        if text is None:
            return (0, 0.0, "")
        v = json.loads(text)
        if v is None:
            return (0, 0.0, "")
        if isinstance(v, bool | int | float):
            return (1, float(v), "")
        if isinstance(v, str):  # SQLite's json_extract ends a string at a NUL (\u0000)
            return (2, 0.0, v.split("\x00", 1)[0])
        return (2, 0.0, json.dumps(v, separators=(",", ":")))

    return from_json if is_json else plain
