"""The panel's answers in the decision stage (issue 14): pre-filled where the members agree,
marked where they split, saved as chosen and undoable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import cases, panels, session
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, click

pytestmark = pytest.mark.gui


def test_answers_prefilled_where_members_agree_and_marked_where_they_split(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    grace = panels.add_member(db, sampled.panel_id, "Grace Mensah", role="chair")
    luke = panels.add_member(db, sampled.panel_id, "Luke Harper")
    for m in (grace, luke):
        panels.set_attendance(db, sampled.meeting_id, m, present=True)
    item = cases.meeting_cases(db, sampled.meeting_id).rows[0].item_id
    session.record_view(
        db,
        item,
        grace,
        outcome_code="green",
        answers={"grounds": "reasonable", "gowisely_g": "yes"},
    )
    session.record_view(
        db,
        item,
        luke,
        outcome_code="amber",
        answers={"grounds": "insufficient", "gowisely_g": "yes"},
    )
    session.reveal_views(db, item)
    window.refresh()
    assert window.select_meeting(sampled.meeting_id)
    if window.current_dialog is not None:  # who is using the app: the officer, not listed
        click(qtbot, window.current_dialog.not_listed_button)
    form = window.page.review
    assert form.stage == "decision"
    click(qtbot, form.outcome_button("amber"))

    questions = form.decision_questions
    assert questions.radio("gowisely_g", "yes").isChecked()  # both said yes: pre-filled
    note = questions.notes["grounds"]
    assert note.isVisible()
    assert note.text() == "Members split: 1 reasonable, 1 insufficient"
    assert not questions.notes["gowisely_g"].isVisible()

    radio = questions.radio("grounds", "insufficient")
    radio.setFocus()
    qtbot.keyClick(radio, Qt.Key.Key_Space)
    assert cases.case_row(db, item).answers["grounds"] == "insufficient"
    window.action_undo.trigger()
    assert cases.case_row(db, item).answers.get("grounds") != "insufficient"
    assert boxes.errors == []
