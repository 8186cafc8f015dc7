"""A case list that stays fast with a million cases: sort and filter in SQL, rows on demand.

Like Anki's browser: a query returns only the ordered case ids (one integer per case, sorted
and filtered by SQLite), and the table fetches the rows it is about to show by id, a page at a
time. Scrolling to the end is then one small query, whatever the size of the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Integer, Numeric, String, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from scrutiny_app.services import population
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import BatchSortRanks, Case

# column key -> (heading, SQL expression)
COLUMNS: dict[str, tuple[str, Any]] = {
    "reference": ("Reference", Case.reference),
    "occurred_at": ("Date", Case.occurred_at),
    "area": ("Area", Case.area),
    "age_band": ("Age band", Case.age_band),
    "gender": ("Gender", Case.gender),
    "ethnicity_group": ("Ethnicity (group)", Case.ethnicity_group),
    "self_defined_ethnicity": ("Self-defined ethnicity", Case.self_defined_ethnicity),
    "officer_defined_ethnicity": ("Officer-defined ethnicity", Case.officer_defined_ethnicity),
}
PAGE = 200


@dataclass(frozen=True)
class CaseListRow:
    id: int
    reference: str
    occurred_at: dt.datetime | None
    area: str
    age_band: str
    gender: str
    ethnicity_group: str
    self_defined_ethnicity: str
    officer_defined_ethnicity: str
    fields: dict[str, Any]

    def value(self, key: str) -> Any:
        if key in COLUMNS:
            return getattr(self, key)
        return self.fields.get(key)


@dataclass(frozen=True)
class CaseListQuery:
    """Which cases, in which order. ``sort`` is a COLUMNS key or a template field key."""

    meeting_id: int | None = None  # the meeting's imported population
    panel_id: int | None = None  # or every case of a panel
    sort: str = ""  # "" = the file order
    descending: bool = False
    text: str = ""  # matches the reference, area or any field value (case-insensitive)
    where: tuple[tuple[str, str], ...] = ()  # (column or field, value) pairs, all must hold


def _expr(key: str) -> Any:
    """The value to filter by: a column, or a field's value as text."""
    return COLUMNS[key][1] if key in COLUMNS else Case.fields[key].as_string()


def _sort_exprs(key: str, dialect: str) -> list[Any]:
    """What to sort by, in SQLite's own order (NULL first, then numbers as numbers, then text
    by code point): the order the ranks stored at import follow (importing.sort_keys).

    PostgreSQL gets the same order spelled out: text compared with the "C" collation (by
    bytes, which for UTF-8 is by code point) whatever the server's locale, and a field's
    JSON value split into (kind, number, text).
    """
    if dialect != "postgresql":
        if key in COLUMNS:
            return [COLUMNS[key][1]]
        if '"' in key:
            return [Case.fields[key].as_string()]  # not addressable as a JSON path label
        return [func.json_extract(Case.fields, f'$."{key}"')]
    if key in COLUMNS:
        column = COLUMNS[key][1]
        return [column.collate("C")] if isinstance(column.type, String) else [column]
    value = cast(Case.fields, JSONB)[key]
    kind = func.jsonb_typeof(value)
    number = case((kind == "number", value.as_string().cast(Numeric)), else_=None)
    truth = case((kind == "boolean", value.as_boolean().cast(Integer)), else_=None)
    text = case((kind.in_(("string", "object", "array")), value.as_string()), else_=None)
    rank = case(
        (or_(kind.is_(None), kind == "null"), 0),
        (kind.in_(("number", "boolean")), 1),
        else_=2,
    )
    return [rank, func.coalesce(number, truth), text.collate("C")]


def rank_key(key: str) -> str:
    """The name a sort column's ranks are stored under (see BatchSortRanks)."""
    return key if key in COLUMNS else f"field:{key}"


def case_ids(db: Database, query: CaseListQuery) -> list[int]:
    """The ids of the matching cases, in order: one SQL query, integers only."""
    stmt = select(Case.id)
    if query.meeting_id is not None:
        with db.session() as s:
            stmt = stmt.where(population.condition(s, query.meeting_id))
    if query.panel_id is not None:
        stmt = stmt.where(Case.panel_id == query.panel_id)
    for key, value in query.where:
        stmt = stmt.where(_expr(key) == value)
    if query.text.strip():
        like = f"%{query.text.strip()}%"
        stmt = stmt.where(
            or_(
                Case.reference.ilike(like),
                Case.area.ilike(like),
                cast(Case.fields, String).ilike(like),
            )
        )
    if query.sort:
        ranked = _ranked_ids(db, query)
        if ranked is not None:
            return ranked
        orders = _sort_exprs(query.sort, db.engine.dialect.name)
        if db.on_server:  # SQLite's NULLs: first going up, last going down
            stmt = stmt.order_by(
                *(
                    o.desc().nulls_last() if query.descending else o.asc().nulls_first()
                    for o in orders
                )
            )
        else:
            stmt = stmt.order_by(*(o.desc() if query.descending else o.asc() for o in orders))
        stmt = stmt.order_by(Case.id)
    else:
        stmt = stmt.order_by(Case.id.desc() if query.descending else Case.id)
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(stmt)]


