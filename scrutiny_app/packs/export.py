"""The officer makes a meeting pack for one member (format 1).

The pack holds what that member needs to review the meeting's sample offline and nothing
more: the meeting, the panel's template, the sampled cases as the panel holds them
(pseudonymised when the panel is), the member's own earlier views, declarations and time on
this meeting, the secret their returns are sealed with, and the expiry date. No other
member's views, no panel decision. The file is sealed with a key from the passphrase the
officer gives the member by another route.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scrutiny_app.errors import UserError
from scrutiny_app.packs.envelope import (
    PACK_MAGIC,
    SCRYPT_N,
    Kdf,
    b64,
    check_output,
    seal,
    write_atomic,
)
from scrutiny_app.services import audit
from scrutiny_app.services.cases import summarise
from scrutiny_app.services.panels import JUDGING_ROLES, get_meeting, role_label, vetting_problem
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    InterestDeclaration,
    MeetingCase,
    Member,
    MemberAssessment,
    MemberPack,
    PanelTemplate,
)

PACK_FORMAT = "scrutiny-pack"
PACK_VERSION = 1
MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_DAYS = 28
MIN_PASSPHRASE = 10
DATABASE_ID = "database_uuid"
# A generated passphrase: 5 groups of 4 from an alphabet with no look-alikes (100 bits).
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def database_id(db: Database) -> str:
    """This database's own id, written in its packs (made on first use)."""
    value = db.get_setting(DATABASE_ID)
    if value is None:
        import uuid

        db.set_setting(DATABASE_ID, str(uuid.uuid4()))
        value = db.get_setting(DATABASE_ID)
    assert value is not None
    return value


def new_passphrase() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(5))


def check_passphrase(passphrase: str) -> None:
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise UserError(
            f"The passphrase must have at least {MIN_PASSPHRASE} characters "
            "(a generated one has 24): a short one can be guessed from a lost laptop."
        )


def view_state(view: MemberAssessment | None, interest: InterestDeclaration | None) -> dict:
    """A member's state on one case, as packs, returns and merges compare it."""
    return {
        "view": None
        if view is None
        else {
            "outcome_code": view.outcome_code,
            "note": view.note or "",
            "answers": dict(view.answers or {}),
        },
        "interest": None if interest is None else (interest.reason or ""),
    }


def _template(t: PanelTemplate) -> dict[str, Any]:
    return {
        "key": t.key,
        "name": t.name,
        "outcomes": [
            {
                "code": o.code,
                "label": o.label,
                "colour": o.colour,
                "description": o.description,
                "is_concern": o.is_concern,
                "is_carry_over": o.is_carry_over,
            }
            for o in sorted(t.outcomes, key=lambda o: o.position)
        ],
        "questions": [
            {"key": q.key, "text": q.text, "group": q.group, "answers": list(q.answers)}
            for q in sorted(t.questions, key=lambda q: q.position)
        ],
        "fields": [
            {"key": f.key, "label": f.label, "kind": f.kind}
            for f in sorted(t.fields, key=lambda f: f.position)
        ],
    }


def _closed(item: MeetingCase) -> str | None:
    if item.judgement is not None:
        return "The panel has decided this case: views are fixed."
    if item.views_revealed_at is not None:
        return "The views on this case have been revealed: views are fixed."
    return None


CASE_COLUMNS = ("reference", "occurred_at", "area", "age_band", "gender",
                "self_defined_ethnicity", "officer_defined_ethnicity")  # fmt: skip


def _case(item: MeetingCase, template_key: str) -> dict[str, Any]:
    c = item.case
    columns = {k: getattr(c, k) for k in CASE_COLUMNS}
    columns["occurred_at"] = c.occurred_at.isoformat() if c.occurred_at else None
    return {
        **columns,
        "uuid": item.uuid,
        "position": item.position,
        "fields": dict(c.fields or {}),
        "summary": summarise(template_key, c.fields or {}),
        "closed": _closed(item),
    }


def member_states(s: Session, meeting_id: int, member_id: int) -> dict[int, dict]:
    """Meeting case id -> the member's state there (only cases where they have one)."""
    items = select(MeetingCase.id).where(MeetingCase.meeting_id == meeting_id)
    views = {
        a.meeting_case_id: a
        for a in s.scalars(
            select(MemberAssessment).where(
                MemberAssessment.member_id == member_id,
                MemberAssessment.meeting_case_id.in_(items),
            )
        )
    }
    interests = {
        d.meeting_case_id: d
        for d in s.scalars(
            select(InterestDeclaration).where(
                InterestDeclaration.member_id == member_id,
                InterestDeclaration.meeting_case_id.in_(items),
            )
        )
    }
    return {i: view_state(views.get(i), interests.get(i)) for i in set(views) | set(interests)}


@dataclass(frozen=True)
class PackMade:
    path: Path
    pack_id: str
    member: str
    meeting: str
    cases: int
    expires_on: dt.date
    bytes: int


