"""Seeing other seats' changes: a change mark to poll. No Qt.

Every change anyone saves writes an audit event and moves the audit trail's head (the
settings row ``audit_head``, "COUNT:HASH"), on SQLite and PostgreSQL alike. So the head is a
change counter every seat can read cheaply (one indexed row; a member may read it on a
server too): a window polls it about once a second and redraws what it shows when it moved.
Polling rather than PostgreSQL's LISTEN/NOTIFY: one path for both backends (two copies of the
app on one laptop's file see each other too), no connection held open per seat, and nothing
lost while a laptop sleeps.
"""

from __future__ import annotations

from scrutiny_app.storage.audit_chain import HEAD_SETTING
from scrutiny_app.storage.database import Database

POLL_MS = 1000  # well inside the two seconds a seat may take to see another's change


def change_mark(db: Database) -> str | None:
    """The current mark: it differs whenever a change was saved since it was read."""
    return db.get_setting(HEAD_SETTING)


class ChangeWatch:
    """``poll()`` says whether anything was saved (by anyone) since the last poll."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.mark = change_mark(db)

    def poll(self) -> bool:
        mark = change_mark(self.db)
        moved = mark != self.mark
        self.mark = mark
        return moved
