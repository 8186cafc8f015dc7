"""The panel session: members' own views, the reveal, the panel decision, and who is acting.

A panel day (DOMAIN.md): each member present forms a view of a case on their own; the chair or
the scrutiny officer reveals the views; the panel discusses and records its decision, with its
consensus and the dissenting views kept. "No consensus, more information needed" carries the
case to the next meeting's sample.

Rules kept here, not in the GUI:

- a member records a view only if marked present, attending in a judging role (chair, vice
  chair, member) and without a declared interest in the case; declaring an interest withdraws
  a view already recorded;
- other members' views are not returned until the case's views are revealed
  (:func:`case_views`); once revealed (or decided) a view is fixed, so the agreement figures
  measure views formed independently;
- the panel decision's consensus is suggested from the views (unanimous when every view is the
  decision's outcome, majority otherwise), the views that differ are written into its dissent
  (without names: the published report does not name members), and the carry-over outcome
  means consensus "none";
- every edit is one transaction with an audit event naming who acted, and returns a
  :class:`~scrutiny_app.services.history.Change` for undo and redo.

Every function opens its own transaction, so an edit is on disk when the call returns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.domain.vocab import Consensus, MeetingStatus
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.cases import CaseState, OutcomeCount, meeting_cases
from scrutiny_app.services.history import Change
from scrutiny_app.services.panels import (
    JUDGING_ROLES,
    REVEALING_ROLES,
    InterestInfo,
    get_meeting,
    meeting_attendance,
    meeting_item,
    role_label,
)
from scrutiny_app.services.templates import TemplateInfo, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    InterestDeclaration,
    MeetingCase,
    Member,
    MemberAssessment,
    OutcomeCode,
    PanelJudgement,
    utcnow,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave this as it is" for the partial-update functions

DECISION_TEXTS = (
    "observations",
    "good_practice",
    "individual_learning",
    "organisational_learning",
    "dissent",
)
MAX_SECONDS_PER_CALL = 4 * 3600  # a clock left running over lunch is not panel time


# =========================================================================== the template


@dataclass(frozen=True)
class QuestionInfo:
    key: str
    text: str
    group: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class FieldInfo:
    key: str
    label: str
    kind: str
    personal: bool


@dataclass(frozen=True)
class ReviewTemplate:
    """What the review form is generated from: outcome scheme, questions and case fields."""

    template: TemplateInfo
    questions: tuple[QuestionInfo, ...]
    fields: tuple[FieldInfo, ...]

    def field_label(self, key: str) -> str:
        for f in self.fields:
            if f.key == key:
                return f.label
        return key.replace("_", " ").capitalize()

    def question(self, key: str) -> QuestionInfo | None:
        return next((q for q in self.questions if q.key == key), None)


def review_template(db: Database, meeting_id: int) -> ReviewTemplate:
    with db.session() as s:
        tpl = get_meeting(s, meeting_id).panel.template
        return ReviewTemplate(
            template=template_info(tpl),
            questions=tuple(
                QuestionInfo(q.key, q.text, q.group or "", tuple(str(a) for a in q.answers))
                for q in tpl.questions
            ),
            fields=tuple(FieldInfo(f.key, f.label, f.kind, f.personal) for f in tpl.fields),
        )


# =========================================================================== who is acting


@dataclass(frozen=True)
class SessionUser:
    """Who is using the app: a member on the meeting's attendance, or someone who is not."""

    member_id: int | None
    name: str
    role: str

    @property
    def can_judge(self) -> bool:
        return self.member_id is not None and self.role in JUDGING_ROLES

    @property
    def can_reveal(self) -> bool:
        return self.member_id is None or self.role in REVEALING_ROLES

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    @property
    def label(self) -> str:
        if self.member_id is None:
            return f"{self.name} (not on the attendance)"
        return f"{self.name} ({self.role_label})"


def session_users(db: Database, meeting_id: int) -> tuple[SessionUser, ...]:
    """The people who may be using the app at this meeting: those marked present."""
    return tuple(
        SessionUser(a.member_id, a.name, a.role)
        for a in meeting_attendance(db, meeting_id)
        if a.present
    )


def start_session(db: Database, meeting_id: int, *, actor: str = "") -> bool:
    """A planned meeting goes "in session" when its session starts; True if it changed."""
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        if meeting.status != MeetingStatus.PLANNED:
            return False
        meeting.status = MeetingStatus.IN_SESSION
        s.flush()
        audit.record(s, actor, "status", meeting, status_from="planned", status_to="in_session")
        return True


