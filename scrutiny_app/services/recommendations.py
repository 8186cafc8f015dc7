"""Recommendations to the force and their tracked history.

A recommendation is raised from a meeting (or from one of its cases), numbered per panel and
meeting (``OOCD-2019-03-R2``), and then followed through the force's answer: response,
decision, action owner, target date, evidence, and status changes along
:data:`~scrutiny_app.domain.vocab.ALLOWED_TRANSITIONS`. Every change is a dated
:class:`RecommendationUpdate` in its history; "overdue" is computed, never stored.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scrutiny_app.domain.vocab import (
    ALLOWED_TRANSITIONS,
    AWAITING_RESPONSE,
    FORCE_STATUSES,
    Decision,
    Priority,
    RecommendationStatus,
)
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import meeting_item
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Case,
    Meeting,
    Panel,
    Recommendation,
    RecommendationUpdate,
)

__all__ = [
    "DECISION_LABELS",
    "FIELD_LABELS",
    "FORCE_FIELDS",
    "OPEN_STATUSES",
    "PANEL_FIELDS",
    "RecommendationRow",
    "UpdateRow",
    "add_recommendation",
    "allowed_statuses",
    "change_status",
    "decision_label",
    "get_recommendation",
    "is_open",
    "is_overdue",
    "list_recommendations",
    "parse_decision",
    "parse_status",
    "raise_from_case",
    "status_label",
    "update_recommendation",
]

_S = RecommendationStatus

DECISION_LABELS: dict[Decision, str] = {
    Decision.ACCEPTED: "Accepted",
    Decision.PARTIALLY_ACCEPTED: "Partially accepted",
    Decision.NOT_ACCEPTED: "Not accepted",
}
# Finished with: nothing more is expected of the force or the panel.
CLOSED_STATUSES = frozenset({_S.CLOSED, _S.SUPERSEDED})
OPEN_STATUSES = frozenset(set(_S) - CLOSED_STATUSES)

# The force's answer (the columns the force fills in on the tracker) and the panel's own.
FORCE_FIELDS: tuple[str, ...] = (
    "force_response",
    "response_date",
    "decision",
    "action_owner",
    "target_date",
    "evidence",
)
PANEL_FIELDS: tuple[str, ...] = (
    "text",
    "addressed_to",
    "theme",
    "priority",
    "response_due",
    "published_in",
    "internal",
)
FIELD_LABELS: dict[str, str] = {
    "text": "Recommendation",
    "addressed_to": "Addressed to",
    "theme": "Theme",
    "priority": "Priority",
    "response_due": "Response due",
    "published_in": "Where published",
    "internal": "Internal",
    "force_response": "Force response",
    "response_date": "Response date",
    "decision": "Decision",
    "action_owner": "Action owner",
    "target_date": "Target date",
    "evidence": "Evidence",
    "status": "Status",
}
_DATE_FIELDS = frozenset({"response_due", "response_date", "target_date"})
_LONG_TEXT = frozenset({"text", "force_response", "evidence"})


@dataclass(frozen=True)
class UpdateRow:
    on: dt.date
    status_from: str | None
    status_to: str | None
    note: str
    author: str
    id: int = 0


@dataclass(frozen=True)
class RecommendationRow:
    """One row of the recommendation tracker (the columns of docs/DOMAIN.md)."""

    id: int
    uuid: str
    reference: str
    panel: str
    meeting: str
    meeting_id: int | None
    date_raised: dt.date
    linked_cases: tuple[str, ...]
    theme: str
    text: str
    addressed_to: str
    priority: str
    response_due: dt.date | None
    force_response: str
    response_date: dt.date | None
    decision: str | None
    action_owner: str
    target_date: dt.date | None
    status: str
    updates: tuple[UpdateRow, ...]
    evidence: str
    date_closed: dt.date | None
    published_in: str
    overdue: bool
    internal: bool = False
    panel_id: int = 0
    number: int = 0
    meeting_date: dt.date | None = None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def decision_label(self) -> str:
        return decision_label(self.decision)

    @property
    def is_open(self) -> bool:
        return is_open(self.status)

    @property
    def allowed_statuses(self) -> tuple[RecommendationStatus, ...]:
        """The statuses it may move to next, in the vocabulary's order (for the GUI's menu)."""
        return allowed_statuses(self.status)


# --------------------------------------------------------------------------- vocabulary


def status_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return RecommendationStatus(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def decision_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return DECISION_LABELS[Decision(value)]
    except ValueError:
        return value.replace("_", " ").capitalize()


def is_open(status: str) -> bool:
    """Not yet closed or superseded."""
    return RecommendationStatus(status) not in CLOSED_STATUSES


def allowed_statuses(status: str) -> tuple[RecommendationStatus, ...]:
    allowed = ALLOWED_TRANSITIONS[RecommendationStatus(status)]
    return tuple(s for s in RecommendationStatus if s in allowed)


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


def _lookup(text: str, options: Mapping[str, Any], what: str, label_of: Any) -> Any:
    """Match a code or label (any case and spacing); ValueError names the closest match."""
    key = _norm(text)
    if key in options:
        return options[key]
    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.75)
    hint = f"; did you mean {label_of(options[close[0]])!r}?" if close else ""
    raise ValueError(f"{text!r} is not a {what}{hint}")


def parse_status(text: str) -> RecommendationStatus:
    """A status from its code or its label ("in_progress", "Accepted, in progress")."""
    opts: dict[str, RecommendationStatus] = {}
    for st in RecommendationStatus:
        opts[_norm(st.value)] = opts[_norm(st.label)] = st
        opts.setdefault(_norm(st.label.split(" (", 1)[0]), st)  # "Issued" for "Issued (...)"
    return _lookup(text, opts, "status", lambda x: x.label)


def parse_decision(text: str) -> Decision:
    """A decision from its code or label ("partially_accepted", "Partially accepted")."""
    opts: dict[str, Decision] = {}
    for d in Decision:
        opts[_norm(d.value)] = opts[_norm(DECISION_LABELS[d])] = d
    return _lookup(text, opts, "decision", lambda x: DECISION_LABELS[x])


# --------------------------------------------------------------------------- raising


def is_overdue(status: str, response_due: dt.date | None, today: dt.date | None = None) -> bool:
    """Past its due date with no response yet. Computed, never stored."""
    today = today or dt.date.today()
    return (
        response_due is not None
        and response_due < today
        and RecommendationStatus(status) in AWAITING_RESPONSE
    )


def add_recommendation(
    db: Database,
    panel_id: int,
    text: str,
    *,
    meeting_id: int | None = None,
    addressed_to: str = "",
    theme: str = "",
    priority: str = Priority.MEDIUM,
    response_due: dt.date | None = None,
    date_raised: dt.date | None = None,
    case_ids: Iterable[int] = (),
    internal: bool = False,
    actor: str = "",
) -> RecommendationRow:
    """Raise a recommendation, numbered per panel and meeting (e.g. OOCD-2019-03-R2).

    ``case_ids`` are the cases it was raised from; ``internal`` keeps it out of the public
    report (it still goes on the tracker).
    """
    if not text.strip():
        raise UserError("A recommendation needs its text.")
    priority = Priority(priority)
    with db.transaction() as s:
        panel = s.get(Panel, panel_id)
        if panel is None:
            raise NotFound(f"No panel with id {panel_id}.")
        meeting = s.get(Meeting, meeting_id) if meeting_id is not None else None
        if meeting_id is not None and (meeting is None or meeting.panel_id != panel_id):
            raise NotFound(f"Meeting {meeting_id} is not a meeting of {panel.name!r}.")
        raised = date_raised or (meeting.date if meeting else dt.date.today())
        number = (
            s.scalar(
                select(func.max(Recommendation.number)).where(
                    Recommendation.panel_id == panel_id,
                    Recommendation.meeting_id.is_(None)
                    if meeting is None
                    else Recommendation.meeting_id == meeting.id,
                )
            )
            or 0
        ) + 1
        stem = f"{panel.code}-{(meeting.date if meeting else raised):%Y-%m}"
        taken = s.scalar(
            select(Recommendation.panel_id).where(Recommendation.reference == f"{stem}-R{number}")
        )
        if taken is not None:
            other = s.get(Panel, taken)
            raise UserError(
                f"Cannot number the recommendation: {stem}-R{number} is already used by "
                f"{other.name if other else 'another panel'!r}, which has the same code "
                f"{panel.code!r}. Give each panel its own code."
            )
        rec = Recommendation(
            panel_id=panel_id,
            meeting_id=meeting.id if meeting else None,
            number=number,
            reference=f"{stem}-R{number}",
            theme=theme or (meeting.theme if meeting else ""),
            text=text.strip(),
            addressed_to=addressed_to.strip(),
            priority=priority,
            date_raised=raised,
            response_due=response_due,
            status=RecommendationStatus.DRAFT,
            internal=internal,
        )
        cases = []
        for cid in case_ids:
            case = s.get(Case, cid)
            if case is None or case.panel_id != panel_id:
                raise NotFound(f"Case {cid} is not a case of {panel.name!r}.")
            cases.append(case)
        rec.cases = cases
        rec.updates.append(
            RecommendationUpdate(
                on=raised, status_to=RecommendationStatus.DRAFT, note="Raised", author=actor
            )
        )
        s.add(rec)
        s.flush()
        audit.record(s, actor, "create", rec, reference=rec.reference, internal=internal)
        rec_id = rec.id
    return get_recommendation(db, rec_id)


def raise_from_case(db: Database, item_id: int, text: str, **options: Any) -> RecommendationRow:
    """Raise a recommendation from a case on a meeting's agenda (``MeetingCase.id``).

    It belongs to that meeting and is linked to the case; ``options`` are those of
    :func:`add_recommendation` (addressed_to, priority, response_due, internal, actor, ...).
    """
    with db.session() as s:
        item = meeting_item(s, item_id)
        panel_id, meeting_id, case_id = item.meeting.panel_id, item.meeting_id, item.case_id
    extra = [c for c in options.pop("case_ids", ()) if c != case_id]
    return add_recommendation(
        db, panel_id, text, meeting_id=meeting_id, case_ids=[case_id, *extra], **options
    )


# --------------------------------------------------------------------------- changing


def _clean(field: str, value: Any) -> Any:
    """A field's new value, checked; raises UserError on a bad one."""
    label = FIELD_LABELS[field]
    if field in _DATE_FIELDS:
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is not None and not isinstance(value, dt.date):
            raise UserError(f"{label}: {value!r} is not a date.")
        return value
    if field == "decision":
        if value is None or value == "":
            return None
        try:
            return parse_decision(str(value)).value
        except ValueError as exc:
            raise UserError(f"{label}: {exc}.") from None
    if field == "priority":
        try:
            return Priority(str(value).strip().lower()).value
        except ValueError:
            raise UserError(f"{label}: {value!r} is not high, medium or low.") from None
    if field == "internal":
        return bool(value)
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if field == "text" and not text:
        raise UserError("A recommendation needs its text.")
    return text


