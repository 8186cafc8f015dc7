"""A whole meeting with the keyboard only (issue 11, item 2): every step is a key pressed where
the focus is, as a member who cannot use a mouse would: open the meeting from the sidebar, the
attendance (Space ticks "Present", Return edits without closing), who is using the app, a
member's view with a note, the chair's view, the reveal, the decision with observations, and
Ctrl+Enter to the next case. F1's list scrolls by keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from scrutiny_app.domain.vocab import MemberRole
from scrutiny_app.gui.dialogs import ShortcutsDialog
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.session_dialogs import AttendanceDialog, WhoIsUsingDialog
from scrutiny_app.services import cases, panels, session
from scrutiny_app.storage import Database

from .gui_helpers import Boxes

pytestmark = pytest.mark.gui

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class Keys:
    """Presses keys where the focus is, and nothing else."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot

    def focus(self) -> QWidget:
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
        return QApplication.focusWidget()

    def press(self, key: Qt.Key, modifiers=NONE, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(self.focus(), key, modifiers)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focus(), text)

    def tab_to(self, widget: QWidget, limit: int = 40) -> list[QWidget]:
        """Tab until ``widget`` has the focus; the widgets passed on the way."""
        passed = [self.focus()]
        for _ in range(limit):
            if self.focus() is widget:
                return passed
            self.press(Qt.Key.Key_Tab)
            passed.append(self.focus())
        raise AssertionError(f"Tab never reached {widget.objectName() or widget}")


@pytest.fixture
def members(db: Database, sampled) -> dict[str, int]:
    return {
        "Grace Mensah": panels.add_member(db, sampled.panel_id, "Grace Mensah", role="chair"),
        "Luke Harper": panels.add_member(db, sampled.panel_id, "Luke Harper"),
        "Sam Officer": panels.add_member(
            db, sampled.panel_id, "Sam Officer", role=MemberRole.OFFICER
        ),
    }


def choose(keys: Keys, w: MainWindow, name: str) -> None:
    """Ctrl+U, arrows to the name, Return."""
    keys.press(Qt.Key.Key_U, CTRL)
    dialog = w.current_dialog
    assert isinstance(dialog, WhoIsUsingDialog)
    keys.qtbot.waitUntil(lambda: keys.focus() is dialog.list, timeout=2000)
    keys.press(Qt.Key.Key_Home)
    for _ in range(dialog.list.count()):
        if dialog.list.currentItem().text().startswith(name):
            break
        keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Return)
    assert w.current_dialog is None
    assert w.people.acting().name == name


