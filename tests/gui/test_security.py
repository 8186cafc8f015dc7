"""The app's protection of the data: the first run's passphrase (or the recorded choice of
none), the passphrase on opening, the lock after idle time, encrypting from the File menu."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from scrutiny_app.gui.app import create_main_window
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.security import (
    ENCRYPTION_SETTING,
    AskPassphraseDialog,
    NewPassphraseDialog,
    open_database,
)
from scrutiny_app.services import cases
from scrutiny_app.storage import Database
from scrutiny_app.storage.encryption import is_encrypted
from scrutiny_app.storage.models import AuditEvent

from .gui_helpers import Boxes, click

pytestmark = pytest.mark.gui
PASS = "correct horse battery"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:  # the window's database is encrypted here
    database = Database.open(tmp_path / "enc.db", passphrase=PASS)
    yield database
    database.close()


def when_modal(kind: type[QWidget], act: Callable[[QWidget], None], seen: list[str]) -> None:
    """Act on the next modal dialog of ``kind`` once it shows (dialogs run their own loop)."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind) or not dialog.isVisible():
            QTimer.singleShot(20, poll)
            return
        seen.append(kind.__name__)
        act(dialog)

    QTimer.singleShot(20, poll)


def test_the_first_run_encrypts_and_the_next_start_asks_the_passphrase(qtbot, app, tmp_path):
    path = tmp_path / "new.db"
    seen: list[str] = []

    def choose(d: NewPassphraseDialog) -> None:
        d.edit.setText(PASS)
        d.again.setText(PASS + "x")
        d.encrypt_button.click()  # the two differ: said, the dialog stays
        assert d.isVisible() and "differ" in d.problem.text()
        d.again.setText(PASS)
        d.encrypt_button.click()

    when_modal(NewPassphraseDialog, choose, seen)
    db = open_database(str(path))
    assert seen == ["NewPassphraseDialog"] and db is not None and db.encrypted
    db.close()
    assert is_encrypted(path)

    problems: list[str] = []

    def type_wrong_then_right(d: AskPassphraseDialog) -> None:
        d.edit.setText("correct horse")
        d.open_button.click()
        problems.append(d.problem.text())
        d.edit.setText(PASS)
        d.open_button.click()

    when_modal(AskPassphraseDialog, type_wrong_then_right, seen)
    again = open_database(str(path))
    assert again is not None and again.encrypted
    assert len(problems) == 1 and problems[0].startswith("The passphrase does not open")
    again.close()


def test_going_without_a_passphrase_is_recorded_and_warned_on_every_start(
    qtbot, app, tmp_path, boxes: Boxes
):
    path = tmp_path / "plain.db"
    boxes.answer = boxes.answer.Yes  # "Go on without one?" Yes
    seen: list[str] = []
    when_modal(NewPassphraseDialog, lambda d: d.decline_button.click(), seen)
    db = open_database(str(path))
    assert db is not None and not db.encrypted and not is_encrypted(path)
    assert db.get_setting(ENCRYPTION_SETTING) == "declined"
    with db.session() as s:
        assert [e.action for e in s.scalars(select(AuditEvent))] == ["encryption declined"]
    window = create_main_window(db)
    qtbot.addWidget(window)
    assert window.plain_warning is not None
    label = window.plain_warning.findChild(QWidget, "plainWarning")
    assert "Not encrypted" in label.text() and "copies the file" in label.toolTip()
    db.close()


def test_the_app_locks_when_idle_hides_the_cases_and_loses_nothing(
    qtbot, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.plain_warning is None  # encrypted: no warning
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("amber"))
    item = w.reviewer.case.item_id
    edit = w.page.review.observations_edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Typed just before the lock")
    seen: list[str] = []
    states: list[tuple[bool, bool, bool]] = []

    def unlock(d: AskPassphraseDialog) -> None:
        central = w.centralWidget()
        states.append((db.locked, w.page.isVisible(), central.objectName() == "lockedLabel"))
        d.edit.setText("not the passphrase")
        d.open_button.click()
        assert d.problem.isVisible() and db.locked
        d.edit.setText(PASS)
        d.open_button.click()

    when_modal(AskPassphraseDialog, unlock, seen)
    w.locker.set_minutes(0.002)  # 120 ms without a key
    qtbot.waitUntil(lambda: bool(seen) and not w.locker.locked, timeout=5000)
    assert states == [(True, False, True)]  # locked: no key, cases hidden
    assert cases.case_row(db, item).observations == "Typed just before the lock"
    assert w.page.isVisible() and edit.toPlainText() == "Typed just before the lock"
    w.locker.set_minutes(10)