# =========================================================================== lookups


def _item(s: Session, item_id: int) -> MeetingCase:
    return meeting_item(s, item_id)


def _scheme(item: MeetingCase) -> dict[str, OutcomeCode]:
    return {o.code: o for o in item.meeting.panel.template.outcomes}


def _check_outcome(item: MeetingCase, code: str) -> OutcomeCode:
    scheme = _scheme(item)
    if code not in scheme:
        raise UserError(f"{code!r} is not an outcome of this panel's scheme ({', '.join(scheme)}).")
    return scheme[code]


def _check_answers(item: MeetingCase, answers: Mapping[str, str | None]) -> None:
    questions = {q.key: q for q in item.meeting.panel.template.questions}
    for key, value in answers.items():
        q = questions.get(key)
        if q is None:
            raise UserError(f"{key!r} is not a question of this panel's template.")
        if value is not None and value not in q.answers:
            raise UserError(
                f"{value!r} is not an answer to \u201c{q.text}\u201d "
                f"({', '.join(map(str, q.answers))})."
            )


def _merge_answers(current: Mapping[str, Any], patch: Mapping[str, str | None]) -> dict[str, Any]:
    out = dict(current)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _member(s: Session, item: MeetingCase, member_id: int) -> Member:
    member = s.get(Member, member_id)
    if member is None or member.panel_id != item.meeting.panel_id:
        raise NotFound(f"Member {member_id} is not on this meeting's panel.")
    return member


def _attendance(s: Session, meeting_id: int, member_id: int) -> Attendance | None:
    return s.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.member_id == member_id
        )
    )


def _interest(s: Session, item_id: int, member_id: int) -> InterestDeclaration | None:
    return s.scalar(
        select(InterestDeclaration).where(
            InterestDeclaration.meeting_case_id == item_id,
            InterestDeclaration.member_id == member_id,
        )
    )


def _assessment(s: Session, item_id: int, member_id: int) -> MemberAssessment | None:
    return s.scalar(
        select(MemberAssessment).where(
            MemberAssessment.meeting_case_id == item_id, MemberAssessment.member_id == member_id
        )
    )


def _ref(item: MeetingCase) -> str:
    return item.case.reference


def _why_no_view(s: Session, item: MeetingCase, member: Member) -> str | None:
    """Why ``member`` may not record (or change) a view on ``item``; None if they may."""
    att = _attendance(s, item.meeting_id, member.id)
    if att is None or not att.present:
        return f"{member.name} is not marked present at this meeting."
    if att.role not in JUDGING_ROLES:
        return f"{member.name} attends as {role_label(att.role)}: only panel members record a view."
    if _interest(s, item.id, member.id) is not None:
        return f"{member.name} declared an interest in {_ref(item)} and cannot record a view on it."
    return _why_views_fixed(item)


def _why_views_fixed(item: MeetingCase) -> str | None:
    if item.judgement is not None:
        return f"The panel has decided {_ref(item)}: the members' views are fixed."
    if item.views_revealed_at is not None:
        return f"The views on {_ref(item)} have been revealed: each member's view is now fixed."
    return None


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
        empty = {"outcome_code": None, "note": "", "answers": {}}
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


# =========================================================================== the decision


def suggest_consensus(
    view_outcomes: list[str], outcome_code: str, *, carry_over: bool
) -> Consensus:
    """Unanimous when every member's view is the decision's outcome; majority otherwise.

    The carry-over outcome ("no consensus, more information needed") is never agreed.
    """
    if carry_over:
        return Consensus.NONE
    if all(v == outcome_code for v in view_outcomes):
        return Consensus.UNANIMOUS
    return Consensus.MAJORITY


def dissent_text(
    views: list[tuple[str, str]], outcome_code: str, scheme: Mapping[str, OutcomeCode]
) -> str:
    """The views that differ from the decision, without names: one line each.

    ``views`` are (outcome code, note) pairs. For the carry-over outcome every view is a line
    (the panel did not agree, so each view stands on its own).
    """
    carry = scheme[outcome_code].is_carry_over if outcome_code in scheme else False
    order = {code: o.position for code, o in scheme.items()}
    lines = []
    for code, note in sorted(views, key=lambda v: (order.get(v[0], 99), v[1])):
        if code == outcome_code and not carry:
            continue
        label = scheme[code].label if code in scheme else code
        note = " ".join(note.split())
        lines.append(f"One member's view: {label}" + (f" \u2014 {note}" if note else "."))
    return "\n".join(lines)


