"""Where each user was: the meeting and case they had open, to reopen there next time.

Kept in the database (per computer user), so it travels with the encrypted file and a shared
server keeps one place per person.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Meeting, MeetingCase

_KEY = "place:"


@dataclass(frozen=True)
class Place:
    meeting_id: int
    item_id: int | None  # the case on the meeting's agenda; None: the meeting only


def remember(db: Database, user: str, meeting_id: int, item_id: int | None) -> None:
    db.set_setting(_KEY + user, f"{meeting_id}:{item_id if item_id is not None else ''}")


def last_place(db: Database, user: str) -> Place | None:
    """Where ``user`` was, if that meeting (and case) still exist."""
    text = db.get_setting(_KEY + user) or ""
    meeting_text, _, item_text = text.partition(":")
    try:
        meeting_id = int(meeting_text)
        item_id = int(item_text) if item_text else None
    except ValueError:
        return None
    with db.session() as s:
        if s.get(Meeting, meeting_id) is None:
            return None
        if item_id is not None:
            item = s.get(MeetingCase, item_id)
            if item is None or item.meeting_id != meeting_id:
                item_id = None
    return Place(meeting_id, item_id)