def stored_ranks(s: Session, meeting_id: int, key: str) -> tuple[int, np.ndarray] | None:
    """(first case id, rank per case) stored at import under ``key`` (see BatchSortRanks),
    when the meeting's population is one batch that has them; else None."""
    batches = population.linked_batches(s, meeting_id)
    if len(batches) != 1 or population.has_members(s, meeting_id):
        return None
    found = s.get(BatchSortRanks, (batches[0].id, key))
    if found is None:
        return None
    ranks = np.frombuffer(found.ranks, dtype=found.dtype)
    return (found.first_case_id, ranks) if len(ranks) == found.rows else None


def _ranked_ids(db: Database, query: CaseListQuery) -> list[int] | None:
    """The sorted ids from the ranks stored at import, or None when SQL has to sort.

    For a meeting whose population is one imported batch with ranks for the sort key: a
    stable argsort of the ranks (ties in id order, as ``ORDER BY key, id``), then the filter's
    matches (from SQL) kept in that order.
    """
    if query.meeting_id is None:
        return None
    with db.session() as s:
        found = stored_ranks(s, query.meeting_id, rank_key(query.sort))
    if found is None:
        return None
    first, ranks = found[0], found[1].astype(np.int64)
    order = np.argsort(-ranks if query.descending else ranks, kind="stable")
    if query.text.strip() or query.where or query.panel_id is not None:
        unsorted = CaseListQuery(**{**query.__dict__, "sort": "", "descending": False})
        keep = np.zeros(len(ranks), dtype=bool)
        matches = np.asarray(case_ids(db, unsorted), dtype=np.int64) - first
        keep[matches[(matches >= 0) & (matches < len(ranks))]] = True
        order = order[keep[order]]
    return (order + first).tolist()


def rows_by_id(db: Database, ids: Sequence[int]) -> dict[int, CaseListRow]:
    """The rows for these ids (any order); a page at a time."""
    out: dict[int, CaseListRow] = {}
    with db.session() as s:
        for start in range(0, len(ids), 900):
            part = list(ids[start : start + 900])
            for c in s.scalars(select(Case).where(Case.id.in_(part))):
                out[c.id] = _row(c)
    return out


def _segments(db: Database, meeting_id: int) -> list[tuple[int, int]] | None:
    """(batch id, rows) in file order, when every batch holds rows 1..n without gaps."""
    with db.session() as s:
        batches = population.linked_batches(s, meeting_id)
    if any(b.rows_imported != b.rows_read for b in batches):
        return None
    return [(b.id, b.rows_imported) for b in batches]


def _row(c: Case) -> CaseListRow:
    return CaseListRow(
        c.id,
        c.reference,
        c.occurred_at,
        c.area,
        c.age_band,
        c.gender,
        c.ethnicity_group,
        c.self_defined_ethnicity,
        c.officer_defined_ethnicity,
        dict(c.fields),
    )


class CaseList:
    """An ordered list of cases with a page cache: what a table model needs.

    In file order (no sort, no filter) a row number maps straight to (batch, row): nothing is
    read up front. Sorted or filtered, the ordered ids come from one SQL query.
    """

    def __init__(self, db: Database, query: CaseListQuery) -> None:
        self.db = db
        self._cache: dict[int, CaseListRow] = {}
        self._set(query)

    def _set(self, query: CaseListQuery) -> None:
        self.query = query
        self._cache.clear()
        plain = not (query.sort or query.text.strip() or query.where or query.descending)
        segments = _segments(self.db, query.meeting_id) if plain and query.meeting_id else None
        self.segments = segments
        self.ids: list[int] | None = None if segments is not None else case_ids(self.db, query)
        self._count = sum(n for _, n in segments) if segments is not None else len(self.ids or [])

    def __len__(self) -> int:
        return self._count

    def row(self, index: int) -> CaseListRow:
        if not 0 <= index < self._count:
            raise IndexError(index)
        found = self._cache.get(index)
        if found is None:
            if len(self._cache) > 20 * PAGE:
                self._cache.clear()
            start = max(0, index - PAGE // 4)
            self._cache.update(self._page(start, min(self._count, start + PAGE)))
            found = self._cache[index]
        return found

    def _page(self, start: int, stop: int) -> dict[int, CaseListRow]:
        if self.ids is not None:
            by_id = rows_by_id(self.db, self.ids[start:stop])
            return {i: by_id[self.ids[i]] for i in range(start, stop)}
        out: dict[int, CaseListRow] = {}
        offset = 0
        with self.db.session() as s:
            for batch_id, n in self.segments or []:
                lo, hi = max(start, offset), min(stop, offset + n)
                if lo < hi:
                    found = s.scalars(
                        select(Case).where(
                            Case.import_batch_id == batch_id,
                            Case.source_row.between(lo - offset + 1, hi - offset),
                        )
                    )
                    for c in found:
                        out[offset + (c.source_row or 0) - 1] = _row(c)
                offset += n
        return out

    def resort(self, sort: str, descending: bool = False) -> None:
        self._set(CaseListQuery(**{**self.query.__dict__, "sort": sort, "descending": descending}))

    def refilter(self, text: str) -> None:
        self._set(CaseListQuery(**{**self.query.__dict__, "text": text}))
