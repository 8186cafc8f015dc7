"""Panels, members, meetings and attendance; read models for browsing them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scrutiny_app.domain.vocab import AccessMode, MeetingStatus, MemberRole
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.templates import TemplateInfo, ensure_builtin_templates, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    InterestDeclaration,
    Meeting,
    MeetingCase,
    Member,
    Panel,
    PanelJudgement,
    PanelTemplate,
)


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    uuid: str
    panel_id: int
    panel_name: str
    date: dt.date
    theme: str
    status: str
    case_count: int
    decided_count: int

    @property
    def title(self) -> str:
        return f"{self.date:%d %b %Y} - {self.theme}" if self.theme else f"{self.date:%d %b %Y}"


@dataclass(frozen=True)
class PanelInfo:
    id: int
    uuid: str
    name: str
    force: str
    access_mode: str
    code: str
    template: TemplateInfo
    meetings: tuple[MeetingInfo, ...]


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    role: str
    organisation: str


# Roles that record their own view of a case and take part in the panel's decision.
JUDGING_ROLES = frozenset({MemberRole.CHAIR, MemberRole.VICE_CHAIR, MemberRole.MEMBER})
# Roles that may reveal the members' views (the scrutiny officer or the chair).
REVEALING_ROLES = frozenset({MemberRole.CHAIR, MemberRole.VICE_CHAIR, MemberRole.OFFICER})


def role_label(role: str) -> str:
    try:
        return MemberRole(role).label
    except ValueError:
        return role.replace("_", " ").capitalize()


@dataclass(frozen=True)
class AttendeeInfo:
    """A panel member as they stand at one meeting (whether or not attendance was recorded)."""

    member_id: int
    name: str
    role: str  # the role at this meeting
    organisation: str
    present: bool
    recorded: bool  # an attendance row exists for this meeting
    declarations: str  # general declarations of interest made at the meeting
    vetting_expiry: dt.date | None
    confidentiality_signed: dt.date | None

    @property
    def can_judge(self) -> bool:
        return self.role in JUDGING_ROLES

    @property
    def can_reveal(self) -> bool:
        return self.role in REVEALING_ROLES

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    def warnings(self, on: dt.date) -> list[str]:
        """What the officer should check before this member sees case files on ``on``."""
        out = []
        if self.vetting_expiry is None:
            out.append("no vetting recorded")
        elif self.vetting_expiry < on:
            out.append(f"vetting expired on {self.vetting_expiry:%d %b %Y}")
        if self.confidentiality_signed is None:
            out.append("no confidentiality agreement recorded")
        return out


@dataclass(frozen=True)
class InterestInfo:
    """A member's declared interest in one case of a meeting."""

    item_id: int
    member_id: int
    name: str
    reason: str


def create_panel(
    db: Database,
    template_key: str,
    name: str,
    *,
    force: str = "",
    code: str = "",
    access_mode: str = AccessMode.PSEUDONYMISED,
    actor: str = "",
) -> int:
    """Create a panel from a template; returns its id."""
    name = name.strip()
    if not name:
        raise UserError("A panel needs a name.")
    access_mode = AccessMode(access_mode)
    ensure_builtin_templates(db)
    with db.transaction() as s:
        tpl = s.scalar(select(PanelTemplate).where(PanelTemplate.key == template_key))
        if tpl is None:
            raise NotFound(f"No panel template {template_key!r}.")
        panel = Panel(
            name=name,
            template=tpl,
            force=force.strip(),
            access_mode=access_mode,
            code=(code.strip() or tpl.case_prefix).upper(),
        )
        s.add(panel)
        s.flush()
        audit.record(s, actor, "create", panel, name=name, template=template_key)
        return panel.id


def add_member(
    db: Database,
    panel_id: int,
    name: str,
    *,
    role: str = MemberRole.MEMBER,
    organisation: str = "",
    vetting_expiry: dt.date | None = None,
    confidentiality_signed: dt.date | None = None,
    actor: str = "",
) -> int:
    if not name.strip():
        raise UserError("A member needs a name.")
    role = MemberRole(role)
    with db.transaction() as s:
        _panel(s, panel_id)
        member = Member(
            panel_id=panel_id,
            name=name.strip(),
            role=role,
            organisation=organisation,
            vetting_expiry=vetting_expiry,
            confidentiality_signed=confidentiality_signed,
        )
        s.add(member)
        s.flush()
        audit.record(s, actor, "create", member, name=member.name, role=role)
        return member.id