def _describe(field: str, value: Any) -> str:
    """How an update note shows a field's new value."""
    label = FIELD_LABELS[field]
    if value is None or value == "":
        return f"{label} cleared"
    if field in _LONG_TEXT:
        return f"{label} recorded"
    if field in _DATE_FIELDS:
        return f"{label}: {value.day} {value:%b %Y}"
    if field == "decision":
        return f"{label}: {decision_label(value)}"
    if field == "priority":
        return f"{label}: {str(value).capitalize()}"
    if field == "internal":
        return "Marked internal" if value else "No longer internal"
    return f"{label}: {value}"


def apply_changes(
    s: Session,
    rec: Recommendation,
    changes: Mapping[str, Any],
    *,
    on: dt.date,
    note: str = "",
    actor: str = "",
) -> list[str]:
    """Apply checked ``changes`` to ``rec`` in the caller's transaction; returns the fields
    that changed. Each changed field is a dated update; a status change goes through
    ALLOWED_TRANSITIONS (raising UserError otherwise). Used by :func:`update_recommendation`
    and by the tracker import."""
    unknown = set(changes) - {*FORCE_FIELDS, *PANEL_FIELDS, "status"}
    if unknown:
        raise TypeError(f"unknown recommendation fields: {sorted(unknown)}")
    changed: list[str] = []
    for field in (*PANEL_FIELDS, *FORCE_FIELDS):
        if field not in changes:
            continue
        new = _clean(field, changes[field])
        if getattr(rec, field) == new:
            continue
        setattr(rec, field, new)
        changed.append(field)
        rec.updates.append(RecommendationUpdate(on=on, note=_describe(field, new), author=actor))
    if "status" in changes and changes["status"] not in (None, ""):
        try:
            new_status = parse_status(str(changes["status"]))
        except ValueError as exc:
            raise UserError(f"{rec.reference}: {exc}.") from None
        if move_status(rec, new_status, on=on, note=note, actor=actor):
            changed.append("status")
    if changed:
        s.flush()
        audit.record(s, actor, "update", rec, fields=changed, note=note)
    return changed