def test_quitting_at_the_lock_closes_without_touching_the_database(
    qtbot, sampled, window: MainWindow, db: Database
):
    seen: list[str] = []
    when_modal(AskPassphraseDialog, lambda d: d.cancel_button.click(), seen)
    window.extra_actions["lock_now"].trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert seen == ["AskPassphraseDialog"] and db.locked


def test_encrypt_from_the_file_menu(qtbot, app, tmp_path, sampled_plain):
    db, meeting = sampled_plain
    window = create_main_window(db)
    qtbot.addWidget(window)
    window.show()
    assert window.plain_warning is not None
    seen: list[str] = []

    def choose(d: NewPassphraseDialog) -> None:
        assert d.decline_button is None  # only the first run offers to go without
        d.edit.setText(PASS)
        d.again.setText(PASS)
        d.encrypt_button.click()

    when_modal(NewPassphraseDialog, choose, seen)
    window.extra_actions["encrypt"].trigger()
    assert db.encrypted and is_encrypted(db.path)
    assert window.plain_warning is None
    assert window.select_meeting(meeting)  # the window goes on with the encrypted file
    assert len(cases.meeting_cases(db, meeting).rows) == 10


@pytest.fixture
def sampled_plain(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    import datetime as dt

    from scrutiny_app.services import importer, panels, sampling

    from .gui_helpers import CSV_2019_01

    database = Database.open(tmp_path / "plain.db")
    pid = panels.create_panel(database, "stop_search", "Police Powers Panel", code="SOPP")
    mid = panels.create_meeting(database, pid, dt.date(2019, 3, 14), "Drugs searches")
    importer.import_stop_search(database, mid, CSV_2019_01)
    sampling.draw_sample(database, mid, 10, seed=40213)
    yield database, mid
    database.close()


def test_the_audit_window_shows_checks_and_exports_the_trail(
    qtbot, sampled, window: MainWindow, db: Database, tmp_path: Path, files
):
    from scrutiny_app.gui.audit_window import AuditWindow

    window.extra_actions["audit"].trigger()
    audit_window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AuditWindow))
    qtbot.addWidget(audit_window)
    model = audit_window.model
    whats = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert "drew the sample" in whats and "imported a case extract" in whats
    audit_window.meeting.setCurrentIndex(audit_window.meeting.findData(sampled.meeting_id))
    assert 0 < model.rowCount() < len(whats)
    audit_window.verify_button.click()
    assert audit_window.status.text().startswith("The trail is whole")
    files.save_path = str(tmp_path / "trail.csv")
    audit_window.export_button.click()
    assert (tmp_path / "trail.csv").read_text(encoding="utf-8-sig").count("\n") == 1 + len(
        model.rows
    )
    assert "SHA-256" in audit_window.status.text()
    audit_window.close()