def create_meeting(
    db: Database,
    panel_id: int,
    date: dt.date,
    theme: str,
    *,
    location: str = "",
    status: str = MeetingStatus.PLANNED,
    actor: str = "",
) -> int:
    status = MeetingStatus(status)
    with db.transaction() as s:
        _panel(s, panel_id)
        meeting = Meeting(
            panel_id=panel_id, date=date, theme=theme.strip(), location=location, status=status
        )
        s.add(meeting)
        s.flush()
        audit.record(s, actor, "create", meeting, date=date, theme=meeting.theme)
        return meeting.id


def set_attendance(
    db: Database,
    meeting_id: int,
    member_id: int,
    *,
    present: bool = True,
    declarations: str = "",
    role: str | None = None,
    actor: str = "",
) -> None:
    """Record whether a member is present at a meeting, their role there and declarations.

    ``role`` None keeps the role already recorded for the meeting (the member's usual role for
    a new row).
    """
    if role is not None:
        role = MemberRole(role)
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        member = s.get(Member, member_id)
        if member is None or member.panel_id != meeting.panel_id:
            raise NotFound(f"Member {member_id} is not on this meeting's panel.")
        problem = vetting_problem(member, meeting.date) if present else None
        if problem:
            raise UserError(f"{problem} They cannot be recorded present at this meeting.")
        row = s.scalar(
            select(Attendance).where(
                Attendance.meeting_id == meeting_id, Attendance.member_id == member_id
            )
        )
        if row is None:
            row = Attendance(meeting_id=meeting_id, member_id=member_id, role=member.role)
            s.add(row)
        row.present = present
        row.declarations = declarations
        if role is not None:
            row.role = role
        s.flush()
        audit.record(
            s,
            actor,
            "attendance",
            row,
            member=member.uuid,
            present=present,
            role=row.role,
            declarations=declarations,
        )


def meeting_attendance(db: Database, meeting_id: int) -> tuple[AttendeeInfo, ...]:
    """Every member of the meeting's panel with their attendance (chair first, then by name).

    Members with no attendance row are listed as not present; inactive members only when
    attendance was recorded for them.
    """
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        rows = {
            a.member_id: a
            for a in s.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
        }
        members = s.scalars(select(Member).where(Member.panel_id == meeting.panel_id)).all()
        out = []
        for m in members:
            a = rows.get(m.id)
            if a is None and not m.active:
                continue
            out.append(
                AttendeeInfo(
                    member_id=m.id,
                    name=m.name,
                    role=(a.role if a is not None and a.role else m.role),
                    organisation=m.organisation,
                    present=bool(a.present) if a is not None else False,
                    recorded=a is not None,
                    declarations=(a.declarations or "") if a is not None else "",
                    vetting_expiry=m.vetting_expiry,
                    confidentiality_signed=m.confidentiality_signed,
                )
            )
    order = {str(r.value): i for i, r in enumerate(MemberRole)}
    return tuple(sorted(out, key=lambda x: (order.get(x.role, 99), x.name.casefold())))


def case_interests(db: Database, meeting_id: int) -> dict[int, tuple[InterestInfo, ...]]:
    """Declared interests per meeting case (MeetingCase id) of a meeting."""
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        rows = s.execute(
            select(InterestDeclaration, Member.name)
            .join(MeetingCase, MeetingCase.id == InterestDeclaration.meeting_case_id)
            .join(Member, Member.id == InterestDeclaration.member_id)
            .where(MeetingCase.meeting_id == meeting.id)
            .order_by(MeetingCase.position, Member.name)
        ).all()
    out: dict[int, list[InterestInfo]] = {}
    for d, name in rows:
        out.setdefault(d.meeting_case_id, []).append(
            InterestInfo(d.meeting_case_id, d.member_id, name, d.reason or "")
        )
    return {k: tuple(v) for k, v in out.items()}


