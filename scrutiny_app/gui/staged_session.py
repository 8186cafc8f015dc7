"""The demo OOCD meeting part-way through a session, open in a main window: what the pictures
for the docs (``session_screenshots``) and the small-screen tour (``screen_tour``) show."""

from __future__ import annotations

from dataclasses import dataclass

from scrutiny_app.gui.app import create_main_window
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import cases, demo, session
from scrutiny_app.services.demo import staging
from scrutiny_app.services.session import SessionUser
from scrutiny_app.storage import Database


@dataclass
class StagedSession:
    window: MainWindow
    meeting_id: int
    current_item: int  # the case the panel is deciding
    hidden_item: int  # a case whose views are still hidden
    officer: SessionUser
    member: SessionUser

    def as_officer(self) -> None:
        """The officer at the case being decided (the decision stage)."""
        self.window.people.set_acting(self.meeting_id, self.officer)
        self.window.page.select_case(self.current_item)

    def as_member(self) -> None:
        """A member at a case whose views are hidden (their own view, the others hidden)."""
        self.window.people.set_acting(self.meeting_id, self.member)
        self.window.page.select_case(self.hidden_item)


def open_staged_session(db: Database) -> StagedSession:
    """Build the demo in ``db``, stage its OOCD meeting, show it as the officer sees it."""
    ids = demo.create_demo(db)
    staged = staging.stage_session(db, ids.oocd_meeting)
    window = create_main_window(db)
    window.show()
    window.select_meeting(ids.oocd_meeting)
    if window.current_dialog is not None:  # "who is using the app?"
        window.current_dialog.reject()
    users = {u.name: u for u in session.session_users(db, ids.oocd_meeting)}
    rows = cases.meeting_cases(db, ids.oocd_meeting).rows
    found = StagedSession(
        window=window,
        meeting_id=ids.oocd_meeting,
        current_item=staged.current_item,
        hidden_item=next(r for r in rows if not r.revealed and not r.decided).item_id,
        officer=next(u for u in users.values() if u.role == "officer"),
        member=next(u for u in users.values() if u.member_id == staged.judges[1]),
    )
    found.as_officer()
    return found