def update_recommendation(
    db: Database,
    recommendation_id: int,
    changes: Mapping[str, Any],
    *,
    on: dt.date | None = None,
    note: str = "",
    actor: str = "",
) -> RecommendationRow:
    """Record changes to a recommendation: the force's answer (FORCE_FIELDS), the panel's own
    fields (PANEL_FIELDS) and/or ``status`` (a code or label), all in one transaction.

    Unchanged values write nothing; each changed field adds a dated update (``on``, default
    today) to the history; ``note`` goes with the status change. Raises UserError for a status
    change ALLOWED_TRANSITIONS does not allow, an unknown decision or priority, or a date that
    is not a date.
    """
    day = on or dt.date.today()
    with db.transaction() as s:
        rec = s.get(Recommendation, recommendation_id)
        if rec is None:
            raise NotFound(f"No recommendation with id {recommendation_id}.")
        apply_changes(s, rec, changes, on=day, note=note, actor=actor)
    return get_recommendation(db, recommendation_id)


def change_status(
    db: Database,
    recommendation_id: int,
    status: str,
    *,
    note: str = "",
    on: dt.date | None = None,
    actor: str = "",
) -> RecommendationRow:
    """Move a recommendation along its allowed status changes, recording a dated update."""
    new = RecommendationStatus(status)
    with db.transaction() as s:
        rec = s.get(Recommendation, recommendation_id)
        if rec is None:
            raise NotFound(f"No recommendation with id {recommendation_id}.")
        old = rec.status
        if move_status(rec, new, on=on or dt.date.today(), note=note, actor=actor):
            s.flush()
            audit.record(s, actor, "status", rec, status_from=old, status_to=new)
    return get_recommendation(db, recommendation_id)


