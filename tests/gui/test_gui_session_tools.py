"""The session's tools through the widgets: undo/redo, tags, the case filter, consensus, who
may do what, time spent and the presenter window."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from scrutiny_app.domain.vocab import MemberRole
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.session_dialogs import WhoIsUsingDialog
from scrutiny_app.services import cases, panels, session, tags
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, cell, click, click_row

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def rows(db: Database, meeting_id: int):
    return cases.meeting_cases(db, meeting_id).rows


def test_undo_and_redo_each_saved_change_keeping_the_focus(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    assert not w.action_undo.isEnabled()
    click(qtbot, w.page.review.outcome_button("amber"))
    click(qtbot, w.page.review.outcome_button("red"))
    w.page.review.observations_edit.setFocus()
    qtbot.keyClicks(w.page.review.observations_edit, "No grounds")
    w.reviewer.flush_edits()  # as the pause after typing would
    qtbot.keyClicks(w.page.review.observations_edit, " recorded")
    w.reviewer.flush_edits()
    w.page.review.outcome_button("red").setFocus()  # leaving the box ends that undo step
    assert w.action_undo.text().startswith("&Undo the panel decision on")
    assert rows(db, sampled.meeting_id)[0].observations == "No grounds recorded"

    # Both saves of the typing are one undo step.
    qtbot.keyClick(w.page.review.outcome_button("red"), Qt.Key.Key_Z, CTRL)
    assert rows(db, sampled.meeting_id)[0].observations == ""
    assert w.page.review.observations_edit.toPlainText() == ""
    assert QApplication.focusWidget() is w.page.review.outcome_button("red")  # the focus stays
    w.action_undo.trigger()
    assert rows(db, sampled.meeting_id)[0].outcome_code == "amber"
    assert w.page.review.outcome_button("amber").isChecked()
    w.action_undo.trigger()
    assert rows(db, sampled.meeting_id)[0].outcome_code is None  # the decision is gone
    assert cell(w, 0, "judgement") == ""
    assert not w.action_undo.isEnabled()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_Z, CTRL | SHIFT)
    w.action_redo.trigger()
    w.action_redo.trigger()
    first = rows(db, sampled.meeting_id)[0]
    assert (first.outcome_code, first.observations) == ("red", "No grounds recorded")
    assert w.page.review.observations_edit.toPlainText() == "No grounds recorded"
    assert boxes.errors == []


def test_undo_brings_back_a_change_made_on_another_case(
    qtbot, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    w.action_next_case.trigger()
    assert w.page.selected_case().position == 1
    w.action_undo.trigger()
    assert w.page.selected_case().position == 0  # undo shows where it undid
    assert rows(db, sampled.meeting_id)[0].outcome_code is None


def test_tags_from_the_panels_shared_list(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    tags.create_tag(db, sampled.panel_id, "Smell of cannabis only")
    w.refresh()
    assert w.select_meeting(sampled.meeting_id)
    editor = w.page.review.tag_editor
    assert editor.completer.model().stringList() == ["Smell of cannabis only"]

    key_seq = Qt.Key.Key_T
    qtbot.keyClick(w.page.case_table, key_seq, CTRL | SHIFT)  # Ctrl+Shift+T: the tag box
    assert editor.edit.hasFocus()
    qtbot.keyClicks(editor.edit, "smell of  CANNABIS only")  # the same tag, typed differently
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    assert editor.tags() == ["Smell of cannabis only"]
    assert editor.edit.text() == ""

    boxes.answer = QMessageBox.StandardButton.Yes  # "use the existing tag?" yes
    qtbot.keyClicks(editor.edit, "No BWV")
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    click_row(qtbot, w, 1)
    qtbot.keyClicks(editor.edit, "No BVW")  # a typo of an existing tag
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    assert "already a tag" in boxes.shown[-1].text
    assert editor.tags() == ["No BWV"]
    assert [t.name for t in tags.list_tags(db, sampled.panel_id)] == [
        "No BWV",
        "Smell of cannabis only",
    ]
    assert cell(w, 1, "state") == "Not started"

    editor.chips.setCurrentRow(0)
    editor.chips.setFocus()
    qtbot.keyClick(editor.chips, Qt.Key.Key_Delete)
    assert editor.tags() == []
    assert rows(db, sampled.meeting_id)[1].tags == ()
    w.action_undo.trigger()
    assert rows(db, sampled.meeting_id)[1].tags == ("No BWV",)
    assert editor.tags() == ["No BWV"]


def test_the_case_list_filters_by_state_and_text(qtbot, sampled, window: MainWindow, db: Database):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    w.action_record_judgement.trigger()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_F, CTRL)
    assert w.page.case_filter_edit.hasFocus()
    w.page.state_filter_combo.setCurrentIndex(w.page.state_filter_combo.findText("Decided"))
    # the case being worked on stays in the list; the one decided shows
    shown = {cell(w, r, "reference") for r in range(w.page.case_proxy.rowCount())}
    first = rows(db, sampled.meeting_id)[0]
    assert first.reference in shown
    w.page.state_filter_combo.setCurrentIndex(w.page.state_filter_combo.findText("Not decided yet"))
    assert w.page.case_proxy.rowCount() == 9 + 0  # the 9 undecided (the current one is one of them)
    qtbot.keyClicks(w.page.case_filter_edit, rows(db, sampled.meeting_id)[4].reference[-5:])
    assert w.page.case_proxy.rowCount() in (1, 2)  # the match, and the case being worked on
    assert "cases shown" in w.statusBar().currentMessage()
    w.page.case_filter_edit.clear()
    w.page.state_filter_combo.setCurrentIndex(0)
    assert w.page.case_proxy.rowCount() == 10


def test_choosing_no_consensus_in_the_combo_carries_the_case_over(
    qtbot, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("amber"))
    w.page.review.consensus_combo.setCurrentIndex(
        w.page.review.consensus_combo.findData("majority")
    )
    w.page.review.consensus_combo.activated.emit(w.page.review.consensus_combo.currentIndex())
    assert rows(db, sampled.meeting_id)[0].consensus == "majority"
    w.page.review.consensus_combo.setCurrentIndex(w.page.review.consensus_combo.findData("none"))
    w.page.review.consensus_combo.activated.emit(w.page.review.consensus_combo.currentIndex())
    first = rows(db, sampled.meeting_id)[0]
    assert (first.outcome_code, first.consensus, first.carried_over) == (
        "no_consensus",
        "none",
        True,
    )
    assert w.page.review.outcome_button("no_consensus").isChecked()
    assert cell(w, 0, "state") == "Carried over"
    assert not w.page.review.consensus_combo.isEnabled()


def test_text_boxes_wait_for_the_outcome(qtbot, sampled, window: MainWindow):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    assert not w.page.review.observations_edit.isEnabled()
    assert "Choose the panel's outcome" in w.page.review.decision_hint.text()
    click(qtbot, w.page.review.outcome_button("green"))
    assert w.page.review.observations_edit.isEnabled()


@pytest.fixture
def with_members(db: Database, sampled) -> dict[str, int]:
    ids = {
        "Grace Mensah": panels.add_member(db, sampled.panel_id, "Grace Mensah", role="chair"),
        "Luke Harper": panels.add_member(db, sampled.panel_id, "Luke Harper"),
        "Sam Officer": panels.add_member(
            db, sampled.panel_id, "Sam Officer", role=MemberRole.OFFICER
        ),
    }
    for member in ids.values():
        panels.set_attendance(db, sampled.meeting_id, member, present=True)
    return ids


def test_who_may_record_views_and_reveal(
    qtbot, sampled, with_members, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    w.refresh()
    assert w.select_meeting(sampled.meeting_id)
    dialog = w.current_dialog
    assert isinstance(dialog, WhoIsUsingDialog)
    click(qtbot, dialog.not_listed_button)  # someone not on the attendance
    assert w.people.acting().member_id is None
    assert w.page.review.stage == "views"
    assert "not on the attendance" in w.page.review.blocked_label.text()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_1)
    assert rows(db, sampled.meeting_id)[0].views == 0
    assert "does not record a view" in w.statusBar().currentMessage()
    # The form says why in one line and offers the fix.
    assert w.page.review.blocked_fix.isVisible()
    click(qtbot, w.page.review.blocked_fix)
    assert isinstance(w.current_dialog, WhoIsUsingDialog)
    click(qtbot, w.current_dialog.not_listed_button)

    w.people.set_acting(sampled.meeting_id, session.SessionUser(with_members["Luke Harper"],
                                                         "Luke Harper", "member"))  # fmt: skip
    assert w.page.review.own_box.isVisible()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_2)
    assert rows(db, sampled.meeting_id)[0].views == 1
    assert not w.action_reveal_views.isEnabled()
    assert not w.page.review.reveal_button.isEnabled()

    w.people.set_acting(sampled.meeting_id, session.SessionUser(with_members["Sam Officer"],
                                                         "Sam Officer", "officer"))  # fmt: skip
    assert "only panel members record a view" in w.page.review.blocked_label.text()
    assert "1 of 2 views in" in w.page.review.views_in_label.text()
    # Grace has not recorded hers: revealing warns, names her, and No leaves the views hidden.
    boxes.answer = QMessageBox.StandardButton.No
    click(qtbot, w.page.review.reveal_button)
    question = boxes.shown[-1]
    assert question.kind == "question" and "Grace Mensah has not recorded a view" in question.text
    assert w.page.review.stage == "views"
    boxes.answer = QMessageBox.StandardButton.Yes
    click(qtbot, w.page.review.reveal_button)
    assert w.page.review.stage == "decision"
    assert [c.accessibleName().split(":")[0] for c in w.page.review.views_panel.cards] == [
        "Luke Harper"
    ]
    assert QApplication.focusWidget() in w.page.review.decision_outcomes.buttons.values()
    assert boxes.errors == []


def test_marking_the_acting_member_absent_stops_them_acting(
    qtbot, sampled, with_members, window: MainWindow, db: Database
):
    w = window
    w.refresh()
    assert w.select_meeting(sampled.meeting_id)
    dialog = w.current_dialog
    assert dialog.select(with_members["Luke Harper"])
    click(qtbot, dialog.ok_button)
    assert w.people.acting().name == "Luke Harper"
    assert panels.meeting_info(db, sampled.meeting_id).status == "in_session"
    w.action_attendance.trigger()
    attendance = w.current_dialog
    attendance.table.setCurrentCell(attendance.row_of(with_members["Luke Harper"]), 1)
    qtbot.keyClick(attendance.table, Qt.Key.Key_Space)
    attendance.close()
    assert w.people.acting().member_id is None
    assert "no longer marked present" in w.statusBar().currentMessage()


def test_time_spent_on_a_case_is_saved(qtbot, sampled, window: MainWindow, db: Database):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    qtbot.wait(1200)
    w.action_next_case.trigger()  # leaving the case banks its time
    assert rows(db, sampled.meeting_id)[0].seconds_spent >= 1


def test_the_presenter_window_follows_the_case(qtbot, sampled, window: MainWindow, db: Database):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    w.action_presenter.trigger()
    presenter = w.presenter
    assert presenter is not None and presenter.isVisible()
    assert not presenter.isFullScreen()  # one screen: an ordinary window
    assert presenter.state.reference == w.page.selected_case().reference
    assert presenter.state.position == "Case 1 of 10"
    click(qtbot, w.page.review.outcome_button("red"))
    assert presenter.state.decision_text.startswith("Panel decision: Red")
    assert [b.count for b in presenter.tally.bars] == [0, 0, 1, 0]
    w.action_next_case.trigger()
    assert presenter.state.position == "Case 2 of 10"
    qtbot.keyClick(presenter, Qt.Key.Key_Escape)
    assert not presenter.isVisible()
    assert not w.action_presenter.isChecked() or not presenter.isVisible()


def test_f1_lists_the_session_shortcuts(qtbot, sampled, window: MainWindow):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    rows_ = dict(w.shortcut_rows())
    for command, keys in {
        "Decide and go to next case": "Ctrl+Return, Ctrl+Enter",
        "Reveal the views on all cases": "Ctrl+Alt+V",
        "Declare an interest in this case": "Ctrl+Shift+I",
        "Attendance and declarations": "Ctrl+Shift+A",
        "Filter cases": "Ctrl+F",
        "Add a tag": "Ctrl+Shift+T",
        "Session summary": "Ctrl+Shift+S",
        "Agreement among members": "Ctrl+Shift+K",
        "Redo": "Ctrl+Shift+Z, Ctrl+Y",
        "Outcome: Red - concern, escalated": "3",
        "Next case": "Ctrl+Down",
    }.items():
        assert rows_[command] == keys, command


def test_an_empty_meeting_has_no_session(qtbot, db: Database, window: MainWindow):
    pid = panels.create_panel(db, "oocd", "OOCD Panel")
    mid = panels.create_meeting(db, pid, dt.date(2026, 9, 1), "Stalking")
    window.refresh()
    assert window.select_meeting(mid)
    assert not window.action_reveal_all.isEnabled()
    assert not window.action_session_summary.isEnabled()
    assert not window.page.review.isEnabled()