def test_the_members_window_adds_edits_retires_and_warns(
    qtbot, sampled, window: MainWindow, db: Database
):
    import datetime as dt

    from scrutiny_app.gui.members_window import MemberDialog, MembersWindow
    from scrutiny_app.services import panels

    today = dt.date(2027, 3, 1)
    panels.add_member(db, sampled.panel_id, "Grace Mensah", vetting_expiry=dt.date(2027, 3, 20))
    w = MembersWindow(db, sampled.panel_id, "Police Powers Panel", window, today=today)
    qtbot.addWidget(w)
    w.show()
    assert w.warning.isVisible()
    assert "Grace Mensah: Vetting expires on 20 Mar 2027 (in 19 days)" in w.warning.text()
    seen: list[str] = []

    def fill(d: MemberDialog) -> None:
        d.name.setText("Luke Harper")
        d.vetting.check.setChecked(True)
        d.vetting.edit.setDate(QDate(2028, 1, 31))
        d.save_button.click()

    when_modal(MemberDialog, fill, seen)
    w.add_button.click()
    assert seen == ["MemberDialog"]
    luke = next(m for m in panels.member_details(db, sampled.panel_id) if m.name == "Luke Harper")
    assert luke.vetting_expiry == dt.date(2028, 1, 31) and luke.active
    assert w.selected() is not None and w.selected().name == "Luke Harper"
    w.retire_button.click()
    assert not panels.member_details(db, sampled.panel_id)[-1].active
    assert w.retire_button.text() == "&Reinstate"
    grace_row = next(i for i, m in enumerate(w.members) if m.name == "Grace Mensah")
    w.table.selectRow(grace_row)

    def renew(d: MemberDialog) -> None:
        d.vetting.edit.setDate(QDate(2029, 3, 20))
        d.save_button.click()

    when_modal(MemberDialog, renew, seen)
    w.edit_button.click()
    assert not w.warning.isVisible()  # renewed: nothing to warn about
    w.close()


def test_the_report_window_marks_the_report_published(
    qtbot, sampled, window: MainWindow, db: Database, monkeypatch
):
    import datetime as dt

    from PySide6.QtWidgets import QInputDialog

    from scrutiny_app.gui.report_window import ReportWindow
    from scrutiny_app.services import audit_trail, retention

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("2019-04-02", True)))
    w = ReportWindow(db, sampled.meeting_id, "Drugs searches", parent=window)
    qtbot.addWidget(w)
    w.mark_published_button.click()
    assert "Marked published on 02 Apr 2019" in w.status.text()
    [due] = retention.due_meetings(db, dt.date(2020, 4, 2))
    assert due.meeting_id == sampled.meeting_id and due.published_on == dt.date(2019, 4, 2)
    assert audit_trail.audit_rows(db)[-1].what == "marked the report published"
    w.close()


def test_the_retention_dialog_lists_and_removes_while_the_meeting_is_open(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    import datetime as dt

    from scrutiny_app.gui.retention_dialog import RetentionDialog
    from scrutiny_app.services import retention

    assert window.select_meeting(sampled.meeting_id)  # the meeting is open in the window
    retention.mark_published(db, sampled.meeting_id, dt.date(2019, 4, 2))
    dialog = RetentionDialog(window, today=dt.date(2020, 4, 1))
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and not dialog.apply_button.isEnabled()
    dialog.as_of.setDate(QDate(2020, 4, 2))
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == "519"  # the population: no other meeting needs it
    assert dialog.table.item(0, 4).text() == "10"  # the agenda
    boxes.answer = boxes.answer.Yes
    dialog.apply_button.click()
    assert "Removed the case data of 1 meeting(s)" in dialog.status.text()
    assert dialog.table.rowCount() == 0
    assert cases.meeting_cases(db, sampled.meeting_id).rows == ()
    assert boxes.errors == []
    assert window.page.case_table.model().rowCount() == 0  # the open meeting redrew
    dialog.months.setValue(24)
    dialog.save_period.click()
    assert retention.panel_periods(db) == [(sampled.panel_id, "Police Powers Panel", 24)]


def test_a_passphrase_remembered_in_the_keyring_opens_without_asking(qtbot, app, tmp_path):
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.kept: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.kept.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.kept[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.kept.pop((service, username), None)

    before = keyring.get_keyring()
    memory = Memory()
    keyring.set_keyring(memory)
    try:
        path = tmp_path / "kept.db"
        Database.open(path, passphrase=PASS).close()
        seen: list[str] = []

        def type_and_remember(d: AskPassphraseDialog) -> None:
            assert d.remember.isEnabled()
            d.edit.setText(PASS)
            d.remember.setChecked(True)
            d.open_button.click()

        when_modal(AskPassphraseDialog, type_and_remember, seen)
        open_database(str(path)).close()
        assert seen == ["AskPassphraseDialog"] and list(memory.kept.values()) == [PASS]
        again = open_database(str(path))  # no dialog this time
        assert again is not None and again.encrypted and seen == ["AskPassphraseDialog"]
        again.close()
    finally:
        keyring.set_keyring(before)