def status_change_problem(
    reference: str, current: str, new: str, *, by_force: bool = False
) -> str | None:
    """Why ``current`` -> ``new`` is not allowed (None: it is, or nothing changes). The one
    rule for every status change: the app's, the command line's and the returned tracker's
    (``by_force``: only the statuses the force may set)."""
    old, status = RecommendationStatus(current), RecommendationStatus(new)
    if status == old:
        return None
    if by_force and status not in FORCE_STATUSES:
        return f"only the Panel can set {status.label!r}"
    if status not in ALLOWED_TRANSITIONS[old]:
        allowed = [x.label for x in allowed_statuses(old) if not by_force or x in FORCE_STATUSES]
        nxt = (
            f"allowed: {', '.join(allowed)}"
            if allowed
            else ("the force cannot change it from there" if by_force else "it cannot change now")
        )
        return f"{reference} is {old.label!r}: it cannot become {status.label!r} ({nxt})"
    return None


def move_status(
    rec: Recommendation, new: RecommendationStatus, *, on: dt.date, note: str, actor: str
) -> bool:
    """Move ``rec`` to ``new`` in the caller's transaction, with a dated update; False if it
    is already there. Raises UserError for a move ALLOWED_TRANSITIONS does not allow."""
    old = RecommendationStatus(rec.status)
    problem = status_change_problem(rec.reference, old, new)
    if problem:
        raise UserError(problem + ".")
    if new == old:
        return False
    rec.status = new
    if new == RecommendationStatus.CLOSED:
        rec.date_closed = on
    rec.updates.append(
        RecommendationUpdate(on=on, status_from=old, status_to=new, note=note, author=actor)
    )
    return True


