"""Drafts: what is being typed in a review box, durable within ~100 ms of each key.

The review form saves its text as a view or a decision after a pause in typing and when the
box is left; each such save is one undo step and one audit entry. Between keys and that save,
the text lives here: the GUI writes every box's text as a draft at most ~80 ms after a key
(one small transaction, not a history step) and deletes the draft once the text is saved.

After a crash a draft is left behind. :func:`restore_drafts` saves each draft that is newer
than the saved text and differs from it, as an ordinary audited change that can be undone, and
deletes the drafts it has dealt with. A draft whose text can no longer be saved (the views were
revealed, the decision withdrawn) is kept and reported, so the text is never lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select

from scrutiny_app.errors import UserError
from scrutiny_app.services.history import Change
from scrutiny_app.services.session import DECISION_TEXTS, record_view, save_decision
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    MeetingCase,
    MemberAssessment,
    PanelJudgement,
    TextDraft,
    utcnow,
)

VIEW_NOTE = "view:note"


def slot(key: str, member_id: int | None) -> str:
    """Where a box's draft is kept: a decision text is the panel's, a note is one member's."""
    if key == VIEW_NOTE:
        if member_id is None:
            raise ValueError("a note's draft needs the member")
        return f"{VIEW_NOTE}:{member_id}"
    stage, name = key.split(":", 1)
    if stage != "decision" or name not in DECISION_TEXTS:
        raise ValueError(f"no draft is kept for {key!r}")
    return key


@dataclass(frozen=True)
class Draft:
    item_id: int
    key: str  # the box: "view:note" or "decision:<field>"
    member_id: int | None
    author: str
    text: str
    updated_at: dt.datetime

    @property
    def label(self) -> str:
        name = self.key.split(":", 1)[1]
        return "Your note" if self.key == VIEW_NOTE else name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Restored:
    draft: Draft
    reference: str
    meeting_id: int
    change: Change | None  # the saved change (None: nothing needed saving)
    problem: str = ""  # why the draft could not be saved (it is kept)


def write_drafts(
    db: Database,
    item_id: int,
    texts: Mapping[str, str],
    *,
    member_id: int | None,
    author: str,
) -> None:
    """Write the text of each box in ``texts`` (box key -> text) as its draft."""
    if not texts:
        return
    now = utcnow()
    with db.transaction() as s:
        for key, text in texts.items():
            if key == VIEW_NOTE and member_id is None:
                continue  # nobody's note: nothing would save it
            where = slot(key, member_id)
            row = s.scalar(
                select(TextDraft).where(
                    TextDraft.meeting_case_id == item_id, TextDraft.slot == where
                )
            )
            if row is None:
                row = TextDraft(meeting_case_id=item_id, slot=where)
                s.add(row)
            row.member_id = member_id if key == VIEW_NOTE else None
            row.author = author
            row.text = text
            row.updated_at = now


def clear_drafts(db: Database, item_id: int, keys: Iterable[str], *, member_id: int | None) -> None:
    """Forget the drafts of ``keys`` on a case (their text is saved)."""
    slots = [slot(k, member_id) for k in keys if not (k == VIEW_NOTE and member_id is None)]
    if not slots:
        return
    with db.transaction() as s:
        s.execute(
            delete(TextDraft).where(TextDraft.meeting_case_id == item_id, TextDraft.slot.in_(slots))
        )


def list_drafts(db: Database, *, item_id: int | None = None) -> list[Draft]:
    with db.session() as s:
        query = select(TextDraft).order_by(TextDraft.id)
        if item_id is not None:
            query = query.where(TextDraft.meeting_case_id == item_id)
        return [_draft(row) for row in s.scalars(query)]


def _draft(row: TextDraft) -> Draft:
    key = VIEW_NOTE if row.slot.startswith(VIEW_NOTE + ":") else row.slot
    return Draft(row.meeting_case_id, key, row.member_id, row.author, row.text, row.updated_at)


def restore_drafts(db: Database, authors: set[str] | None = None) -> list[Restored]:
    """Save every draft left behind that is newer than its saved text and differs from it
    (``authors``: only theirs: on a shared server the others' are being typed now).

    Returns what was found, with the change saved for each (undoable) or the problem that
    kept it from being saved (that draft stays).
    """
    out: list[Restored] = []
    for draft in list_drafts(db):
        if authors is not None and draft.author not in authors:
            continue
        saved, saved_at, reference, meeting_id = _saved(db, draft)
        change: Change | None = None
        problem = ""
        stale = saved_at is not None and saved_at >= draft.updated_at
        if draft.text != saved and stale:
            # Saved after this was typed, and different: both may matter. Never drop it.
            problem = "the saved text was changed after this was typed; it was not replaced"
        elif draft.text != saved:
            try:
                change = _save(db, draft)
            except UserError as exc:
                problem = str(exc)
        if not problem:
            clear_drafts(db, draft.item_id, [draft.key], member_id=draft.member_id)
        if change is not None or problem:
            out.append(Restored(draft, reference, meeting_id, change, problem))
    return out


def _saved(db: Database, draft: Draft) -> tuple[str, dt.datetime | None, str, int]:
    """The saved text of a draft's box, when it was saved, the case reference, the meeting."""
    with db.session() as s:
        item = s.get(MeetingCase, draft.item_id)
        assert item is not None  # the draft's foreign key cascades
        reference, meeting_id = item.case.reference, item.meeting_id
        if draft.key == VIEW_NOTE:
            view = s.scalar(
                select(MemberAssessment).where(
                    MemberAssessment.meeting_case_id == draft.item_id,
                    MemberAssessment.member_id == draft.member_id,
                )
            )
            if view is None:
                return "", None, reference, meeting_id
            return view.note or "", view.updated_at, reference, meeting_id
        judgement = s.scalar(
            select(PanelJudgement).where(PanelJudgement.meeting_case_id == draft.item_id)
        )
        if judgement is None:
            return "", None, reference, meeting_id
        name = draft.key.split(":", 1)[1]
        return getattr(judgement, name) or "", judgement.updated_at, reference, meeting_id


def _save(db: Database, draft: Draft) -> Change | None:
    if draft.key == VIEW_NOTE:
        assert draft.member_id is not None
        return record_view(db, draft.item_id, draft.member_id, note=draft.text, actor=draft.author)
    name = draft.key.split(":", 1)[1]
    texts: dict[str, str] = {name: draft.text}
    return save_decision(db, draft.item_id, actor=draft.author, **texts)  # type: ignore[arg-type]
