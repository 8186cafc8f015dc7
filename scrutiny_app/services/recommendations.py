"""Recommendations to the force and their tracked history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from scrutiny_app.domain.vocab import (
    ALLOWED_TRANSITIONS,
    AWAITING_RESPONSE,
    Priority,
    RecommendationStatus,
)
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Case,
    Meeting,
    Panel,
    Recommendation,
    RecommendationUpdate,
)


@dataclass(frozen=True)
class UpdateRow:
    on: dt.date
    status_from: str | None
    status_to: str | None
    note: str
    author: str


@dataclass(frozen=True)
class RecommendationRow:
    """One row of the recommendation tracker (the columns of DOMAIN.md)."""

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

    @property
    def status_label(self) -> str:
        return RecommendationStatus(self.status).label


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
    actor: str = "",
) -> RecommendationRow:
    """Raise a recommendation, numbered per panel and meeting (e.g. OOCD-2019-03-R2)."""
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
        )
        rec.cases = [c for c in (s.get(Case, cid) for cid in case_ids) if c is not None]
        rec.updates.append(
            RecommendationUpdate(
                on=raised, status_to=RecommendationStatus.DRAFT, note="Raised", author=actor
            )
        )
        s.add(rec)
        s.flush()
        audit.record(s, actor, "create", rec, reference=rec.reference)
        rec_id = rec.id
    return get_recommendation(db, rec_id)


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
        old = RecommendationStatus(rec.status)
        if new not in ALLOWED_TRANSITIONS[old]:
            allowed = ", ".join(sorted(x.label for x in ALLOWED_TRANSITIONS[old])) or "none"
            raise UserError(
                f"{rec.reference} is {old.label!r}: it cannot become {new.label!r} "
                f"(allowed: {allowed})."
            )
        day = on or dt.date.today()
        rec.status = new
        if new == RecommendationStatus.CLOSED:
            rec.date_closed = day
        rec.updates.append(
            RecommendationUpdate(on=day, status_from=old, status_to=new, note=note, author=actor)
        )
        s.flush()
        audit.record(s, actor, "status", rec, status_from=old, status_to=new)
    return get_recommendation(db, recommendation_id)


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
            UpdateRow(u.on, u.status_from, u.status_to, u.note, u.author) for u in rec.updates
        ),
        evidence=rec.evidence,
        date_closed=rec.date_closed,
        published_in=rec.published_in,
        overdue=is_overdue(rec.status, rec.response_due, today),
    )


def list_recommendations(
    db: Database,
    *,
    panel_id: int | None = None,
    meeting_id: int | None = None,
    today: dt.date | None = None,
) -> list[RecommendationRow]:
    today = today or dt.date.today()
    query = select(Recommendation).options(
        selectinload(Recommendation.cases),
        selectinload(Recommendation.updates),
        selectinload(Recommendation.panel),
        selectinload(Recommendation.meeting),
    )
    if panel_id is not None:
        query = query.where(Recommendation.panel_id == panel_id)
    if meeting_id is not None:
        query = query.where(Recommendation.meeting_id == meeting_id)
    query = query.order_by(Recommendation.panel_id, Recommendation.date_raised, Recommendation.id)
    with db.session() as s:
        return [_row(r, today) for r in s.scalars(query)]


def get_recommendation(db: Database, recommendation_id: int) -> RecommendationRow:
    with db.session() as s:
        rec = s.get(Recommendation, recommendation_id)
        if rec is None:
            raise NotFound(f"No recommendation with id {recommendation_id}.")
        return _row(rec, dt.date.today())
