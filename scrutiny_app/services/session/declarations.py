"""Declarations of interest in a case, which withdraw a member's view."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from scrutiny_app.services import audit
from scrutiny_app.services.history import Change
from scrutiny_app.services.session.common import _assessment, _interest, _item, _member, _ref
from scrutiny_app.services.session.views import _view_snapshot, _write_view
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    InterestDeclaration,
    MeetingCase,
    Member,
)

# =========================================================================== declarations


def _interest_snapshot(s: Session, item_id: int, member_id: int) -> tuple[Any, Any]:
    d = _interest(s, item_id, member_id)
    return (d.reason if d is not None else None, _view_snapshot(_assessment(s, item_id, member_id)))


def _write_interest(
    s: Session, item: MeetingCase, member: Member, reason: str | None, actor: str, **details: Any
) -> None:
    d = _interest(s, item.id, member.id)
    if reason is None:
        if d is not None:
            audit.record(
                s, actor, "withdraw", d, case=item.case.uuid, member=member.uuid, **details
            )
            s.delete(d)
            s.flush()
        return
    action = "update" if d is not None else "declare"
    if d is None:
        d = InterestDeclaration(meeting_case_id=item.id, member_id=member.id)
        s.add(d)
    d.reason = reason
    s.flush()
    audit.record(
        s, actor, action, d, case=item.case.uuid, member=member.uuid, reason=reason, **details
    )


def declare_interest(
    db: Database, item_id: int, member_id: int, reason: str = "", *, actor: str = ""
) -> Change:
    """Record a member's interest in a case: they may not record a view on it.

    A view they had already recorded on the case is withdrawn (the audit trail keeps that it
    was); undoing the declaration puts it back.
    """
    reason = reason.strip()
    with db.transaction() as s:
        item = _item(s, item_id)
        member = _member(s, item, member_id)
        before = _interest_snapshot(s, item_id, member_id)
        had_view = before[1] is not None
        _write_interest(s, item, member, reason, actor, view_withdrawn=had_view)
        if had_view:
            _write_view(s, item, member, None, actor)
        return Change(
            kind="interest",
            item_id=item.id,
            member_id=member.id,
            label=f"{member.name}'s declaration of interest in {_ref(item)}",
            before=before,
            after=(reason, None),
            restore=partial(_restore_interest, item.id, member.id),
        )


def withdraw_interest(
    db: Database, item_id: int, member_id: int, *, actor: str = ""
) -> Change | None:
    """Withdraw a declaration of interest made in error; None if there was none."""
    with db.transaction() as s:
        item = _item(s, item_id)
        member = _member(s, item, member_id)
        before = _interest_snapshot(s, item_id, member_id)
        if before[0] is None:
            return None
        _write_interest(s, item, member, None, actor)
        return Change(
            kind="interest",
            item_id=item.id,
            member_id=member.id,
            label=f"withdrawing {member.name}'s interest in {_ref(item)}",
            before=before,
            after=(None, before[1]),
            restore=partial(_restore_interest, item.id, member.id),
        )


def _restore_interest(
    item_id: int, member_id: int, db: Database, snapshot: Any, actor: str
) -> None:
    reason, view = snapshot
    with db.transaction() as s:
        item = _item(s, item_id)
        member = _member(s, item, member_id)
        _write_interest(s, item, member, reason, actor, undo_redo=True)
        current = _view_snapshot(_assessment(s, item_id, member_id))
        if current != view:
            _write_view(s, item, member, view, actor, undo=True)