def majority_answers(answers: list[Mapping[str, Any]]) -> dict[str, str]:
    """Per question, the answer more than half of the members who answered it gave."""
    out = {}
    keys = {k for a in answers for k in a}
    for key in sorted(keys):
        given = [a[key] for a in answers if a.get(key)]
        if given:
            value, n = Counter(given).most_common(1)[0]
            if n * 2 > len(given):
                out[key] = value
    return out


def _decision_snapshot(j: PanelJudgement | None) -> dict[str, Any] | None:
    if j is None:
        return None
    snap: dict[str, Any] = {
        "outcome_code": j.outcome_code,
        "consensus": j.consensus,
        "answers": dict(j.answers or {}),
        "internal": bool(j.internal),
    }
    for name in DECISION_TEXTS:
        snap[name] = getattr(j, name) or ""
    return snap


def _write_decision(
    s: Session,
    item: MeetingCase,
    snapshot: dict[str, Any] | None,
    actor: str,
    *,
    undo: bool = False,
) -> None:
    j = item.judgement
    details: dict[str, Any] = {"case": item.case.uuid}
    if undo:
        details["undo_redo"] = True
    if snapshot is None:
        if j is not None:
            audit.record(s, actor, "delete", j, **details)
            item.judgement = None
            s.delete(j)
            s.flush()
        return
    action = "update" if j is not None else "create"
    scheme = _scheme(item)
    if j is None:
        j = PanelJudgement(meeting_case_id=item.id, outcome_code=snapshot["outcome_code"])
        s.add(j)
        item.judgement = j
    j.outcome_code = snapshot["outcome_code"]
    j.consensus = snapshot["consensus"]
    j.carried_over = scheme[j.outcome_code].is_carry_over
    j.answers = dict(snapshot["answers"])
    j.internal = bool(snapshot["internal"])
    for name in DECISION_TEXTS:
        setattr(j, name, snapshot[name])
    j.recorded_by = actor
    s.flush()
    if item.assessments and item.views_revealed_at is None:
        _reveal(s, item, actor)  # a decision shows the views it was made over
    audit.record(
        s,
        actor,
        action,
        j,
        outcome=j.outcome_code,
        consensus=j.consensus,
        carried_over=j.carried_over,
        **details,
    )


def save_decision(
    db: Database,
    item_id: int,
    *,
    outcome_code: str = UNSET,
    consensus: str = UNSET,
    answers: Mapping[str, str | None] | None = None,
    internal: bool = UNSET,
    actor: str = "",
    **texts: str,
) -> Change | None:
    """Save (part of) the panel's decision on a case; returns the change, None if unchanged.

    The first save needs the outcome. Choosing an outcome suggests the consensus (unless it is
    given) and writes the differing views into the dissent (unless the dissent was typed), and
    on the first save pre-fills the answers most members gave. The carry-over outcome means
    consensus "none" and carries the case over; "none" with any other outcome is refused.
    ``texts`` may hold any of DECISION_TEXTS; ``answers`` maps question keys to an answer or
    None (removed).
    """
    unknown = set(texts) - set(DECISION_TEXTS)
    if unknown:
        raise TypeError(f"unknown decision fields: {sorted(unknown)}")
    with db.transaction() as s:
        item = _item(s, item_id)
        scheme = _scheme(item)
        before = _decision_snapshot(item.judgement)
        if before is None and (outcome_code is UNSET or outcome_code is None):
            raise UserError(
                f"Choose the panel's outcome for {_ref(item)} first "
                f"({', '.join(o.label for o in scheme.values())})."
            )
        new: dict[str, Any] = dict(
            before
            or {
                "outcome_code": None,
                "consensus": Consensus.UNANIMOUS.value,
                "answers": {},
                "internal": False,
                **dict.fromkeys(DECISION_TEXTS, ""),
            }
        )
        views = [(a.outcome_code, a.note or "") for a in item.assessments if a.outcome_code]
        if outcome_code is not UNSET and outcome_code != new["outcome_code"]:
            chosen = _check_outcome(item, outcome_code)
            old_auto = (
                dissent_text(views, new["outcome_code"], scheme) if new["outcome_code"] else ""
            )
            new["outcome_code"] = outcome_code
            if consensus is UNSET:
                new["consensus"] = suggest_consensus(
                    [v for v, _ in views], outcome_code, carry_over=chosen.is_carry_over
                ).value
            if "dissent" not in texts and new["dissent"] in ("", old_auto):
                new["dissent"] = dissent_text(views, outcome_code, scheme)
            if before is None and answers is None:
                new["answers"] = majority_answers([a.answers or {} for a in item.assessments])
        if consensus is not UNSET:
            new["consensus"] = Consensus(consensus).value
        carry = scheme[new["outcome_code"]]
        if carry.is_carry_over:
            new["consensus"] = Consensus.NONE.value
        elif new["consensus"] == Consensus.NONE:
            label = next((o.label for o in scheme.values() if o.is_carry_over), "no consensus")
            raise UserError(
                f"\u201cNo consensus\u201d is recorded with the outcome \u201c{label}\u201d, "
                "which carries the case over to the next meeting."
            )
        for name, value in texts.items():
            new[name] = value
        if answers:
            _check_answers(item, answers)
            new["answers"] = _merge_answers(new["answers"], answers)
        if internal is not UNSET:
            new["internal"] = bool(internal)
        if new == before:
            return None
        _write_decision(s, item, new, actor)
        return Change(
            kind="decision",
            item_id=item.id,
            label=f"the panel decision on {_ref(item)}",
            before=before,
            after=new,
            restore=partial(_restore_decision, item.id),
            field=_which_field(before, new, DECISION_TEXTS),
        )


