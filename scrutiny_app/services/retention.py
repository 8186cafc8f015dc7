"""Storage limitation: case-level data is kept only for a panel's retention period after a
meeting's report is published, then removed; the meeting's figures stay. No Qt.

A meeting is due when its ``published_on`` plus its panel's ``retention_months`` has passed.
Applying the policy to it keeps, in ``meeting_archives``, its figures (outcome counts,
criteria tallies, the population's size and breakdowns) and the published report as it was
(``report.archive``); the meeting itself, its theme, attendance, sample (method statement),
recommendations and their history stay. It removes the agenda (each case's panel decision,
the members' views and notes, declarations, tags, drafts, publication decisions on that text),
the members' packs, and every case record that no meeting still kept needs (in its population
or on its agenda). Then ``VACUUM`` so the bytes are gone from the file. Audited.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit, criteria
from scrutiny_app.services.cases import meeting_cases
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    BatchMember,
    BatchSortRanks,
    Case,
    ImportBatch,
    Meeting,
    MeetingArchive,
    MeetingBatch,
    MeetingCase,
    MemberAssessment,
    MemberPack,
    Panel,
    PanelJudgement,
    PublicationDecision,
)

BREAKDOWNS = ("ethnicity_group", "age_band", "gender")
# Report sections made of each case's own text: the kept report says they were removed.
CASE_LEVEL_SECTIONS = ("findings",)
COLLECTED_SECTIONS = ("good_practice",)  # bullets collected from the cases' decisions
CHUNK = 5000


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DueMeeting:
    meeting_id: int
    panel: str
    date: dt.date
    theme: str
    published_on: dt.date
    due_on: dt.date
    agenda_cases: int  # cases on its agenda (each with its decision)
    case_records: int  # case records no other kept meeting needs: removed with their fields
    field_values: int  # the values those records hold
    views: int  # members' own views
    notes: int  # texts typed about the cases: views' notes and the panel's decisions

    def line(self) -> str:
        return (
            f"{self.panel}, {self.date:%d %b %Y} ({self.theme or 'no theme'}): published "
            f"{self.published_on:%d %b %Y}, due {self.due_on:%d %b %Y}: {self.case_records:,} "
            f"case records ({self.field_values:,} values), {self.agenda_cases} agenda cases, "
            f"{self.views} members' views, {self.notes} notes"
        )


def _meetings_kept(s: Session, removing: set[int]) -> list[int]:
    return [
        m
        for m in s.scalars(select(Meeting.id).where(Meeting.case_data_removed_at.is_(None)))
        if m not in removing
    ]


def _cases_of(s: Session, meeting_ids: Iterable[int]) -> set[int]:
    """Case ids in these meetings' populations or on their agendas."""
    ids = list(meeting_ids)
    batches = select(MeetingBatch.import_batch_id).where(MeetingBatch.meeting_id.in_(ids))
    members = select(BatchMember.case_id).where(BatchMember.import_batch_id.in_(batches))
    agenda = select(MeetingCase.case_id).where(MeetingCase.meeting_id.in_(ids))
    query = select(Case.id).where(
        or_(Case.import_batch_id.in_(batches), Case.id.in_(members), Case.id.in_(agenda))
    )
    return set(s.scalars(query))


def _removable_cases(s: Session, meeting_ids: set[int]) -> list[int]:
    """Case ids on these meetings' agendas or in their populations that no other meeting
    still keeping its case data needs."""
    candidates = _cases_of(s, meeting_ids)
    kept = _meetings_kept(s, meeting_ids)
    if not candidates or not kept:
        return sorted(candidates)
    return sorted(candidates - _cases_of(s, kept))


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _field_values(s: Session, ids: Sequence[int]) -> int:
    total = 0
    for chunk in _chunks(ids):
        for fields in s.scalars(select(Case.fields).where(Case.id.in_(chunk))):
            total += len(fields or {}) + 6  # reference, date, area, age, gender, ethnicity
    return total


