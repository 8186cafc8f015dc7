"""Members' own views of a case: recorded, changed and withdrawn under the session's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit, logins
from scrutiny_app.services.history import Change
from scrutiny_app.services.panels import (
    JUDGING_ROLES,
    InterestInfo,
    get_meeting,
)
from scrutiny_app.services.session.common import (
    UNSET,
    _assessment,
    _check_answers,
    _check_outcome,
    _item,
    _member,
    _merge_answers,
    _ref,
    _why_no_view,
    _why_views_fixed,
)
from scrutiny_app.services.templates import TemplateInfo, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    InterestDeclaration,
    MeetingCase,
    Member,
    MemberAssessment,
)

# =========================================================================== members' views


@dataclass(frozen=True)
class ViewInfo:
    member_id: int
    name: str
    outcome_code: str | None
    outcome_label: str
    note: str
    answers: dict[str, Any]
    updated_at: dt.datetime


@dataclass(frozen=True)
class CaseViews:
    """The members' views on one case, as the person asking may see them.

    Before the reveal only the asker's own view is given; of the others, only who has
    recorded one (``recorded``), never what it is.
    """

    item_id: int
    reference: str
    revealed: bool
    decided: bool
    expected: tuple[int, ...]  # members present, judging, with no interest in the case
    recorded: tuple[int, ...]  # members whose view (with an outcome) is in
    own: ViewInfo | None  # the asker's own view
    views: tuple[ViewInfo, ...]  # everybody's, once revealed; () before
    interests: tuple[InterestInfo, ...]

    @property
    def count_text(self) -> str:
        n, of = len(self.recorded), len(set(self.expected) | set(self.recorded))
        return f"{n} of {of} view{'s' if of != 1 else ''} in"

    @property
    def fixed(self) -> bool:
        return self.revealed or self.decided

    def declared(self, member_id: int | None) -> InterestInfo | None:
        return next((i for i in self.interests if i.member_id == member_id), None)


def _view_info(a: MemberAssessment, tpl: TemplateInfo, name: str) -> ViewInfo:
    return ViewInfo(
        member_id=a.member_id,
        name=name,
        outcome_code=a.outcome_code,
        outcome_label=tpl.label(a.outcome_code) if a.outcome_code else "",
        note=a.note or "",
        answers=dict(a.answers or {}),
        updated_at=a.updated_at,
    )


def case_views(db: Database, item_id: int, *, viewer_member_id: int | None = None) -> CaseViews:
    """The views on a case: everyone's once revealed, before that only the viewer's own."""
    with db.session() as s:
        item = _item(s, item_id)
        tpl = template_info(item.meeting.panel.template)
        interests = tuple(
            InterestInfo(d.meeting_case_id, d.member_id, name, d.reason or "")
            for d, name in s.execute(
                select(InterestDeclaration, Member.name)
                .join(Member, Member.id == InterestDeclaration.member_id)
                .where(InterestDeclaration.meeting_case_id == item_id)
                .order_by(Member.name)
            )
        )
        conflicted = {i.member_id for i in interests}
        expected = tuple(
            member_id
            for member_id, role in s.execute(
                select(Attendance.member_id, Attendance.role).where(
                    Attendance.meeting_id == item.meeting_id, Attendance.present.is_(True)
                )
            )
            if role in JUDGING_ROLES and member_id not in conflicted
        )
        names: dict[int, str] = {
            i: n
            for i, n in s.execute(
                select(Member.id, Member.name).where(Member.panel_id == item.meeting.panel_id)
            )
        }
        rows = sorted(item.assessments, key=lambda a: names.get(a.member_id, "").casefold())
        revealed = item.views_revealed_at is not None
        own = next((a for a in rows if a.member_id == viewer_member_id), None)
        return CaseViews(
            item_id=item.id,
            reference=_ref(item),
            revealed=revealed,
            decided=item.judgement is not None,
            expected=expected,
            recorded=tuple(a.member_id for a in rows if a.outcome_code),
            own=_view_info(own, tpl, names.get(own.member_id, "")) if own else None,
            views=(
                tuple(_view_info(a, tpl, names.get(a.member_id, "")) for a in rows)
                if revealed
                else ()
            ),
            interests=interests,
        )


def cases_done_by(db: Database, meeting_id: int, member_id: int) -> frozenset[int]:
    """The meeting's cases a member is done with: a view with an outcome, or an interest."""
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        viewed = s.scalars(
            select(MemberAssessment.meeting_case_id)
            .join(MeetingCase, MeetingCase.id == MemberAssessment.meeting_case_id)
            .where(
                MeetingCase.meeting_id == meeting.id,
                MemberAssessment.member_id == member_id,
                MemberAssessment.outcome_code.is_not(None),
            )
        )
        declared = s.scalars(
            select(InterestDeclaration.meeting_case_id)
            .join(MeetingCase, MeetingCase.id == InterestDeclaration.meeting_case_id)
            .where(MeetingCase.meeting_id == meeting.id, InterestDeclaration.member_id == member_id)
        )
        return frozenset(viewed) | frozenset(declared)


