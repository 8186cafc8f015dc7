"""The publication check: nothing personal reaches the public report unseen.

Every free text the public report prints (observations, good practice and learning,
narrative sections, recommendations and the force's answers, update notes, declarations,
themes, tags, method statements) passes through one :class:`Publisher` while the public
document is built, so what is checked is exactly what is printed. Each text is scanned by
:mod:`~scrutiny_app.services.personal_data`; each flagged passage needs the officer's
decision before a public export:

- **redact**: the public version prints ``[redacted]`` in place of the passage (every
  occurrence in that text); the original is never changed;
- **keep**: printed as it is (a senior officer's name who answers for the force, say);
- **withhold**: the whole text is kept internal and left out of the public version.

Decisions are rows of ``publication_decisions`` keyed by the text's row uuid, field and the
passage itself, so they survive edits elsewhere in the text and a merge by uuid; a new
passage typed later is flagged again. Every decision is audited. The internal version never
consults any of this.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services.personal_data import Detector, Finding, names_in
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    Meeting,
    MeetingCase,
    Member,
    PublicationDecision,
    Recommendation,
    RecommendationUpdate,
    ReportSection,
    Sample,
    Tag,
)

REDACTED = "[redacted]"

# The tables whose free text the public report prints, by the entity name decisions use.
ENTITIES = {
    m.__tablename__: m
    for m in (
        MeetingCase,
        ReportSection,
        Recommendation,
        RecommendationUpdate,
        Meeting,
        Attendance,
        Sample,
        Tag,
    )
}


class Decision(StrEnum):
    REDACT = "redact"
    KEEP = "keep"
    WITHHOLD = "withhold"

    @property
    def label(self) -> str:
        return {
            "redact": "Redacted",
            "keep": "Kept as it is",
            "withhold": "Whole text kept internal",
        }[self.value]


@dataclass(frozen=True)
class Passage:
    """A flagged passage of a published text, and the officer's decision (None: undecided)."""

    id: str  # short and stable: the same passage of the same text keeps its id
    start: int
    end: int
    text: str
    why: str
    decision: Decision | None


@dataclass(frozen=True)
class CheckedText:
    entity: str
    entity_uuid: str
    field: str
    label: str  # for the officer: "Case 3 (OOCD-2026-09-003), observations"
    text: str
    passages: tuple[Passage, ...]
    withheld: bool
    public_text: str | None  # what the public version prints; None: left out

    @property
    def undecided(self) -> tuple[Passage, ...]:
        if self.withheld:
            return ()
        return tuple(p for p in self.passages if p.decision is None)


@dataclass(frozen=True)
class PublicationCheck:
    meeting_id: int
    texts: tuple[CheckedText, ...]

    @property
    def flagged(self) -> tuple[CheckedText, ...]:
        """The texts with at least one flagged passage, or withheld."""
        return tuple(t for t in self.texts if t.passages or t.withheld)

    @property
    def undecided(self) -> list[tuple[CheckedText, Passage]]:
        return [(t, p) for t in self.texts for p in t.undecided]

    def passage(self, passage_id: str) -> tuple[CheckedText, Passage]:
        for t in self.texts:
            for p in t.passages:
                if p.id == passage_id:
                    return t, p
        raise UserError(
            f"No flagged passage {passage_id!r} in this meeting's public report "
            "(list them with `scrutiny-app publication --meeting N`)."
        )


class PublicationBlocked(UserError):
    """A public export refused because flagged passages are undecided."""

    def __init__(self, check: PublicationCheck) -> None:
        self.check = check
        todo = check.undecided
        shown = "; ".join(f'{t.label}: "{p.text}" ({p.why})' for t, p in todo[:5])
        more = f"; and {len(todo) - 5} more" if len(todo) > 5 else ""
        word = "passage" if len(todo) == 1 else "passages"
        super().__init__(
            f"The public report was not exported: {len(todo)} {word} that may be personal data "
            f"{'is' if len(todo) == 1 else 'are'} undecided. {shown}{more}. Decide each one "
            "(redact, keep, or keep the whole text internal) in the report window's "
            "publication check, or with `scrutiny-app publication --meeting "
            f"{check.meeting_id}`."
        )


def passage_id(entity_uuid: str, field: str, passage: str) -> str:
    digest = hashlib.sha1(f"{entity_uuid}\x1f{field}\x1f{passage}".encode()).hexdigest()
    return digest[:8]