def set_meeting_status(db: Database, meeting_id: int, status: str, *, actor: str = "") -> bool:
    """Move a meeting to ``status`` (planned, in session, held, reported); True if it changed."""
    status = MeetingStatus(status)
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        if meeting.status == status:
            return False
        before = meeting.status
        meeting.status = status
        s.flush()
        audit.record(s, actor, "status", meeting, status_from=before, status_to=status)
        return True


# --------------------------------------------------------------------------- lookups


def _panel(s: Session, panel_id: int) -> Panel:
    panel = s.get(Panel, panel_id)
    if panel is None:
        raise NotFound(f"No panel with id {panel_id}.")
    return panel


def meeting_item(s: Session, item_id: int, *options: Any) -> MeetingCase:
    """A case on a meeting's agenda by its ``MeetingCase.id`` (the one lookup every service
    uses); ``options`` are loader options for the query."""
    item = (
        s.scalar(select(MeetingCase).where(MeetingCase.id == item_id).options(*options))
        if options
        else s.get(MeetingCase, item_id)
    )
    if item is None:
        raise NotFound(f"No case {item_id} on any meeting's agenda.")
    return item


def get_meeting(s: Session, meeting_ref: int | str) -> Meeting:
    """Find a meeting by its id, or by its UUID (or a unique prefix of it, at least 8 characters)."""
    meeting = None
    text = str(meeting_ref).strip()
    if text.isdigit():
        meeting = s.get(Meeting, int(text))
    elif len(text) >= 8:
        found = s.scalars(select(Meeting).where(Meeting.uuid.startswith(text.lower()))).all()
        meeting = found[0] if len(found) == 1 else None
    if meeting is None:
        raise NotFound(
            f"No meeting {text!r} in this database. List the meetings with: scrutiny-app meetings"
        )
    return meeting


def resolve_meeting_id(db: Database, meeting_ref: int | str) -> int:
    with db.session() as s:
        return get_meeting(s, meeting_ref).id


def list_panels(db: Database) -> list[PanelInfo]:
    """Every panel with its meetings (newest last) and how far each meeting has got."""
    with db.session() as s:
        case_counts = dict(
            s.execute(
                select(MeetingCase.meeting_id, func.count()).group_by(MeetingCase.meeting_id)
            ).all()
        )
        decided_counts = dict(
            s.execute(
                select(MeetingCase.meeting_id, func.count())
                .join(PanelJudgement, PanelJudgement.meeting_case_id == MeetingCase.id)
                .group_by(MeetingCase.meeting_id)
            ).all()
        )
        panels = s.scalars(select(Panel).order_by(Panel.name)).all()
        return [
            PanelInfo(
                id=p.id,
                uuid=p.uuid,
                name=p.name,
                force=p.force,
                access_mode=p.access_mode,
                code=p.code,
                template=template_info(p.template),
                meetings=tuple(
                    _meeting_info(m, p, case_counts.get(m.id, 0), decided_counts.get(m.id, 0))
                    for m in p.meetings
                ),
            )
            for p in panels
        ]


def _meeting_info(m: Meeting, p: Panel, cases: int, decided: int) -> MeetingInfo:
    return MeetingInfo(
        id=m.id,
        uuid=m.uuid,
        panel_id=p.id,
        panel_name=p.name,
        date=m.date,
        theme=m.theme,
        status=m.status,
        case_count=cases,
        decided_count=decided,
    )


def meeting_info(db: Database, meeting_id: int) -> MeetingInfo:
    for panel in list_panels(db):
        for m in panel.meetings:
            if m.id == meeting_id:
                return m
    raise NotFound(f"No meeting with id {meeting_id}.")


def panel_of_meeting(db: Database, meeting_id: int) -> PanelInfo:
    for panel in list_panels(db):
        if any(m.id == meeting_id for m in panel.meetings):
            return panel
    raise NotFound(f"No meeting with id {meeting_id}.")


VETTING_WARNING_DAYS = 30


