"""What the review form says and redraws after a change (issue 11's review findings): messages
that belong to a case, 'all done' said of the whole meeting, restored text that stays undoable,
counts that follow decisions, one redraw per change, and a read-only form during a job."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from scrutiny_app.gui.app import create_main_window
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.people import computer_user
from scrutiny_app.gui.session_dialogs import WhoIsUsingDialog
from scrutiny_app.services import cases, drafts, panels, places, session
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, click, click_row

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


def banner(w: MainWindow) -> str:
    review = w.page.review
    return review.banner.text() if review.banner.isVisible() else ""


def test_all_done_is_not_claimed_while_a_filter_hides_cases_and_the_message_goes_with_the_case(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    first = w.reviewer.case
    # Only the case being worked on is listed (the text matches nothing else).
    qtbot.keyClicks(w.page.case_filter_edit, first.reference)
    assert w.page.case_proxy.rowCount() == 1
    click(qtbot, w.page.review.outcome_button("green"))
    w.action_record_judgement.trigger()

    assert w.reviewer.case.item_id == first.item_id  # nowhere to go in the list as filtered
    said = banner(w)
    assert "are decided" not in said
    assert "9 other cases are hidden by the filter" in said
    assert "All cases" in said  # how to see them

    w.page.case_filter_edit.clear()
    click_row(qtbot, w, 3)
    assert banner(w) == ""  # the message was about the case left
    click_row(qtbot, w, 0)
    assert banner(w) == ""  # and does not come back
    assert boxes.errors == []


def test_the_presenter_message_stays_across_cases_and_closing_it_clears_only_its_own(
    qtbot, sampled, window: MainWindow
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    w.action_presenter.trigger()
    assert "Presenter view" in banner(w)
    w.action_next_case.trigger()
    assert "Presenter view" in banner(w)
    w.reviewer.show_banner("A note about this case")
    w.action_presenter.trigger()  # F5 again: closed
    assert banner(w) == "A note about this case"


def test_restored_text_stays_undoable_after_choosing_who_is_using_the_app(
    qtbot, app, sampled, db: Database, boxes: Boxes
):
    luke = panels.add_member(db, sampled.panel_id, "Luke Harper")
    panels.set_attendance(db, sampled.meeting_id, luke, present=True)
    third = cases.meeting_cases(db, sampled.meeting_id).rows[2]
    places.remember(db, computer_user(), sampled.meeting_id, third.item_id)
    session.save_decision(db, third.item_id, outcome_code="amber", actor="Officer")
    # What a kill left: good practice typed on the third case, not saved.
    drafts.write_drafts(
        db,
        third.item_id,
        {"decision:good_practice": "Typed when the power went"},
        member_id=None,
        author=computer_user(),
    )

    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    assert w.reviewer.case.item_id == third.item_id
    assert cases.case_row(db, third.item_id).good_practice == "Typed when the power went"
    assert "Ctrl+Z takes it back" in banner(w)
    dialog = w.current_dialog
    assert isinstance(dialog, WhoIsUsingDialog)  # the meeting's first question
    assert dialog.select(luke)
    click(qtbot, dialog.ok_button)
    assert w.people.acting().name == "Luke Harper"

    assert w.action_undo.isEnabled()  # the promise in the banner holds
    w.action_undo.trigger()
    assert cases.case_row(db, third.item_id).good_practice == ""
    assert boxes.errors == []
    w.close()


def test_the_panel_page_counts_follow_decisions(qtbot, sampled, window: MainWindow, db: Database):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    w.action_next_case.trigger()
    click(qtbot, w.page.review.outcome_button("red"))
    assert w.select_panel(sampled.panel_id)
    assert "2 of 10 sampled cases decided" in w.panel_page.meetings_value.text()


def test_undo_on_another_case_draws_the_form_once(
    qtbot, sampled, window: MainWindow, db: Database, monkeypatch
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("green"))
    w.action_next_case.trigger()
    fills: list[int] = []
    real = w.reviewer._fill_form
    monkeypatch.setattr(
        w.reviewer, "_fill_form", lambda: (fills.append(w.reviewer.case.item_id), real())[1]
    )
    w.action_undo.trigger()
    first = cases.meeting_cases(db, sampled.meeting_id).rows[0]
    assert w.reviewer.case.item_id == first.item_id and first.outcome_code is None
    assert fills == [first.item_id]
    assert w.page.review.outcome_button("green").isChecked() is False


def test_a_part_that_cannot_be_redrawn_says_so_and_the_rest_is_redrawn(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes, monkeypatch
):
    w = window
    assert w.select_meeting(sampled.meeting_id)

    def broken() -> None:
        raise RuntimeError("the tag list cannot be read")

    monkeypatch.setattr(w.page, "reload_tags", broken)
    editor = w.page.review.tag_editor
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_T, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor.edit, "No BWV")
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)

    assert [b.title for b in boxes.errors] == ["Cannot read the tags"]
    assert w.reviewer.case.tags == ("No BWV",)  # the form's case was still redrawn
    assert editor.tags() == ["No BWV"]
    assert w.action_undo.isEnabled()


def test_the_form_is_read_only_while_a_background_job_runs(
    qtbot, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("amber"))
    item = w.reviewer.case.item_id
    edit = w.page.review.observations_edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Typed before the import")

    w.set_busy(True)  # what start_job does
    assert cases.case_row(db, item).observations == "Typed before the import"  # saved first
    assert not w.page.review.isEnabled()
    click_row(qtbot, w, 1)  # another case is shown read-only too
    assert not w.page.review.isEnabled()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_2)
    assert cases.case_row(db, w.reviewer.case.item_id).outcome_code is None

    w.set_busy(False)
    assert w.page.review.isEnabled()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_2)
    assert cases.case_row(db, w.reviewer.case.item_id).outcome_code is not None