def test_a_meeting_walked_with_the_keyboard_only(
    qtbot, sampled, members, window: MainWindow, db: Database, boxes: Boxes
):
    w, keys = window, Keys(qtbot)
    w.refresh()
    review = w.page.review

    # ---- The sidebar: Down to the panel, Down to its meeting.
    w.tree.setFocus()  # where the window starts
    keys.press(Qt.Key.Key_Down, times=2)
    assert w.selected_meeting() is not None and w.selected_meeting().id == sampled.meeting_id

    # ---- Attendance: Space ticks each member present; Return on a role edits, never closes.
    keys.press(Qt.Key.Key_A, CTRL | SHIFT)
    attendance = w.current_dialog
    assert isinstance(attendance, AttendanceDialog)
    qtbot.waitUntil(lambda: keys.focus() is attendance.table, timeout=2000)
    for row in range(3):
        keys.press(Qt.Key.Key_Space)
        if row < 2:
            keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Right)  # the role column
    keys.press(Qt.Key.Key_Return)
    assert attendance.isVisible()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=2000)
    keys.press(Qt.Key.Key_Escape)  # closes the list and leaves the role as it was
    qtbot.waitUntil(lambda: attendance.table.state() == attendance.table.State.NoState)
    assert keys.focus() is attendance.table
    assert attendance.isVisible()
    assert attendance.role(members["Sam Officer"]) == "officer"
    keys.press(Qt.Key.Key_Return)  # again, and choose the role above: saved at once
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=2000)
    keys.press(Qt.Key.Key_Up)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: attendance.table.state() == attendance.table.State.NoState)
    changed = attendance.role(members["Sam Officer"])
    assert changed != "officer"
    assert {a.name: a.role for a in panels.meeting_attendance(db, sampled.meeting_id)}[
        "Sam Officer"
    ] == changed
    keys.press(Qt.Key.Key_Right)  # the declarations: readable in full, editable
    keys.press(Qt.Key.Key_Return)
    keys.type("Knows the officer in case 4 socially")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: attendance.table.state() == attendance.table.State.NoState)
    assert attendance.isVisible()
    keys.press(Qt.Key.Key_Escape)
    assert w.current_dialog is None
    people = {a.name: a for a in panels.meeting_attendance(db, sampled.meeting_id)}
    assert all(people[name].present for name in members)
    assert "socially" in people["Sam Officer"].declarations

    # ---- Luke records his view on the first case, with a note.
    choose(keys, w, "Luke Harper")
    first = w.reviewer.case
    assert first is not None and first.position == 0
    keys.press(Qt.Key.Key_F, CTRL)  # the case filter, then Tab to the case list
    keys.tab_to(w.page.case_table)
    keys.press(Qt.Key.Key_Return)  # into the form
    assert keys.focus() in review.view_outcomes.buttons.values()
    keys.press(Qt.Key.Key_2)
    passed = keys.tab_to(review.note_edit)
    # Tab follows the visual order: only the outcome buttons lie between them and the note.
    assert all(p in review.view_outcomes.buttons.values() for p in passed[:-1])
    keys.type("Grounds thin: smell of cannabis only")
    keys.press(Qt.Key.Key_Escape)  # out of the box: number keys choose again
    assert keys.focus() in review.view_outcomes.buttons.values()
    keys.press(Qt.Key.Key_3)
    own = session.case_views(db, first.item_id, viewer_member_id=members["Luke Harper"]).own
    assert own is not None and own.outcome_code == "red"
    assert own.note == "Grounds thin: smell of cannabis only"
    keys.press(Qt.Key.Key_Return, CTRL)  # my view is done: the next case
    assert w.reviewer.case.position == 1

    # ---- Grace, the chair: her view on the first case, then the reveal.
    choose(keys, w, "Grace Mensah")
    keys.press(Qt.Key.Key_Up, CTRL)  # back to the first case
    assert w.reviewer.case.item_id == first.item_id
    keys.press(Qt.Key.Key_3)
    boxes.answer = QMessageBox.StandardButton.Yes  # reveal although Sam (now a member) has not
    keys.press(Qt.Key.Key_V, CTRL | SHIFT)  # reveal: the panel decides
    assert "Sam Officer has not recorded a view" in boxes.texts("question")[-1]
    assert review.stage == "decision"
    assert keys.focus() in review.decision_outcomes.buttons.values()

    # ---- The decision, with observations; Ctrl+Enter: decided, next case, form at the top.
    keys.press(Qt.Key.Key_3)
    passed = keys.tab_to(review.observations_edit)
    assert review.consensus_combo in passed and review.dissent_edit in passed
    keys.type("Both members found the grounds weak.")
    keys.press(Qt.Key.Key_Escape)
    keys.press(Qt.Key.Key_Return, CTRL)
    row = cases.case_row(db, first.item_id)
    assert (row.outcome_code, row.consensus) == ("red", "unanimous")
    assert row.observations == "Both members found the grounds weak."
    assert w.reviewer.case.item_id != first.item_id and not w.reviewer.case.decided
    assert w.page.review_scroll.verticalScrollBar().value() == 0
    assert boxes.errors == []

    # ---- F1: the list of keys scrolls by keys; Escape closes it.
    keys.press(Qt.Key.Key_F1)
    help_dialog = w.current_dialog
    assert isinstance(help_dialog, ShortcutsDialog)
    qtbot.waitUntil(lambda: keys.focus() is help_dialog.table, timeout=2000)
    keys.press(Qt.Key.Key_PageDown)
    assert help_dialog.table.currentRow() > 0
    keys.press(Qt.Key.Key_End, CTRL)
    assert help_dialog.table.currentRow() == help_dialog.table.rowCount() - 1
    keys.press(Qt.Key.Key_Escape)
    assert w.current_dialog is None