def due_meetings(db: Database, as_of: dt.date | None = None) -> list[DueMeeting]:
    """The meetings whose case-level data is past its panel's retention period on ``as_of``."""
    as_of = as_of or dt.date.today()
    out = []
    with db.session() as s:
        rows = s.execute(
            select(Meeting, Panel.name, Panel.retention_months)
            .join(Panel)
            .where(Meeting.published_on.is_not(None), Meeting.case_data_removed_at.is_(None))
            .order_by(Meeting.published_on, Meeting.id)
        ).all()
        for meeting, panel, months in rows:
            assert meeting.published_on is not None
            due_on = add_months(meeting.published_on, months)
            if due_on > as_of:
                continue
            ids = _removable_cases(s, {meeting.id})
            agenda = select(MeetingCase.id).where(MeetingCase.meeting_id == meeting.id)
            views = s.scalar(
                select(func.count()).where(MemberAssessment.meeting_case_id.in_(agenda))
            )
            noted_views = s.scalar(
                select(func.count()).where(
                    MemberAssessment.meeting_case_id.in_(agenda), MemberAssessment.note != ""
                )
            )
            decisions = s.scalar(
                select(func.count()).where(PanelJudgement.meeting_case_id.in_(agenda))
            )
            out.append(
                DueMeeting(
                    meeting.id,
                    panel,
                    meeting.date,
                    meeting.theme,
                    meeting.published_on,
                    due_on,
                    s.scalar(select(func.count()).select_from(agenda.subquery())) or 0,
                    len(ids),
                    _field_values(s, ids),
                    views or 0,
                    (noted_views or 0) + (decisions or 0),
                )
            )
    return out


def mark_published(
    db: Database, meeting_id: int, on: dt.date | None = None, *, actor: str = ""
) -> dt.date:
    """Record that the meeting's report was published (``on``: today); the retention period
    runs from that day."""
    on = on or dt.date.today()
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        before = meeting.published_on
        meeting.published_on = on
        audit.record(s, actor, "published", meeting, on=on, before=before)
    return on


def panel_periods(db: Database) -> list[tuple[int, str, int]]:
    """(panel id, name, months case data is kept after publication) for every panel."""
    with db.session() as s:
        rows = s.execute(select(Panel.id, Panel.name, Panel.retention_months).order_by(Panel.name))
        return [(pid, name, months) for pid, name, months in rows]


def set_retention_months(db: Database, panel_id: int, months: int, *, actor: str = "") -> None:
    if not 1 <= months <= 240:
        raise UserError("The retention period is between 1 and 240 months.")
    with db.transaction() as s:
        panel = s.get(Panel, panel_id)
        if panel is None:
            raise UserError(f"No panel with id {panel_id}.")
        before, panel.retention_months = panel.retention_months, months
        audit.record(s, actor, "retention_period", panel, months=months, before=before)


def _results(db: Database, meeting_id: int) -> dict[str, Any]:
    from scrutiny_app.services import population
    from scrutiny_app.services.session.common import review_template

    mc = meeting_cases(db, meeting_id)
    tallies = criteria.tally(mc.rows, review_template(db, meeting_id).questions)
    with db.session() as s:
        size = population.size(s, meeting_id)
        breakdowns = {
            key: [list(c) for c in population.breakdown(s, meeting_id, key).categories]
            for key in BREAKDOWNS
        }
    return {
        "agenda_cases": len(mc.rows),
        "decided": mc.decided_count,
        "carried_over": sum(1 for r in mc.rows if r.carried_over),
        "outcomes": [[c.outcome.code, c.outcome.label, c.count] for c in mc.counts()],
        "criteria": [
            {
                "key": t.criterion.key,
                "label": t.criterion.label,
                "group": t.criterion.group,
                "counts": [list(c) for c in t.counts],
                "unanswered": t.unanswered,
                "total": t.total,
            }
            for t in tallies
        ],
        "population": size,
        "breakdowns": breakdowns,
    }


def _public_report(db: Database, meeting_id: int, published_on: dt.date) -> dict[str, Any] | None:
    """The published version as it stands, dated as published, without the text written
    about each case (None: it cannot be built, e.g. a passage is undecided: then no report is
    kept, rather than one nobody checked)."""
    from dataclasses import replace

    from scrutiny_app.services.report import archive
    from scrutiny_app.services.report.content import build_document
    from scrutiny_app.services.report.model import Bullets, Para, Subheading, inline

    try:
        document = build_document(
            db, meeting_id, public=True, allow_unjudged=True, generated_on=published_on
        )  # dated as published
    except UserError:
        return None
    gone = Para(
        (inline("The case-by-case detail was removed under the panel's retention policy."),),
        "note",
    )
    sections = []
    for section in document.sections:
        blocks = section.blocks
        if section.key in CASE_LEVEL_SECTIONS:  # each case's own text: not kept
            blocks = (gone,)
        elif section.key in COLLECTED_SECTIONS:  # the narrative stays, the cases' points go
            kept = tuple(b for b in blocks if not isinstance(b, Subheading | Bullets))
            blocks = (*kept, gone) if kept != blocks else blocks
        sections.append(replace(section, blocks=blocks))
    return archive.to_json(replace(document, sections=tuple(sections)))