# --------------------------------------------------------------------------- the publisher


class Publisher:
    """Turns each published free text into its public form and remembers what it saw."""

    def __init__(self, db: Database, meeting_id: int) -> None:
        self.meeting_id = meeting_id
        self._uuids: dict[tuple[str, int], str] = {}
        self._decisions: dict[tuple[str, str], dict[str, Decision]] = {}
        names: set[str] = set()
        with db.session() as s:
            meeting = s.get(Meeting, meeting_id)
            if meeting is None:
                raise UserError(f"No meeting {meeting_id}.")
            panel_id = meeting.panel_id
            names.update(s.scalars(select(Member.name).where(Member.panel_id == panel_id)).all())
            for owner, response in s.execute(
                select(Recommendation.action_owner, Recommendation.force_response).where(
                    Recommendation.panel_id == panel_id
                )
            ):
                names.update(names_in(owner or ""))
                names.update(names_in(response or ""))
            for row in s.scalars(select(PublicationDecision)):
                per = self._decisions.setdefault((row.entity_uuid, row.field), {})
                per[row.passage] = Decision(row.decision)
        self._db = db
        self._known_names = {n for n in names if n.strip()}
        self._detector: Detector | None = None
        self._refs: re.Pattern[str] | None = None
        self._seen: dict[tuple[str, str, str], CheckedText] = {}

    def set_known_references(self, references: Iterable[str]) -> None:
        """The panel's case references: the report replaces them with "[case]" on its own (a
        safety net that needs no decision), so a passage inside one is not asked about."""
        refs = sorted((r for r in references if len(r.strip()) >= 4), key=len, reverse=True)
        self._refs = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(r) for r in refs) + r")(?!\w)", re.IGNORECASE
            )
            if refs
            else None
        )

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = Detector(self._known_names)
        return self._detector

    def _uuid(self, entity: str, entity_id: int) -> str:
        key = (entity, entity_id)
        if key not in self._uuids:
            model = ENTITIES[entity]
            with self._db.session() as s:
                uuid = s.scalar(select(model.uuid).where(model.id == entity_id))
            self._uuids[key] = uuid or f"{entity}:{entity_id}"
        return self._uuids[key]

    def text(self, entity: str, entity_id: int, field: str, text: str, label: str) -> str | None:
        """The public form of a published text: redactions applied; None if withheld."""
        if not text or not text.strip():
            return text
        uuid = self._uuid(entity, entity_id)
        key = (uuid, field, text)
        checked = self._seen.get(key)
        if checked is None:
            checked = self._check(entity, uuid, field, text, label)
            self._seen[key] = checked
        return checked.public_text

    def _check(self, entity: str, uuid: str, field: str, text: str, label: str) -> CheckedText:
        decided = self._decisions.get((uuid, field), {})
        withheld = decided.get("") == Decision.WITHHOLD
        findings = self.detector.find(text)
        if self._refs is not None:
            refs = [(m.start(), m.end()) for m in self._refs.finditer(text)]
            findings = [
                f for f in findings if not any(s <= f.start and f.end <= e for s, e in refs)
            ]
        passages = tuple(
            Passage(
                passage_id(uuid, field, f.text),
                f.start,
                f.end,
                f.text,
                f.why,
                decided.get(f.text),
            )
            for f in findings
        )
        public = None if withheld else _redact(text, findings, decided)
        return CheckedText(entity, uuid, field, label, text, passages, withheld, public)

    def check(self) -> PublicationCheck:
        return PublicationCheck(self.meeting_id, tuple(self._seen.values()))


def _redact(text: str, findings: list[Finding], decided: dict[str, Decision]) -> str:
    spans = [(f.start, f.end) for f in findings if decided.get(f.text) == Decision.REDACT]
    # A passage the officer redacted by hand, or one the detector now sees as part of a
    # longer passage: every occurrence of it goes.
    for passage, decision in decided.items():
        if decision == Decision.REDACT and passage:
            spans += [
                (m.start(), m.end())
                for m in re.finditer(rf"(?<!\w){re.escape(passage)}(?!\w)", text)
            ]
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out += [text[pos:s], REDACTED]
        pos = e
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- the service