def issue_recommendations(
    db: Database,
    *,
    meeting_id: int | None = None,
    references: Iterable[str] = (),
    on: dt.date | None = None,
    actor: str = "",
) -> list[RecommendationRow]:
    """Issue recommendations to the force: the named ones (``references``), or every draft of
    ``meeting_id``. Each becomes "Issued (awaiting response)" with a dated update; returns
    the issued ones. A named one that is not a draft is refused; nothing is issued then."""
    day = on or dt.date.today()
    wanted = [r.strip() for r in references if r.strip()]
    if not wanted and meeting_id is None:
        raise UserError("Name the recommendations to issue, or the meeting whose drafts to issue.")
    with db.transaction() as s:
        query = select(Recommendation)
        if wanted:
            query = query.where(
                func.lower(Recommendation.reference).in_([w.lower() for w in wanted])
            )
            recs = list(s.scalars(query.order_by(Recommendation.id)))
            found = {r.reference.lower() for r in recs}
            missing = [w for w in wanted if w.lower() not in found]
            if missing:
                raise NotFound(f"No recommendation {', '.join(missing)}.")
            if meeting_id is not None:
                recs = [r for r in recs if r.meeting_id == meeting_id] or recs
            not_draft = [r for r in recs if r.status != RecommendationStatus.DRAFT]
            if not_draft:
                raise UserError(
                    "Only a draft can be issued: "
                    + "; ".join(
                        f"{r.reference} is {RecommendationStatus(r.status).label!r}"
                        for r in not_draft
                    )
                    + "."
                )
        else:
            meeting = s.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound(f"No meeting {meeting_id}.")
            recs = list(
                s.scalars(
                    query.where(
                        Recommendation.meeting_id == meeting_id,
                        Recommendation.status == RecommendationStatus.DRAFT,
                    ).order_by(Recommendation.number)
                )
            )
        for rec in recs:
            move_status(
                rec, RecommendationStatus.ISSUED, on=day, note="Issued to the force", actor=actor
            )
            s.flush()
            audit.record(s, actor, "issue", rec, reference=rec.reference, on=day)
        ids = [r.id for r in recs]
    return [get_recommendation(db, i) for i in ids]


# --------------------------------------------------------------------------- reading


def _row(rec: Recommendation, today: dt.date) -> RecommendationRow:
    return RecommendationRow(
        id=rec.id,
        uuid=rec.uuid,
        reference=rec.reference,
        panel=rec.panel.name,
        meeting=(f"{rec.meeting.date:%d %b %Y} - {rec.meeting.theme}" if rec.meeting else ""),
        meeting_id=rec.meeting_id,
        date_raised=rec.date_raised,
        linked_cases=tuple(c.reference for c in rec.cases),
        theme=rec.theme,
        text=rec.text,
        addressed_to=rec.addressed_to,
        priority=rec.priority,
        response_due=rec.response_due,
        force_response=rec.force_response,
        response_date=rec.response_date,
        decision=rec.decision,
        action_owner=rec.action_owner,
        target_date=rec.target_date,
        status=rec.status,
        updates=tuple(
            UpdateRow(u.on, u.status_from, u.status_to, u.note, u.author, u.id)
            for u in sorted(rec.updates, key=lambda u: (u.on, u.created_at, u.id or 0))
        ),
        evidence=rec.evidence,
        date_closed=rec.date_closed,
        published_in=rec.published_in,
        overdue=is_overdue(rec.status, rec.response_due, today),
        internal=bool(rec.internal),
        panel_id=rec.panel_id,
        number=rec.number,
        meeting_date=rec.meeting.date if rec.meeting else None,
    )


def _query() -> Any:
    return select(Recommendation).options(
        selectinload(Recommendation.cases),
        selectinload(Recommendation.updates),
        selectinload(Recommendation.panel),
        selectinload(Recommendation.meeting),
    )


def list_recommendations(
    db: Database,
    *,
    panel_id: int | None = None,
    meeting_id: int | None = None,
    today: dt.date | None = None,
) -> list[RecommendationRow]:
    today = today or dt.date.today()
    query = _query()
    if panel_id is not None:
        query = query.where(Recommendation.panel_id == panel_id)
    if meeting_id is not None:
        query = query.where(Recommendation.meeting_id == meeting_id)
    query = query.order_by(
        Recommendation.panel_id,
        Recommendation.date_raised,
        Recommendation.number,
        Recommendation.id,
    )
    with db.session() as s:
        return [_row(r, today) for r in s.scalars(query)]


def get_recommendation(
    db: Database, recommendation_id: int, *, today: dt.date | None = None
) -> RecommendationRow:
    with db.session() as s:
        rec = s.scalar(_query().where(Recommendation.id == recommendation_id))
        if rec is None:
            raise NotFound(f"No recommendation with id {recommendation_id}.")
        return _row(rec, today or dt.date.today())
