"""The session's shared pieces: the review template, who is acting, and the lookups every step uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.domain.vocab import MeetingStatus
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import (
    JUDGING_ROLES,
    REVEALING_ROLES,
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
    # How the report tallies it (services/criteria.py); a copy, so the dataclass stays frozen.
    report: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


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
                QuestionInfo(
                    q.key,
                    q.text,
                    q.group or "",
                    tuple(str(a) for a in q.answers),
                    dict(q.report or {}),
                )
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