def _view_snapshot(a: MemberAssessment | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"outcome_code": a.outcome_code, "note": a.note or "", "answers": dict(a.answers or {})}


def _write_view(
    s: Session,
    item: MeetingCase,
    member: Member,
    snapshot: dict[str, Any] | None,
    actor: str,
    *,
    undo: bool = False,
) -> None:
    row = _assessment(s, item.id, member.id)
    details: dict[str, Any] = {"case": item.case.uuid, "member": member.uuid}
    if undo:
        details["undo_redo"] = True
    if snapshot is None:
        if row is not None:
            audit.record(s, actor or member.name, "delete", row, **details)
            s.delete(row)
            s.flush()
        return
    action = "update" if row is not None else "create"
    if row is None:
        row = MemberAssessment(meeting_case_id=item.id, member_id=member.id)
        s.add(row)
    row.outcome_code = snapshot["outcome_code"]
    row.note = snapshot["note"]
    row.answers = dict(snapshot["answers"])
    s.flush()
    audit.record(
        s,
        actor or member.name,
        action,
        row,
        outcome=row.outcome_code,
        answered=sorted(row.answers),
        note_length=len(row.note),
        **details,
    )


def _which_field(
    before: dict[str, Any] | None, after: dict[str, Any], fields: tuple[str, ...]
) -> str:
    """The one text field in ``fields`` that changed, if nothing else did; else ''."""
    if before is None:
        return ""
    changed = [k for k in after if after.get(k) != before.get(k)]
    return changed[0] if len(changed) == 1 and changed[0] in fields else ""


def record_view(
    db: Database,
    item_id: int,
    member_id: int,
    *,
    outcome_code: str | None = UNSET,
    note: str = UNSET,
    answers: Mapping[str, str | None] | None = None,
    actor: str = "",
) -> Change | None:
    """Save (part of) a member's own view of a case; returns the change, None if nothing changed.

    Only what is given changes: ``outcome_code`` (None clears it), ``note``, and ``answers``
    (question key -> answer; None removes an answer). Refused for a member not present, not
    judging at this meeting, with an interest declared in the case, or once the views on the
    case are revealed or the panel has decided it.
    """
    logins.require_own_view(db, member_id)
    with db.transaction() as s:
        item = _item(s, item_id)
        member = _member(s, item, member_id)
        reason = _why_no_view(s, item, member)
        if reason:
            raise UserError(reason)
        row = _assessment(s, item_id, member_id)
        before = _view_snapshot(row)
        new = dict(before or {"outcome_code": None, "note": "", "answers": {}})
        if outcome_code is not UNSET:
            if outcome_code is not None:
                _check_outcome(item, outcome_code)
            new["outcome_code"] = outcome_code
        if note is not UNSET:
            new["note"] = note
        if answers:
            _check_answers(item, answers)
            new["answers"] = _merge_answers(new["answers"], answers)
        empty: dict[str, Any] = {"outcome_code": None, "note": "", "answers": {}}
        if new == (before or empty):
            return None
        _write_view(s, item, member, new, actor or member.name)
        return Change(
            kind="view",
            item_id=item.id,
            member_id=member.id,
            label=f"{member.name}'s view on {_ref(item)}",
            before=before,
            after=new,
            restore=partial(_restore_view, item.id, member.id),
            field=_which_field(before, new, ("note",)),
        )


def _restore_view(item_id: int, member_id: int, db: Database, snapshot: Any, actor: str) -> None:
    with db.transaction() as s:
        item = _item(s, item_id)
        member = _member(s, item, member_id)
        reason = _why_no_view(s, item, member) if snapshot is not None else _why_views_fixed(item)
        if reason:
            raise UserError(reason)
        _write_view(s, item, member, snapshot, actor, undo=True)