@dataclass
class RetentionResult:
    meetings: list[DueMeeting] = field(default_factory=list)
    bytes_before: int | None = None
    bytes_after: int | None = None
    reports_kept: int = 0
    backups: list[Path] = field(default_factory=list)  # older copies still holding the data


def apply_retention(
    db: Database,
    as_of: dt.date | None = None,
    *,
    actor: str = "",
    meeting_ids: Iterable[int] | None = None,
    remove_backups: bool = False,
) -> RetentionResult:
    """Remove the case-level data of the meetings due on ``as_of`` (or only those of
    ``meeting_ids`` among them), keeping their figures; then VACUUM. See the module docstring.

    ``remove_backups``: also delete the backups the app wrote beside the file before now
    (they hold the removed data); otherwise they are listed in the result.
    """
    due = due_meetings(db, as_of)
    if meeting_ids is not None:
        wanted = set(meeting_ids)
        due = [d for d in due if d.meeting_id in wanted]
    result = RetentionResult(due)
    if not due:
        return result
    path = db.path
    result.bytes_before = _size(path)
    for d in due:  # one meeting per transaction: a failure keeps what was done
        archived = {
            "results": _results(db, d.meeting_id),
            "report": _public_report(db, d.meeting_id, d.published_on),
        }
        result.reports_kept += archived["report"] is not None
        with db.transaction() as s:
            _purge(s, d, archived, actor)
    _vacuum(db)
    result.bytes_after = _size(path)
    if path is not None:
        result.backups = sorted(path.parent.glob(f"{path.name}.backup-*"))
        if remove_backups:
            for backup in result.backups:
                backup.unlink(missing_ok=True)
    audit.record_database_event(
        db, actor, "retention", meetings=len(due), cases=sum(d.case_records for d in due),
        bytes_before=result.bytes_before, bytes_after=result.bytes_after,
        backups_removed=len(result.backups) if remove_backups else 0,
    )  # fmt: skip
    return result


def _purge(s: Session, d: DueMeeting, archived: dict[str, Any], actor: str) -> None:
    meeting = get_meeting(s, d.meeting_id)
    ids = _removable_cases(s, {d.meeting_id})
    agenda = select(MeetingCase.id).where(MeetingCase.meeting_id == d.meeting_id)
    texts = list(
        s.scalars(select(PanelJudgement.uuid).where(PanelJudgement.meeting_case_id.in_(agenda)))
    ) + list(
        s.scalars(select(MemberAssessment.uuid).where(MemberAssessment.meeting_case_id.in_(agenda)))
    )
    for chunk in _chunks(texts):
        s.execute(delete(PublicationDecision).where(PublicationDecision.entity_uuid.in_(chunk)))
    s.execute(delete(MemberPack).where(MemberPack.meeting_id == d.meeting_id))
    s.execute(delete(MeetingCase).where(MeetingCase.meeting_id == d.meeting_id))  # cascades
    for chunk in _chunks(ids):
        s.execute(delete(Case).where(Case.id.in_(chunk)))  # cascades: members, links
    emptied = select(ImportBatch.id).where(
        ~ImportBatch.id.in_(select(Case.import_batch_id).where(Case.import_batch_id.is_not(None)))
    )
    s.execute(delete(BatchSortRanks).where(BatchSortRanks.import_batch_id.in_(emptied)))
    s.add(
        MeetingArchive(
            meeting_id=d.meeting_id,
            created_by=actor,
            results=archived["results"],
            public_report=archived["report"],
            removed={
                "case_records": len(ids),
                "agenda_cases": d.agenda_cases,
                "views": d.views,
                "notes": d.notes,
                "field_values": d.field_values,
            },
        )
    )
    meeting.case_data_removed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    audit.record(
        s, actor, "retention", meeting, cases=len(ids), agenda=d.agenda_cases, views=d.views,
        published_on=d.published_on, due_on=d.due_on,
    )  # fmt: skip
    s.flush()


def _size(path: Path | None) -> int | None:
    if path is None:
        return None
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _vacuum(db: Database) -> None:
    """Rewrite the file without the freed pages (the removed data's bytes), and empty the WAL."""
    if db.engine.dialect.name != "sqlite":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM"))
        return
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA secure_delete = ON")
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def archive_of(db: Database, meeting_id: int) -> MeetingArchive | None:
    with db.session() as s:
        return s.scalars(
            select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id)
        ).first()