@dataclass(frozen=True)
class MemberDetails:
    """A member as the members window shows them, with where their vetting stands."""

    id: int
    panel_id: int
    name: str
    role: str
    organisation: str
    vetting_expiry: dt.date | None
    confidentiality_signed: dt.date | None
    active: bool

    def vetting_state(self, today: dt.date) -> str:
        """expired | expires soon (within 30 days) | current | not recorded"""
        if self.vetting_expiry is None:
            return "not recorded"
        if self.vetting_expiry < today:
            return "expired"
        if (self.vetting_expiry - today).days <= VETTING_WARNING_DAYS:
            return "expires soon"
        return "current"

    def vetting_text(self, today: dt.date) -> str:
        state = self.vetting_state(today)
        if self.vetting_expiry is None:
            return "Vetting not recorded"
        when = f"{self.vetting_expiry:%d %b %Y}"
        if state == "expired":
            return f"Vetting expired on {when}"
        if state == "expires soon":
            days = (self.vetting_expiry - today).days
            return f"Vetting expires on {when} (in {days} day{'s' if days != 1 else ''})"
        return f"Vetted until {when}"


def _details(m: Member) -> MemberDetails:
    return MemberDetails(
        m.id, m.panel_id, m.name, m.role, m.organisation, m.vetting_expiry,
        m.confidentiality_signed, m.active,
    )  # fmt: skip


def member_details(db: Database, panel_id: int | None = None) -> list[MemberDetails]:
    """The members of one panel (or every panel), active first, then by name."""
    with db.session() as s:
        query = select(Member).order_by(Member.active.desc(), Member.name)
        if panel_id is not None:
            query = query.where(Member.panel_id == panel_id)
        return [_details(m) for m in s.scalars(query)]


def vetting_warnings(db: Database, today: dt.date | None = None) -> list[str]:
    """For the officer: active members whose vetting expired or expires within 30 days."""
    today = today or dt.date.today()
    out = []
    with db.session() as s:
        names = dict(s.execute(select(Panel.id, Panel.name)).tuples().all())
    for m in member_details(db):
        if m.active and m.vetting_state(today) in ("expired", "expires soon"):
            out.append(f"{m.name} ({names.get(m.panel_id, '')}): {m.vetting_text(today)}")
    return out


def vetting_problem(member: Member | MemberDetails, on: dt.date) -> str | None:
    """Why the member may not see case material on ``on`` (retired, vetting expired)."""
    if not member.active:
        return f"{member.name} is retired from the panel."
    if member.vetting_expiry is not None and member.vetting_expiry < on:
        return (
            f"{member.name}'s vetting expired on {member.vetting_expiry:%d %b %Y}: renew it "
            "(Members) before they see case material."
        )
    return None


_MEMBER_FIELDS = ("name", "role", "organisation", "vetting_expiry", "confidentiality_signed",
                  "active")  # fmt: skip


def update_member(db: Database, member_id: int, *, actor: str = "", **changes: Any) -> bool:
    """Change a member's details (any of name, role, organisation, vetting_expiry,
    confidentiality_signed, active: False retires them). True if anything changed. Audited."""
    unknown = set(changes) - set(_MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"not member fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise UserError("A member needs a name.")
    if "role" in changes:
        changes["role"] = MemberRole(changes["role"])
    with db.transaction() as s:
        member = s.get(Member, member_id)
        if member is None:
            raise NotFound(f"No member with id {member_id}.")
        changed = {k: v for k, v in changes.items() if getattr(member, k) != v}
        for key, value in changed.items():
            setattr(member, key, value)
        if changed:
            s.flush()
            audit.record(s, actor, "update", member, name=member.name, fields=sorted(changed))
        return bool(changed)


def list_members(db: Database, panel_id: int) -> list[MemberInfo]:
    with db.session() as s:
        return [
            MemberInfo(m.id, m.name, m.role, m.organisation)
            for m in s.scalars(
                select(Member).where(Member.panel_id == panel_id).order_by(Member.name)
            )
        ]


def population_size(db: Database, meeting_id: int) -> int:
    """Cases imported into this meeting's population (all its import batches)."""
    from scrutiny_app.services import population

    with db.session() as s:
        return population.size(s, meeting_id)