def make_pack(
    db: Database,
    meeting_ref: int | str,
    member_ref: int | str,
    out: Path,
    passphrase: str,
    *,
    expires_on: dt.date | None = None,
    today: dt.date | None = None,
    actor: str = "",
    kdf_n: int = SCRYPT_N,
) -> PackMade:
    """Write ``out``: the meeting pack for one member, sealed with ``passphrase``."""
    check_passphrase(passphrase)
    if db.path is not None and Path(out).resolve() == db.path.resolve():
        raise UserError(f"{Path(out).name} is the database: write the pack to another name.")
    check_output(Path(out), PACK_MAGIC, "meeting pack")
    today = today or dt.date.today()
    expires_on = expires_on or today + dt.timedelta(days=DEFAULT_DAYS)
    if expires_on < today:
        raise UserError(f"The expiry date {expires_on:%d %b %Y} has passed.")
    db_id = database_id(db)
    secret = secrets.token_bytes(32)
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_ref)
        panel = meeting.panel
        member = _find_member(s, panel.id, member_ref)
        problem = vetting_problem(member, today)
        if problem:
            raise UserError(f"No pack was made: {problem}")
        if member.vetting_expiry is not None and member.vetting_expiry < expires_on:
            raise UserError(
                f"No pack was made: {member.name}'s vetting ends on "
                f"{member.vetting_expiry:%d %b %Y}, before the pack's last day "
                f"({expires_on:%d %b %Y}). Renew it (Members), or give the pack an earlier "
                "expiry date."
            )
        if member.role not in JUDGING_ROLES:
            raise UserError(
                f"{member.name} is on the panel as {role_label(member.role)}: only panel "
                "members record views, so they have no pack."
            )
        items = list(
            s.scalars(
                select(MeetingCase)
                .where(MeetingCase.meeting_id == meeting.id)
                .order_by(MeetingCase.position)
                .options(selectinload(MeetingCase.case), selectinload(MeetingCase.judgement))
            )
        )
        if not items:
            raise UserError(f"The meeting of {meeting.date:%d %b %Y} has no sampled cases yet.")
        states = member_states(s, meeting.id, member.id)
        seconds = dict(
            s.execute(
                select(MemberAssessment.meeting_case_id, MemberAssessment.seconds_spent).where(
                    MemberAssessment.member_id == member.id,
                    MemberAssessment.meeting_case_id.in_([i.id for i in items]),
                )
            ).all()
        )
        record = MemberPack(
            meeting_id=meeting.id,
            member_id=member.id,
            secret=secret,
            expires_on=expires_on,
            created_by=actor,
            merged={},
        )
        s.add(record)
        s.flush()
        empty = {"view": None, "interest": None}
        header = {
            "format": PACK_FORMAT,
            "version": PACK_VERSION,
            "marking": MARKING,
            "cipher": "AES-256-GCM",
            "pack": record.uuid,
            "database": db_id,
            "meeting": meeting.uuid,
            "member": member.uuid,
            "expires": expires_on.isoformat(),
            "created": today.isoformat(),
        }
        payload = {
            **header,
            "secret": b64(secret),
            "panel": {
                "name": panel.name,
                "code": panel.code,
                "force": panel.force,
                "access_mode": panel.access_mode,
            },
            "meeting_info": {"date": meeting.date.isoformat(), "theme": meeting.theme},
            "member_name": member.name,
            "template": _template(panel.template),
            "cases": [_case(i, panel.template.key) for i in items],
            "base": {
                i.uuid: {**states.get(i.id, empty), "seconds": int(seconds.get(i.id) or 0)}
                for i in items
            },
            "work": {},
        }
        kdf = Kdf.new(kdf_n)
        data = seal(PACK_MAGIC, {**header, "kdf": kdf.header()}, payload, kdf.derive(passphrase))
        audit.record(
            s,
            actor,
            "export",
            record,
            meeting=meeting.uuid,
            member=member.uuid,
            cases=len(items),
            expires=expires_on.isoformat(),
            file=Path(out).name,
            sha256=hashlib.sha256(data).hexdigest(),  # the file written below, byte for byte
        )
        write_atomic(Path(out), data)  # inside the transaction: no record without its file
        title = f"{panel.name}, {meeting.date:%d %b %Y}" + (
            f" ({meeting.theme})" if meeting.theme else ""
        )
        return PackMade(
            Path(out), record.uuid, member.name, title, len(items), expires_on, len(data)
        )


def _find_member(s: Session, panel_id: int, ref: int | str) -> Member:
    members = list(s.scalars(select(Member).where(Member.panel_id == panel_id)))
    text = str(ref).strip()
    if text.isdigit():
        found = [m for m in members if m.id == int(text)]
    else:
        found = [m for m in members if m.name.casefold() == text.casefold() or m.uuid == text]
    if len(found) != 1:
        names = ", ".join(f"{m.id}: {m.name}" for m in members) or "none"
        raise UserError(f"No member {ref!r} on this panel (members: {names}).")
    return found[0]
