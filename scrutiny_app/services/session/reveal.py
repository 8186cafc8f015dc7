"""Revealing a case's views to the panel (after which they are fixed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import (
    REVEALING_ROLES,
    get_meeting,
    role_label,
)
from scrutiny_app.services.session.common import _attendance, _item
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    MeetingCase,
    Member,
    utcnow,
)

# =========================================================================== reveal


def _check_revealer(s: Session, meeting_id: int, by_member_id: int | None) -> None:
    if by_member_id is None:
        return
    att = _attendance(s, meeting_id, by_member_id)
    member = s.get(Member, by_member_id)
    name = member.name if member else f"Member {by_member_id}"
    if att is None or not att.present:
        raise UserError(f"{name} is not marked present at this meeting.")
    if att.role not in REVEALING_ROLES:
        raise UserError(
            f"Only the chair or the scrutiny officer reveals the views; {name} attends as "
            f"{role_label(att.role)}."
        )


def _reveal(s: Session, item: MeetingCase, actor: str) -> bool:
    if item.views_revealed_at is not None:
        return False
    item.views_revealed_at = utcnow()
    s.flush()
    audit.record(
        s,
        actor,
        "reveal",
        item,
        case=item.case.uuid,
        views=sum(1 for a in item.assessments if a.outcome_code),
    )
    return True


def reveal_views(
    db: Database, item_id: int, *, by_member_id: int | None = None, actor: str = ""
) -> bool:
    """Show every member's view on a case (from now on views on it are fixed); True if new.

    ``by_member_id``: the member revealing, who must attend as chair, vice chair or officer.
    """
    with db.transaction() as s:
        item = _item(s, item_id)
        _check_revealer(s, item.meeting_id, by_member_id)
        return _reveal(s, item, actor)


def reveal_all(
    db: Database, meeting_id: int, *, by_member_id: int | None = None, actor: str = ""
) -> int:
    """Reveal the views on every case of the meeting the panel has not decided; how many."""
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        _check_revealer(s, meeting.id, by_member_id)
        items = s.scalars(
            select(MeetingCase)
            .where(MeetingCase.meeting_id == meeting.id)
            .order_by(MeetingCase.position)
        ).all()
        return sum(_reveal(s, it, actor) for it in items if it.judgement is None)