def withdraw_decision(db: Database, item_id: int, *, actor: str = "") -> Change | None:
    """Remove the panel decision on a case (recorded in error); None if there was none."""
    with db.transaction() as s:
        item = _item(s, item_id)
        before = _decision_snapshot(item.judgement)
        if before is None:
            return None
        _write_decision(s, item, None, actor)
        return Change(
            kind="decision",
            item_id=item.id,
            label=f"withdrawing the panel decision on {_ref(item)}",
            before=before,
            after=None,
            restore=partial(_restore_decision, item.id),
        )


def _restore_decision(item_id: int, db: Database, snapshot: Any, actor: str) -> None:
    with db.transaction() as s:
        _write_decision(s, _item(s, item_id), snapshot, actor, undo=True)


# =========================================================================== time and progress


def add_time(db: Database, item_id: int, seconds: float) -> int:
    """Add time the panel spent on a case (whole seconds); returns the case's new total."""
    whole = int(min(max(seconds, 0), MAX_SECONDS_PER_CALL))
    with db.transaction() as s:
        item = _item(s, item_id)
        if whole:
            item.seconds_spent = (item.seconds_spent or 0) + whole
        return item.seconds_spent or 0


@dataclass(frozen=True)
class Progress:
    total: int
    decided: int
    carried_over: int
    views_in: int  # not decided, with at least one view (or revealed)
    not_started: int
    seconds: int
    tally: tuple[OutcomeCount, ...]

    @property
    def text(self) -> str:
        """'14 of 24 decided'."""
        return f"{self.decided} of {self.total} decided"


def progress(db: Database, meeting_id: int) -> Progress:
    """How far the session has got, and the live tally of the panel's decisions."""
    data = meeting_cases(db, meeting_id)
    states = data.state_counts()
    return Progress(
        total=len(data.rows),
        decided=data.decided_count,
        carried_over=data.carried_over_count,
        views_in=states[CaseState.VIEWS_IN],
        not_started=states[CaseState.NOT_STARTED],
        seconds=sum(r.seconds_spent for r in data.rows),
        tally=tuple(data.counts()),
    )


def format_duration(seconds: int) -> str:
    """'45 s', '12 min', '1 h 05 min'."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


__all__ = [
    "UNSET",
    "CaseViews",
    "FieldInfo",
    "Progress",
    "QuestionInfo",
    "ReviewTemplate",
    "SessionUser",
    "ViewInfo",
    "add_time",
    "case_views",
    "cases_done_by",
    "declare_interest",
    "dissent_text",
    "format_duration",
    "majority_answers",
    "progress",
    "record_view",
    "reveal_all",
    "reveal_views",
    "review_template",
    "save_decision",
    "session_users",
    "start_session",
    "suggest_consensus",
    "withdraw_decision",
    "withdraw_interest",
]
