"""Reading the audit trail: in plain words, filtered by meeting and date, to CSV; and checking
its hash chain (``verify``). No Qt. Writing it is ``services.audit``."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.domain.when import LONDON
from scrutiny_app.services.files import atomic_output
from scrutiny_app.storage.audit_chain import GENESIS, HEAD_SETTING, event_hash, parse_head
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    AuditEvent,
    Case,
    ImportBatch,
    InterestDeclaration,
    Meeting,
    MeetingCase,
    Member,
    MemberAssessment,
    MemberPack,
    Panel,
    PanelJudgement,
    Recommendation,
    ReportSection,
    Sample,
    Setting,
)

# What each (table, action) was, for a person. Anything else reads "ACTION (TABLE)".
PHRASES: dict[tuple[str, str], str] = {
    ("panel_judgements", "create"): "recorded the panel's decision",
    ("panel_judgements", "update"): "changed the panel's decision",
    ("panel_judgements", "delete"): "removed the panel's decision",
    ("member_assessments", "create"): "recorded a member's view",
    ("member_assessments", "update"): "changed a member's view",
    ("member_assessments", "delete"): "withdrew a member's view",
    ("meeting_cases", "reveal"): "revealed the members' views",
    ("interest_declarations", "create"): "declared an interest",
    ("interest_declarations", "delete"): "withdrew a declaration of interest",
    ("attendance", "attendance"): "recorded attendance",
    ("import_batches", "import"): "imported a case extract",
    ("import_batches", "link_import"): "added an imported extract to a meeting",
    ("import_batches", "import_refused"): "had a case extract refused",
    ("samples", "sample"): "drew the sample",
    ("meetings", "create"): "created the meeting",
    ("meetings", "status"): "changed the meeting's status",
    ("meetings", "next_theme"): "set the next meeting's theme",
    ("meetings", "published"): "marked the report published",
    ("meetings", "retention"): "removed case-level data under the retention policy",
    ("panels", "create"): "created the panel",
    ("members", "create"): "added a member",
    ("members", "update"): "changed a member's details",
    ("recommendations", "create"): "raised a recommendation",
    ("recommendations", "update"): "edited a recommendation",
    ("recommendations", "status"): "moved a recommendation on",
    ("recommendations", "issue"): "issued a recommendation to the force",
    ("report_sections", "create"): "wrote a report section",
    ("report_sections", "update"): "edited a report section",
    ("column_mappings", "save"): "saved a column mapping",
    ("export", "report"): "exported the report",
    ("export", "tracker"): "exported the recommendation tracker",
    ("export", "audit"): "exported the audit trail",
    ("member_packs", "export"): "made a member's pack",
    ("tracker", "preview"): "previewed the force's returned tracker",
    ("tracker", "apply"): "applied the force's returned tracker",
    ("tracker", "refused"): "had the force's returned tracker refused",
    ("database", "encrypt"): "encrypted the database",
    ("database", "rekey"): "changed the database's passphrase",
    ("database", "encryption declined"): "chose to keep the database unencrypted",
    ("database", "retention"): "applied the retention policy",
}

# Details worth a word, in this order, with their label.
SHOWN = (
    ("outcome", "outcome"), ("status_from", "from"), ("status_to", "to"), ("reference", ""),
    ("file", "file"), ("version", "version"), ("rows", "rows"), ("cases", "cases"),
    ("size", "size"), ("seed", "seed"), ("name", ""), ("member", "member"),
    ("present", "present"), ("problem", "why"), ("sha256", "SHA-256"),
)  # fmt: skip


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime  # UK local time
    actor: str
    what: str  # plain words: "recorded the panel's decision"
    about: str  # the case, recommendation, meeting or file it concerns
    details: str
    action: str
    entity: str
    meeting_id: int | None
    hash: str

    def line(self) -> str:
        who = self.actor or "(unknown)"
        about = f": {self.about}" if self.about else ""
        more = f" ({self.details})" if self.details else ""
        return f"{self.at:%d %b %Y %H:%M} {who} {self.what}{about}{more}"


def _detail_text(details: dict[str, Any], about: str, names: dict[str, str]) -> str:
    parts = []
    for key, label in SHOWN:
        if key not in details or details[key] in (None, ""):
            continue
        value = details[key]
        if str(value) == about:
            continue  # said already
        if key == "member":
            value = names.get(str(value), value)
        if key == "present":
            value = "yes" if value else "no"
        if key == "sha256":
            value = str(value)[:16] + "…"
        parts.append(f"{label} {value}".strip())
    return ", ".join(parts)


@dataclass
class _Lookups:
    case_refs: dict[str, str] = field(default_factory=dict)
    meeting_of: dict[str, int] = field(default_factory=dict)  # a row's uuid -> its meeting
    names: dict[str, str] = field(default_factory=dict)  # a row's uuid -> how to name it
    meeting_ids: dict[int, str] = field(default_factory=dict)  # meeting id -> its uuid


def _lookups(s: Session) -> _Lookups:
    look = _Lookups()
    for uuid, ref in s.execute(select(Case.uuid, Case.reference)):
        look.case_refs[uuid] = ref
    for m_uuid, m_id, date, panel in s.execute(
        select(Meeting.uuid, Meeting.id, Meeting.date, Panel.name).join(Panel)
    ):
        look.meeting_of[m_uuid] = m_id
        look.meeting_ids[m_id] = m_uuid
        look.names[m_uuid] = f"{panel}, {date:%d %b %Y}"
    for uuid, meeting, ref in s.execute(
        select(Recommendation.uuid, Recommendation.meeting_id, Recommendation.reference)
    ):
        look.names[uuid] = ref
        if meeting is not None:
            look.meeting_of[uuid] = meeting
    for model in (Sample, ReportSection, MemberPack, Attendance, ImportBatch):
        for uuid, meeting in s.execute(select(model.uuid, model.meeting_id)):
            if meeting is not None:
                look.meeting_of[uuid] = meeting
    on_case: tuple[Any, ...] = (PanelJudgement, MemberAssessment, InterestDeclaration)
    for case_model in on_case:
        query = select(case_model.uuid, MeetingCase.meeting_id, Case.reference).join(
            MeetingCase, MeetingCase.id == case_model.meeting_case_id
        )
        for uuid, meeting, ref in s.execute(query.join(Case, Case.id == MeetingCase.case_id)):
            look.meeting_of[uuid] = meeting
            look.names[uuid] = ref
    query = select(MeetingCase.uuid, MeetingCase.meeting_id, Case.reference).join(Case)
    for uuid, meeting, ref in s.execute(query):
        look.meeting_of[uuid] = meeting
        look.names[uuid] = ref
    for uuid, name in s.execute(select(Panel.uuid, Panel.name)):
        look.names[uuid] = name
    for uuid, name in s.execute(select(Member.uuid, Member.name)):
        look.names[uuid] = name
    return look


def _row(e: AuditEvent, look: _Lookups) -> AuditRow:
    details = dict(e.details or {})
    about = ""
    if isinstance(details.get("case"), str):
        about = look.case_refs.get(details["case"], "a case since removed")
    elif e.entity_uuid:
        about = look.names.get(e.entity_uuid, "")
    if e.entity == "export" and details.get("file"):
        about = str(details["file"])
    if not about and details.get("file"):
        about = str(details["file"])
    meeting = look.meeting_of.get(e.entity_uuid or "")
    raw = details.get("meeting")
    if meeting is None and isinstance(raw, int):
        meeting = raw
    elif meeting is None and isinstance(raw, str):
        meeting = look.meeting_of.get(raw)
    what = PHRASES.get((e.entity, e.action), f"{e.action} ({e.entity})")
    if e.entity == "export" and details.get("version"):
        what += f" ({details['version']})"
    if details.get("undo_redo"):
        what += " (undo or redo)"
    local = e.at.replace(tzinfo=dt.UTC).astimezone(LONDON).replace(tzinfo=None)
    return AuditRow(
        e.id, local, e.actor, what, about, _detail_text(details, about, look.names), e.action,
        e.entity, meeting,
        e.hash,
    )  # fmt: skip


def audit_rows(
    db: Database,
    *,
    meeting_id: int | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[AuditRow]:
    """The trail in plain words, oldest first; ``meeting_id``: what concerns that meeting;
    ``since``: from that UK day on; ``limit``: the newest that many."""
    with db.session() as s:
        look = _lookups(s)
        query = select(AuditEvent).order_by(AuditEvent.id)
        if since is not None:
            start = dt.datetime.combine(since, dt.time(), LONDON).astimezone(dt.UTC)
            query = query.where(AuditEvent.at >= start.replace(tzinfo=None))
        rows = [_row(e, look) for e in s.scalars(query)]
    if meeting_id is not None:
        rows = [r for r in rows if r.meeting_id == meeting_id]
    return rows[-limit:] if limit else rows


CSV_COLUMNS = ("id", "when (UK time)", "who", "what", "about", "details", "action", "table", "hash")


def write_csv(rows: Iterable[AuditRow], path: Path) -> Path:
    with (
        atomic_output(path, "audit trail") as tmp,
        tmp.open("w", encoding="utf-8-sig", newline="") as f,
    ):
        out = csv.writer(f)
        out.writerow(CSV_COLUMNS)
        for r in rows:
            out.writerow(
                [r.id, f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.what, r.about, r.details, r.action,
                 r.entity, r.hash]
            )  # fmt: skip
    return path


@dataclass(frozen=True)
class Verification:
    events: int
    head: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Database, *, max_problems: int = 20) -> Verification:
    """Check the hash chain event by event, and its end against the recorded head."""
    problems: list[str] = []
    prev, count = GENESIS, 0
    with db.session() as s:
        for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
            count += 1
            when = f"event {e.id} ({e.at:%d %b %Y %H:%M}, {e.actor or 'unknown'}: {e.action})"
            if e.prev_hash != prev:
                problems.append(f"{when}: the event before it was removed or changed")
            own = event_hash(
                e.prev_hash, e.uuid, e.at, e.actor, e.action, e.entity, e.entity_uuid, e.details
            )
            if own != e.hash:
                problems.append(f"{when}: it was changed after it was written")
            prev = e.hash
            if len(problems) >= max_problems:
                break
        head = s.get(Setting, HEAD_SETTING)
    recorded_count, recorded_hash = parse_head(head.value if head else None)
    if len(problems) < max_problems and (recorded_count, recorded_hash) != (count, prev):
        missing = recorded_count - count
        problems.append(
            f"the trail ends at event {count} but {recorded_count} were written: "
            f"{missing} of the newest were removed"
            if missing > 0
            else "the trail does not end where it was recorded to end (its end was changed)"
        )
    return Verification(count, prev, tuple(problems))