def check_publication(db: Database, meeting_id: int) -> PublicationCheck:
    """Every free text the meeting's public report would print, scanned, with decisions."""
    from scrutiny_app.services.report.content import build_document

    publisher = Publisher(db, meeting_id)
    build_document(db, meeting_id, public=True, publisher=publisher, strict=False)
    return publisher.check()


def decide(
    db: Database,
    meeting_id: int,
    passage_ids: Iterable[str],
    decision: Decision | str,
    *,
    actor: str = "",
) -> PublicationCheck:
    """Record ``decision`` for each passage (``withhold`` applies to the passage's whole text);
    returns the check as it now stands."""
    decision = Decision(decision)
    check = check_publication(db, meeting_id)
    chosen = [check.passage(pid) for pid in passage_ids]
    with db.transaction() as s:
        for text, passage in chosen:
            _store(s, text, "" if decision == Decision.WITHHOLD else passage.text, decision, actor)
    return check_publication(db, meeting_id)


def redact_text(
    db: Database,
    meeting_id: int,
    entity_uuid: str,
    field: str,
    passage: str,
    *,
    actor: str = "",
) -> PublicationCheck:
    """Redact a passage the detector did not flag (chosen by the officer in the text)."""
    check = check_publication(db, meeting_id)
    target = next(
        (t for t in check.texts if t.entity_uuid == entity_uuid and t.field == field), None
    )
    if target is None or not passage.strip() or passage not in target.text:
        raise UserError("That passage is not in a text the public report prints.")
    with db.transaction() as s:
        _store(s, target, passage, Decision.REDACT, actor)
    return check_publication(db, meeting_id)


def withhold_text(
    db: Database, meeting_id: int, entity_uuid: str, field: str, withheld: bool, *, actor: str = ""
) -> PublicationCheck:
    """Keep a whole text internal (``withheld=True``) or publish it again."""
    check = check_publication(db, meeting_id)
    target = next(
        (t for t in check.texts if t.entity_uuid == entity_uuid and t.field == field), None
    )
    if target is None:
        raise UserError("That text is not printed in the public report.")
    with db.transaction() as s:
        if withheld:
            _store(s, target, "", Decision.WITHHOLD, actor)
        else:
            _forget(s, target, "", actor)
    return check_publication(db, meeting_id)


def undo_decision(
    db: Database, meeting_id: int, passage_ids: Iterable[str], *, actor: str = ""
) -> PublicationCheck:
    """Take back the decision on each passage: it is undecided again."""
    check = check_publication(db, meeting_id)
    chosen = [check.passage(pid) for pid in passage_ids]
    with db.transaction() as s:
        for text, passage in chosen:
            _forget(s, text, passage.text, actor)
    return check_publication(db, meeting_id)


def _store(s: Session, text: CheckedText, passage: str, decision: Decision, actor: str) -> None:
    row = s.scalar(
        select(PublicationDecision).where(
            PublicationDecision.entity_uuid == text.entity_uuid,
            PublicationDecision.field == text.field,
            PublicationDecision.passage == passage,
        )
    )
    kinds = next((p.why for p in text.passages if p.text == passage), "")
    if row is None:
        row = PublicationDecision(
            entity=text.entity,
            entity_uuid=text.entity_uuid,
            field=text.field,
            passage=passage,
            decision=decision.value,
            kinds=kinds[:200],
            decided_by=actor or "",
        )
        s.add(row)
        before = None
    elif row.decision == decision.value:
        return
    else:
        before = row.decision
        row.decision = decision.value
        row.decided_by = actor or ""
    s.flush()
    audit.record(
        s,
        actor,
        f"publication_{decision.value}",
        row,
        text=text.label,
        entity=text.entity,
        entity_uuid=text.entity_uuid,
        field=text.field,
        passage=passage,
        why=kinds,
        previous=before,
    )


def _forget(s: Session, text: CheckedText, passage: str, actor: str) -> None:
    row = s.scalar(
        select(PublicationDecision).where(
            PublicationDecision.entity_uuid == text.entity_uuid,
            PublicationDecision.field == text.field,
            PublicationDecision.passage == passage,
        )
    )
    if row is None:
        return
    audit.record(
        s,
        actor,
        "publication_undecided",
        row,
        text=text.label,
        field=text.field,
        passage=passage,
        previous=row.decision,
    )
    s.delete(row)
