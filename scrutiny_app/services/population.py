"""A meeting's population (the eligible cases it was given) and the figures about it.

The population is the cases of the files linked to the meeting (``meeting_batches``: every
import links its file; importing the same file for another meeting links it again) and the
cases such a file held that were already held from an earlier file (``batch_members``: a
cumulative extract). No case is stored twice.

One query per figure, used by the report's tables and by any text that quotes them (the
demo's narrative, say), so a number in a sentence always equals the table beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from scrutiny_app.domain.when import calendar_date
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import BatchMember, Case, ImportBatch, MeetingBatch

# Case columns a breakdown may use (anything else is a template field).
_COLUMNS = {
    "area": Case.area,
    "age_band": Case.age_band,
    "gender": Case.gender,
    "self_defined_ethnicity": Case.self_defined_ethnicity,
    "officer_defined_ethnicity": Case.officer_defined_ethnicity,
    "ethnicity_group": Case.ethnicity_group,
}


def batch_ids(meeting_id: int) -> Any:
    """The ids of the files linked to the meeting, as a subquery."""
    return select(MeetingBatch.import_batch_id).where(MeetingBatch.meeting_id == meeting_id)


def linked_batches(s: Session, meeting_id: int) -> list[ImportBatch]:
    """The meeting's files, in the population's order (by SHA-256)."""
    return list(
        s.scalars(
            select(ImportBatch)
            .where(ImportBatch.id.in_(batch_ids(meeting_id)))
            .order_by(ImportBatch.sha256, ImportBatch.id)
        )
    )


@dataclass(frozen=True)
class Tidied:
    """A value the value maps changed as a file was imported (see importing.values)."""

    file: str
    column: str
    raw: str
    stored: str
    rows: int


def tidied(s: Session, meeting_id: int) -> list[Tidied]:
    """What the value maps changed in the meeting's files, file by file."""
    out: list[Tidied] = []
    for batch in linked_batches(s, meeting_id):
        for column, changes in sorted((batch.value_maps or {}).items()):
            for raw, (stored, rows) in sorted(changes.items()):
                out.append(Tidied(batch.file_name, column, raw, stored, int(rows)))
    return out


def has_members(s: Session, meeting_id: int) -> bool:
    """Whether a file of the meeting holds cases already held from another file."""
    return bool(
        s.scalar(select(exists().where(BatchMember.import_batch_id.in_(batch_ids(meeting_id)))))
    )


def condition(s: Session, meeting_id: int) -> Any:
    """A WHERE clause on ``Case`` for the meeting's population (the cheaper form when no file
    of the meeting holds members, which keeps the batch index in use)."""
    own = Case.import_batch_id.in_(batch_ids(meeting_id))
    if not has_members(s, meeting_id):
        return own
    members = select(BatchMember.case_id).where(
        BatchMember.import_batch_id.in_(batch_ids(meeting_id))
    )
    return or_(own, Case.id.in_(members))


def size(s: Session, meeting_id: int) -> int:
    return s.scalar(select(func.count(Case.id)).where(condition(s, meeting_id))) or 0


@dataclass(frozen=True)
class Breakdown:
    key: str
    total: int
    categories: tuple[tuple[str, int], ...]  # most common first; "" = not recorded

    def count(self, value: str) -> int:
        return next((n for v, n in self.categories if v == value), 0)


def breakdown(s: Session, meeting_id: int, key: str) -> Breakdown:
    """How many of the meeting's population have each value of ``key`` (a case column such
    as ``gender``, or a template field such as ``disposal_type``)."""
    value = _COLUMNS[key] if key in _COLUMNS else Case.fields[key].as_string()
    counted = s.execute(
        select(value, func.count()).where(condition(s, meeting_id)).group_by(value)
    ).all()
    cats = tuple(sorted(((v or "", n) for v, n in counted), key=lambda vn: (-vn[1], vn[0])))
    return Breakdown(key, sum(n for _, n in cats), cats)


def meeting_breakdown(db: Database, meeting_id: int, key: str) -> Breakdown:
    with db.session() as s:
        return breakdown(s, meeting_id, key)


@dataclass(frozen=True)
class Period:
    """When the population's cases happened: the whole span, and the months it is made of
    (several files of separate months are named month by month, not as one long span)."""

    first: dt.date | None
    last: dt.date | None
    spans: tuple[tuple[dt.date, dt.date], ...]  # contiguous runs of months, first day..last day

    def text(self, long_date: Any) -> str:
        if self.first is None or self.last is None:
            return ""
        if len(self.spans) <= 1:
            return f"{long_date(self.first)} to {long_date(self.last)}"
        parts = []
        for a, b in self.spans:
            if (a.year, a.month) == (b.year, b.month):
                parts.append(f"{a:%B %Y}")
            else:
                parts.append(f"{a:%B %Y} to {b:%B %Y}")
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def period(s: Session, meeting_id: int) -> Period:
    """The population's period, from each imported file's first and last case."""
    found = s.execute(
        select(func.min(Case.occurred_at), func.max(Case.occurred_at))
        .where(condition(s, meeting_id), Case.occurred_at.is_not(None))
        .group_by(Case.import_batch_id)
    ).all()
    rows = [(a, b) for a, b in found if a is not None and b is not None]  # no NULLs: filtered
    if not rows:
        return Period(None, None, ())
    months: list[tuple[int, int]] = sorted(
        (_month_index(calendar_date(a)), _month_index(calendar_date(b))) for a, b in rows
    )
    merged: list[list[int]] = []
    for a, b in months:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    spans = tuple(
        (dt.date(a // 12, a % 12 + 1, 1), _last_day(b // 12, b % 12 + 1)) for a, b in merged
    )
    first = min(calendar_date(a) for a, _ in rows)
    last = max(calendar_date(b) for _, b in rows)
    return Period(first, last, spans)


def _last_day(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
