"""The officer merges members' returns into the meeting (previewed, then applied).

Rules (each tested in tests/test_packs.py):

- A return opens only with the secret of a pack this database made: a return from another
  database, a pack not made here, a tampered or truncated file, a return written after its
  pack expired, or one for another meeting than the one being merged is refused whole, with
  one line, and changes nothing.
- A return is merged once: merging it again is a no-op that says when it was merged. Within a
  pack, each case carries the member's change counter; a change already merged (an older
  return of the same pack) is skipped, so returns merge the same in any order.
- A member's state on a case (view and declared interest) is compared three ways: the
  member's now, the desk's now, and each one's base (both what the desk held when the pack
  was made; after a merge from the pack, what each side held then). The member changed
  nothing (only read it) or agrees with the desk: nothing to do. Only the member changed it:
  applied. Both changed it: a **conflict**, shown side by side; nothing is applied until the
  officer chooses (``return`` or ``desk``) for each. A member's later change over a desk view
  the officer kept is a conflict again.
- A view on a case already revealed or decided is refused with that reason (the rest merges);
  so is a view from a member the attendance marks absent or not judging. A member with no
  attendance recorded is marked present: they took part by pack.
- One transaction for everything merged at once, audited per view (as if typed here) and per
  return (who merged it, and how many rows of each kind).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scrutiny_app.errors import UserError
from scrutiny_app.packs.envelope import RETURN_MAGIC, PackError, read_file, return_key
from scrutiny_app.packs.export import database_id, member_states
from scrutiny_app.packs.member import RETURN_FORMAT
from scrutiny_app.services import audit
from scrutiny_app.services.panels import JUDGING_ROLES, role_label
from scrutiny_app.services.session.common import _attendance, _check_answers, _check_outcome
from scrutiny_app.services.session.declarations import _write_interest
from scrutiny_app.services.session.views import _write_view
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    Meeting,
    MeetingCase,
    Member,
    MemberAssessment,
    MemberPack,
    PackReturn,
)

RETURN_VERSIONS = {1}
ADD, UPDATE, SAME, CONFLICT, REFUSED, MERGED_BEFORE = (
    "add",
    "update",
    "same",
    "conflict",
    "refused",
    "merged before",
)
RETURN, DESK = "return", "desk"


@dataclass(frozen=True)
class Row:
    """What merging one case of a return does."""

    case: str  # the meeting case's uuid
    reference: str
    position: int
    action: str  # ADD, UPDATE, SAME, CONFLICT, REFUSED, MERGED_BEFORE
    reason: str  # why refused / what conflicts
    member: dict[str, Any]  # the member's state: {"view": ..., "interest": ...}
    desk: dict[str, Any]  # the desk's state now
    counter: int
    seconds: int


@dataclass(frozen=True)
class ReturnPreview:
    """A return read and checked against the database; nothing changed yet."""

    path: Path
    return_id: str
    pack_id: str
    meeting_id: int
    meeting: str
    member_id: int
    member: str
    created: str
    rows: tuple[Row, ...]
    merged_on: dt.datetime | None  # merged before, then: a no-op
    marks_present: bool  # the member has no attendance: merging marks them present
    payload: dict[str, Any] = field(repr=False, compare=False)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def conflicts(self) -> list[Row]:
        return [r for r in self.rows if r.action == CONFLICT]

    @property
    def summary(self) -> str:
        if self.merged_on is not None:
            return f"already merged on {self.merged_on:%d %b %Y %H:%M}: nothing to do"
        counts = Counter(r.action for r in self.rows)
        parts = [
            f"{counts[a]} {a}"
            for a in (ADD, UPDATE, CONFLICT, REFUSED, SAME, MERGED_BEFORE)
            if counts[a]
        ]
        return ", ".join(parts) or "no changes"


@dataclass(frozen=True)
class MergeResult:
    returns: int
    applied: int  # cases whose view or interest changed
    kept_desk: int  # conflicts resolved for the desk
    refused: int
    skipped: int  # returns merged before


def read_return(db: Database, path: Path, *, meeting_id: int | None = None) -> ReturnPreview:
    """Open and check a return; PackError (one line) if it cannot be merged at all."""
    path = Path(path)
    sealed = read_file(path, RETURN_MAGIC, what="return file", versions=RETURN_VERSIONS)
    h = sealed.header
    if h.get("format") != RETURN_FORMAT:
        raise PackError(f"{path.name} is not a return file.")
    if h.get("database") != database_id(db):
        raise PackError(f"{path.name} is a return for another database: it was not merged.")
    with db.session() as s:
        pack = s.scalar(select(MemberPack).where(MemberPack.uuid == h.get("pack")))
        if pack is None:
            raise PackError(
                f"{path.name} names a pack this database did not make (or the file was "
                "altered): not merged."
            )
        payload = sealed.open(
            return_key(pack.secret),
            PackError(
                f"{path.name} was altered after it was written (or is damaged): it was not "
                "merged. Ask the member to write the return again."
            ),
        )
        member = s.get(Member, pack.member_id)
        meeting = pack.meeting_id
        assert member is not None
        if h.get("member") != member.uuid or h.get("meeting") != _meeting_uuid(s, meeting):
            raise PackError(f"{path.name} does not match the pack it names: not merged.")
        if meeting_id is not None and meeting != meeting_id:
            raise PackError(
                f"{path.name} is {member.name}'s return for another meeting "
                f"({_meeting_title(s, meeting)}): not merged here."
            )
        created = dt.datetime.fromisoformat(h["created"])
        if created.date() > pack.expires_on:
            raise PackError(
                f"{path.name} was written on {created:%d %b %Y}, after its pack expired "
                f"({pack.expires_on:%d %b %Y}): not merged."
            )
        done = s.scalar(select(PackReturn).where(PackReturn.uuid == h["return"]))
        rows = _plan(s, pack, member, payload)
        marks_present = _attendance(s, meeting, member.id) is None and any(
            r.action in (ADD, UPDATE, CONFLICT) for r in rows
        )
        return ReturnPreview(
            path=path,
            return_id=h["return"],
            pack_id=pack.uuid,
            meeting_id=meeting,
            meeting=_meeting_title(s, meeting),
            member_id=member.id,
            member=member.name,
            created=h["created"],
            rows=tuple(rows),
            merged_on=done.created_at if done is not None else None,
            marks_present=marks_present and done is None,
            payload=payload,
        )


def _meeting_uuid(s: Session, meeting_id: int) -> str:
    m = s.get(Meeting, meeting_id)
    assert m is not None
    return m.uuid


def _meeting_title(s: Session, meeting_id: int) -> str:
    m = s.get(Meeting, meeting_id)
    assert m is not None
    return f"{m.panel.name}, {m.date:%d %b %Y}" + (f" ({m.theme})" if m.theme else "")


def _items(s: Session, meeting_id: int) -> dict[str, MeetingCase]:
    query = (
        select(MeetingCase)
        .where(MeetingCase.meeting_id == meeting_id)
        .options(selectinload(MeetingCase.case), selectinload(MeetingCase.judgement))
    )
    return {i.uuid: i for i in s.scalars(query)}


def _plan(
    s: Session,
    pack: MemberPack,
    member: Member,
    payload: dict[str, Any],
    items: dict[str, MeetingCase] | None = None,
) -> list[Row]:
    items = items if items is not None else _items(s, pack.meeting_id)
    desk_states = member_states(s, pack.meeting_id, member.id)
    empty = {"view": None, "interest": None}
    att = _attendance(s, pack.meeting_id, member.id)
    absent = None
    if att is not None and not att.present:
        absent = f"{member.name} is marked absent at this meeting."
    elif att is not None and att.role not in JUDGING_ROLES:
        absent = (
            f"{member.name} attends as {role_label(att.role)}: only panel members record a view."
        )
    rows = []
    for r in payload["rows"]:
        mine = {"view": _clean(r["view"]), "interest": r["interest"]}
        item = items.get(r["case"])
        if item is None:
            rows.append(
                Row(
                    r["case"],
                    r["reference"],
                    10**6,
                    REFUSED,
                    "no longer in this meeting's sample",
                    mine,
                    empty,
                    r["counter"],
                    r["seconds"],
                )
            )
            continue
        desk = desk_states.get(item.id, empty)
        done = pack.merged.get(item.uuid)
        action, reason = _action(item, r, mine, desk, done, absent)
        rows.append(
            Row(
                item.uuid,
                item.case.reference,
                item.position,
                action,
                reason,
                mine,
                desk,
                int(r["counter"]),
                int(r["seconds"]),
            )
        )
    return sorted(rows, key=lambda r: r.position)


def _clean(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if not view:
        return None
    return {
        "outcome_code": view.get("outcome_code"),
        "note": view.get("note", ""),
        "answers": dict(view.get("answers") or {}),
    }


def _action(
    item: MeetingCase,
    r: dict[str, Any],
    mine: dict[str, Any],
    desk: dict[str, Any],
    done: dict[str, Any] | None,
    absent: str | None,
) -> tuple[str, str]:
    """A three-way comparison: the member's state now, the desk's now, and each one's base
    (both what the desk held when the pack was made; after a merge, what each side held
    then). Only what the member changed since their base is theirs to merge."""
    if done is not None and int(r["counter"]) <= int(done["counter"]):
        return MERGED_BEFORE, "merged from a later or the same return"
    packed = {"view": _clean(r["base"]["view"]), "interest": r["base"]["interest"]}
    member_base = _norm(done["member"]) if done is not None else packed
    desk_base = _norm(done["desk"]) if done is not None else packed
    mine, desk = _norm(mine), _norm(desk)
    if mine in (member_base, desk):
        return SAME, ""  # the member changed nothing (only read it), or agrees with the desk
    if absent:
        return REFUSED, absent
    if item.judgement is not None:
        return REFUSED, "the panel has decided this case: the members' views are fixed"
    if item.views_revealed_at is not None:
        return REFUSED, "the views on this case were revealed: each member's view is fixed"
    try:
        if mine["view"] and mine["view"]["outcome_code"]:
            _check_outcome(item, mine["view"]["outcome_code"])
        if mine["view"] and mine["view"]["answers"]:
            _check_answers(item, mine["view"]["answers"])
    except UserError as exc:
        return REFUSED, str(exc)
    if desk != desk_base:
        return CONFLICT, "changed at the desk and in the pack"
    if done is not None and done.get("kept_desk"):
        # The officer kept the desk's view over this member's before: a new change of theirs
        # is put to the officer again, not applied over that choice.
        return CONFLICT, "the desk's view was kept over the member's before"
    return (ADD if desk == {"view": None, "interest": None} else UPDATE), ""


def _norm(state: dict[str, Any]) -> dict[str, Any]:
    return {"view": _clean(state.get("view")), "interest": state.get("interest")}


def merge_returns(
    db: Database,
    previews: Sequence[ReturnPreview],
    *,
    choices: Mapping[tuple[str, str], str] | None = None,
    actor: str = "",
) -> MergeResult:
    """Apply the returns previewed, in one transaction, re-checked against the database.

    ``choices`` maps (return id, case uuid) to ``"return"`` or ``"desk"`` for each conflict;
    a conflict without a choice refuses the whole merge (UserError), changing nothing.
    """
    choices = dict(choices or {})
    applied = kept = refused = skipped = 0
    with db.transaction() as s:
        seen: set[str] = set()
        for preview in _in_order(previews):
            if preview.return_id in seen:
                continue
            seen.add(preview.return_id)
            pack = s.scalar(select(MemberPack).where(MemberPack.uuid == preview.pack_id))
            member = s.get(Member, preview.member_id)
            assert pack is not None and member is not None
            if s.scalar(select(PackReturn).where(PackReturn.uuid == preview.return_id)):
                skipped += 1
                continue
            items = _items(s, pack.meeting_id)
            rows = _plan(s, pack, member, preview.payload, items)  # afresh, in the transaction
            open_conflicts = [
                r
                for r in rows
                if r.action == CONFLICT and (preview.return_id, r.case) not in choices
            ]
            if open_conflicts:
                refs = ", ".join(r.reference for r in open_conflicts)
                raise UserError(
                    f"{member.name}'s return has {len(open_conflicts)} conflict(s) to decide "
                    f"({refs}): choose the return's or the desk's view for each. Nothing was "
                    "merged."
                )
            acts = any(r.action in (ADD, UPDATE, CONFLICT) for r in rows)
            if acts and _attendance(s, pack.meeting_id, member.id) is None:
                s.add(
                    Attendance(
                        meeting_id=pack.meeting_id,
                        member_id=member.id,
                        present=True,
                        role=member.role,
                    )
                )
                s.flush()
            merged = dict(pack.merged)
            counts: Counter[str] = Counter()
            who = f"{member.name} (by pack)"
            for r in rows:
                counts[r.action] += 1
                if r.action in (REFUSED, MERGED_BEFORE):
                    refused += r.action == REFUSED
                    continue
                take = r.action in (ADD, UPDATE) or (
                    r.action == CONFLICT and choices[(preview.return_id, r.case)] == RETURN
                )
                item = items[r.case]
                if take and r.member != r.desk:
                    _apply_state(s, item, member, r.member, r.desk, who)
                    applied += 1
                elif r.action == CONFLICT:
                    kept += 1
                before = merged.get(r.case) or {}
                merged[r.case] = {
                    "counter": r.counter,
                    "member": r.member,  # what the member returned
                    "desk": r.member if take else r.desk,  # what the desk holds after
                    # the officer chose the desk's view over the member's (and it stands)
                    "kept_desk": (r.action == CONFLICT and not take)
                    or (r.action == SAME and bool(before.get("kept_desk"))),
                }
            _keep_time(s, member.id, {items[r.case].id: r.seconds for r in rows if r.case in items})
            pack.merged = merged
            record = PackReturn(
                uuid=preview.return_id, pack_id=pack.id, merged_by=actor, counts=dict(counts)
            )
            s.add(record)
            s.flush()
            audit.record(
                s,
                actor,
                "merge",
                record,
                pack=pack.uuid,
                member=member.uuid,
                file=preview.path.name,
                **dict(counts),
            )
    return MergeResult(len(seen), applied, kept, refused, skipped)


def _in_order(previews: Iterable[ReturnPreview]) -> list[ReturnPreview]:
    """Returns of one pack oldest first (a newer change then wins by its counter anyway)."""
    return sorted(previews, key=lambda p: (p.pack_id, p.created, p.return_id))


def _apply_state(
    s: Session,
    item: MeetingCase,
    member: Member,
    mine: dict[str, Any],
    desk: dict[str, Any],
    actor: str,
) -> None:
    if mine["interest"] != desk["interest"]:
        _write_interest(s, item, member, mine["interest"], actor, by_pack=True)
    if mine["view"] != desk["view"]:
        _write_view(s, item, member, mine["view"], actor)


def _keep_time(s: Session, member_id: int, seconds: dict[int, int]) -> None:
    """The member's reading time on each case: the most either side recorded."""
    views = select(MemberAssessment).where(
        MemberAssessment.member_id == member_id, MemberAssessment.meeting_case_id.in_(seconds)
    )
    for row in s.scalars(views):
        spent = seconds[row.meeting_case_id]
        if spent > (row.seconds_spent or 0):
            row.seconds_spent = spent
