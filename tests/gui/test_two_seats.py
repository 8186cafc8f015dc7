"""Two seats on one shared PostgreSQL server: what one records shows in the other's case list
within two seconds, with nobody reloading by hand (services.changes: the windows poll)."""

from __future__ import annotations

import itertools
import time

from PySide6.QtGui import QAction
from test_session import make_meeting

from scrutiny_app.gui.app import create_main_window
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.storage import Database
from scrutiny_app.storage.scratch_server import ScratchServer

from .gui_helpers import Boxes, click_row
from .test_gui_session import choose_user

_names = itertools.count(1)


def seat(qtbot, db: Database) -> MainWindow:
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


def state(w: MainWindow, row: int) -> str:
    return w.page.case_proxy.index(row, 2).data()


def record_view(qtbot, w: MainWindow, member_id: int, outcome: str) -> None:
    """At this seat: the member picks themselves, opens the first case and presses the
    outcome's number key (its action)."""
    w.activateWindow()
    w.people.ask_who()  # what Ctrl+U does in that window
    choose_user(qtbot, w, member_id)
    click_row(qtbot, w, 0)
    assert w.page.review.stage == "views"
    action = w.findChild(QAction, f"actionOutcome_{outcome}")
    assert action is not None
    action.trigger()


def test_a_view_recorded_at_one_seat_shows_at_the_other_within_two_seconds(
    qtbot, app, boxes: Boxes, pg_server: ScratchServer
) -> None:
    name = f"seats_{next(_names)}"
    url = pg_server.create_database(name)
    first, second = Database.open(url), Database.open(url)
    try:
        m = make_meeting(first)
        a, b = seat(qtbot, first), seat(qtbot, second)
        for w in (a, b):
            w.refresh()
            assert w.select_meeting(m.meeting_id)
            choose_user(qtbot, w, m.officer)
        assert state(b, 0) == "Not started"

        record_view(qtbot, a, m.alice, "appropriate")
        assert state(a, 0) == "Views in · 1"
        start = time.monotonic()
        qtbot.waitUntil(lambda: state(b, 0) == "Views in · 1", timeout=2000)
        seen_in = time.monotonic() - start

        record_view(qtbot, b, m.bob, "inappropriate")  # and the other way
        qtbot.waitUntil(lambda: state(a, 0) == "Views in · 2", timeout=2000)
        assert b.page.cases is not None and b.page.cases.rows[0].views == 2
        # The chair reveals at the other seat: this seat's list and its open form move on.
        from scrutiny_app.services import session

        assert a.reviewer.case is not None and a.reviewer.case.item_id == m.items[0]
        session.reveal_views(second, m.items[0], actor="Chair")
        qtbot.waitUntil(lambda: state(a, 0) == "Revealed · 2", timeout=2000)
        qtbot.waitUntil(lambda: a.page.review.stage == "decision", timeout=2000)
        print(f"\nseen at the other seat after {seen_in:.2f} s")
        assert not boxes.errors
    finally:
        first.close()
        second.close()
        pg_server.drop_database(name)


def test_a_member_logs_in_with_a_password_and_works_as_themselves(
    qtbot, app, boxes: Boxes, pg_server: ScratchServer
) -> None:
    """The app asks the password (a wrong one is said in the dialog), then knows who is acting
    from the login: no "who is using the app?" question, and the view is Alice's."""
    from PySide6.QtWidgets import QApplication

    from scrutiny_app.gui.security import AskPassphraseDialog, open_database
    from scrutiny_app.services import logins, session

    from .test_security import when_modal

    name = f"seats_{next(_names)}"
    pg_server.create_database(name)
    with Database.open(pg_server.url(name)) as admin:
        m = make_meeting(admin)
        logins.init_server(admin, "olu", "Olu Officer", "officer passphrase 1")
        logins.add_user(admin, "alice", "Alice", "member", "alice passphrase", member_id=m.alice)
    seen: list[str] = []
    problems: list[str] = []

    def wrong_then_right(d: AskPassphraseDialog) -> None:
        assert "as <b>alice</b>" in d.findChildren(type(d.problem))[1].text()
        d.edit.setText("not her password")
        d.open_button.click()
        problems.append(d.problem.text())
        d.edit.setText("alice passphrase")
        d.open_button.click()

    when_modal(AskPassphraseDialog, wrong_then_right, seen)
    url = pg_server.url(name, "alice").render_as_string(hide_password=False)
    db = open_database(url)
    try:
        assert seen == ["AskPassphraseDialog"] and db is not None
        assert "refused the login" in problems[0]
        w = seat(qtbot, db)
        w.refresh()
        assert w.select_meeting(m.meeting_id)
        assert w.current_dialog is None  # nobody asked who is using the app
        assert w.people.acting().member_id == m.alice
        click_row(qtbot, w, 0)
        action = w.findChild(QAction, "actionOutcome_appropriate")
        assert action is not None
        action.trigger()
        own = session.case_views(db, m.items[0], viewer_member_id=m.alice).own
        assert own is not None and own.outcome_code == "appropriate"
        assert QApplication.activeModalWidget() is None
        assert not boxes.errors
    finally:
        if db is not None:
            db.close()
        pg_server.drop_database(name)
        for login in ("olu", "alice"):
            pg_server.sql(f"DROP ROLE IF EXISTS {login}")
