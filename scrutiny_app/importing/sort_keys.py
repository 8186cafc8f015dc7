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


@dataclass
class _Column:
    codes: dict[Any, int] = field(default_factory=dict)  # value -> its number in this batch
    chunks: list[np.ndarray] = field(default_factory=list)  # per row, the value's number


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
            column = self._columns[key] = _Column()
            if self.rows:  # the column is new in this chunk: earlier rows had no value
                column.chunks.append(np.full(self.rows, _code(column, None), dtype=np.int64))
        if is_json:
            self._json.add(key)
        lookup = np.fromiter(
            (_code(column, u) for u in uniques.tolist()), dtype=np.int64, count=len(uniques)
        )
        column.chunks.append(lookup[codes] if len(codes) else np.zeros(0, dtype=np.int64))

    def end_chunk(self, rows: int) -> None:
        """Close a chunk of ``rows`` rows; columns it did not have get NULL for them."""
        for column in self._columns.values():
            have = sum(len(c) for c in column.chunks)
            if have < self.rows + rows:
                column.chunks.append(
                    np.full(self.rows + rows - have, _code(column, None), dtype=np.int64)
                )
        self.rows += rows

    def finish(self) -> dict[str, Ranks]:
        out = {}
        for key, column in self._columns.items():
            values = list(column.codes)
            order = sorted(range(len(values)), key=_sql_order(values, key in self._json))
            rank_of = np.empty(len(values), dtype=np.int64)
            rank, previous = -1, object()
            sort_key = _sql_order(values, key in self._json)
            for i in order:
                k = sort_key(i)
                if k != previous:
                    rank, previous = rank + 1, k
                rank_of[i] = rank
            per_row = rank_of[np.concatenate(column.chunks)] if column.chunks else rank_of[:0]
            dtype = "u1" if rank < 1 << 8 else "u2" if rank < 1 << 16 else "u4"
            out[key] = Ranks(dtype, per_row.astype(dtype).tobytes())
        return out


def _code(column: _Column, value: Any) -> int:
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
        return (2, 0.0, v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))

    return from_json if is_json else plain
