"""Which actions are available when, and the keyboard: outcome keys, record, next/previous."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from scrutiny_app.gui.dialogs import ShortcutsDialog
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import cases, panels
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, cell, click, click_row

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


def meeting_actions(w: MainWindow):
    return [
        w.action_import_cases,
        w.action_draw_sample,
        w.action_export_report,
        w.action_next_case,
        w.action_previous_case,
    ]


def focus_table(qtbot, w: MainWindow) -> None:
    w.activateWindow()
    w.page.case_table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.page.case_table, timeout=2000)


def test_actions_that_need_a_meeting_are_disabled_without_one(sampled, window: MainWindow):
    w = window
    w.refresh(key=None)
    assert w.selected_meeting() is None
    assert [a.isEnabled() for a in meeting_actions(w)] == [False] * 5
    assert not w.action_add_recommendation.isEnabled()  # needs a panel
    assert not w.action_record_judgement.isEnabled()
    assert w.action_new_panel.isEnabled() and w.action_new_meeting.isEnabled()
    assert w.action_export_tracker.isEnabled()

    assert w.select_panel(sampled.panel_id)
    assert w.stack.currentWidget() is w.panel_page.page
    assert [a.isEnabled() for a in meeting_actions(w)] == [False] * 5
    assert w.action_add_recommendation.isEnabled()
    assert "Avon and Somerset" in w.panel_page.force_value.text()
    assert "Pseudonymised" in w.panel_page.access_value.text()
    assert "1 meeting" in w.panel_page.meetings_value.text()

    assert w.select_meeting(sampled.meeting_id)
    assert [a.isEnabled() for a in meeting_actions(w)] == [True] * 5
    assert w.action_add_recommendation.isEnabled()


def test_a_meeting_without_cases_explains_what_to_do(db: Database, window: MainWindow):
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    window.refresh()
    assert window.select_meeting(mid)
    assert window.page.empty_cases_label.isVisibleTo(window)
    assert "Import" in window.page.empty_cases_label.text()
    assert not window.page.case_table.isVisibleTo(window)
    assert not window.action_next_case.isEnabled()
    assert not window.page.review.outcome_buttons().isEnabled()


def test_number_keys_choose_the_outcome_and_ctrl_enter_records(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    assert w.page.selected_case().position == 0  # the first case is selected on opening
    focus_table(qtbot, w)

    qtbot.keyClick(w.page.case_table, Qt.Key.Key_2)
    assert w.page.review.outcome_button("amber").isChecked()
    assert w.action_record_judgement.isEnabled()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_4)  # no consensus: consensus is "none", locked
    assert w.page.review.outcome_button("no_consensus").isChecked()
    assert not w.page.review.outcome_button("amber").isChecked()
    assert w.page.review.consensus_combo.currentData() == "none"
    assert not w.page.review.consensus_combo.isEnabled()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_1)
    assert w.page.review.consensus_combo.isEnabled()

    # Digits typed into a text box are text, not outcome keys.
    w.page.review.observations_edit.setFocus()
    qtbot.waitUntil(lambda: w.page.review.observations_edit.hasFocus(), timeout=2000)
    qtbot.keyClicks(w.page.review.observations_edit, "Stopped at 3am")
    assert w.page.review.outcome_button("green").isChecked()
    assert w.page.review.observations_edit.toPlainText() == "Stopped at 3am"

    qtbot.keyClick(w.page.review.observations_edit, Qt.Key.Key_Return, CTRL)
    assert boxes.errors == []
    first = cases.meeting_cases(db, sampled.meeting_id).rows[0]
    assert (first.outcome_code, first.observations) == ("green", "Stopped at 3am")
    assert cell(w, 0, "judgement") == "Green"
    # Ctrl+Enter: decided, on to the next case to decide, the focus on its outcome buttons.
    assert w.page.selected_case().position == 1
    focus = QApplication.focusWidget()
    assert focus is not None and focus.window() is w
    assert focus in w.page.review.decision_outcomes.buttons.values()


def test_ctrl_down_and_up_move_between_cases(qtbot, sampled, window: MainWindow):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    focus_table(qtbot, w)
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_Down, CTRL)
    assert w.page.selected_case().position == 1
    w.action_next_case.trigger()
    assert w.page.selected_case().position == 2
    w.action_previous_case.trigger()
    assert w.page.selected_case().position == 1
    w.action_previous_case.trigger()
    w.action_previous_case.trigger()  # stops at the first case
    assert w.page.selected_case().position == 0
    assert w.page.review.box.title().endswith(w.page.selected_case().reference)


def test_changes_are_saved_as_they_are_made_when_moving_on(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    """No Save button and no "save changes?" question: every change is already saved."""
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("amber"))
    assert cases.meeting_cases(db, sampled.meeting_id).rows[0].outcome_code == "amber"
    qtbot.keyClicks(w.page.review.observations_edit, "Name and station not given")
    click_row(qtbot, w, 3)  # the typing is saved on the way out
    assert w.page.selected_case().position == 3
    rows = cases.meeting_cases(db, sampled.meeting_id).rows
    assert (rows[0].outcome_code, rows[0].observations) == ("amber", "Name and station not given")
    assert cell(w, 0, "judgement") == "Amber"

    click(qtbot, w.page.review.outcome_button("red"))
    w.action_next_case.trigger()
    assert w.page.selected_case().position == 4
    assert cases.meeting_cases(db, sampled.meeting_id).rows[3].outcome_code == "red"
    assert boxes.shown == []


def test_typing_is_saved_after_a_short_pause(qtbot, sampled, window: MainWindow, db: Database):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    w.page.review.good_practice_edit.setFocus()
    qtbot.keyClicks(w.page.review.good_practice_edit, "Receipt offered")
    assert w.page.review.good_practice_edit.hasFocus()
    qtbot.waitUntil(
        lambda: (
            cases.meeting_cases(db, sampled.meeting_id).rows[0].good_practice == "Receipt offered"
        ),
        timeout=3000,
    )
    # Saving did not touch the box: the focus and the cursor are where they were.
    assert w.page.review.good_practice_edit.hasFocus()
    assert w.page.review.good_practice_edit.textCursor().position() == len("Receipt offered")
    assert "saved" in w.page.review.status_label.text()


def test_the_selection_survives_a_refresh_with_typing_in_progress(
    qtbot, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click_row(qtbot, w, 5)
    click(qtbot, w.page.review.outcome_button("amber"))
    qtbot.keyClicks(w.page.review.good_practice_edit, "Clear explanation")
    item = w.page.selected_case().item_id
    w.refresh()
    assert w.selected_meeting().id == sampled.meeting_id
    assert w.page.selected_case().item_id == item
    assert w.page.review.good_practice_edit.toPlainText() == "Clear explanation"
    assert cases.meeting_cases(db, sampled.meeting_id).rows[5].good_practice == (
        "Clear explanation"
    )


def test_sorting_keeps_the_selected_case(qtbot, sampled, window: MainWindow):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click_row(qtbot, w, 4)
    item = w.page.selected_case().item_id
    w.page.case_table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert w.page.selected_case().item_id == item
    refs = [cell(w, r, "reference") for r in range(w.page.case_proxy.rowCount())]
    assert refs == sorted(refs, reverse=True)


def test_help_shortcuts_and_about(qtbot, sampled, window: MainWindow, boxes: Boxes):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    w.action_shortcuts.trigger()
    dialog = w.current_dialog
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dict(w.shortcut_rows())
    assert rows["Import cases"] == "Ctrl+I"
    assert rows["Draw sample"] == "Ctrl+D"
    assert rows["Decide and go to next case"].startswith("Ctrl+Return")
    assert rows["Undo the last saved change"] == "Ctrl+Z"
    assert rows["Reveal the views on this case"] == "Ctrl+Shift+V"
    assert rows["Presenter view"] == "F5"
    assert rows["Who is using the app"] == "Ctrl+U"
    assert rows["Outcome: Green - good practice"] == "1"
    assert rows["Keyboard shortcuts"] == "F1"
    dialog.close()
    w.action_about.trigger()
    assert boxes.shown[-1].kind == "about" and "OFFICIAL-SENSITIVE" in boxes.shown[-1].text


def test_quitting_saves_what_was_typed_without_asking(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    qtbot.keyClicks(w.page.review.observations_edit, "Typed just before quitting")
    w.action_quit.trigger()
    assert not w.isVisible()
    assert boxes.shown == []
    first = cases.meeting_cases(db, sampled.meeting_id).rows[0]
    assert (first.outcome_code, first.observations) == ("green", "Typed just before quitting")
