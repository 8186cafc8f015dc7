"""The GUI's write path (issue 11): drafts while typing, one undo step per box, and pages that
redraw only what a change touched."""

from __future__ import annotations

import pytest

from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import cases, drafts, panels
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, click, click_row

pytestmark = pytest.mark.gui


def test_typing_is_on_disk_within_100_ms_and_the_draft_goes_once_saved(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click(qtbot, w.page.review.outcome_button("amber"))
    item = w.reviewer.case.item_id
    edit = w.page.review.observations_edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Officer explained")
    qtbot.wait(100)
    # On disk as a draft, not yet the record (and not an undo step per key).
    assert [(d.key, d.text) for d in drafts.list_drafts(db)] == [
        ("decision:observations", "Officer explained")
    ]
    assert cases.case_row(db, item).observations == ""
    qtbot.keyClicks(edit, " the outcome")
    qtbot.wait(100)
    assert drafts.list_drafts(db)[0].text == "Officer explained the outcome"

    w.page.review.dissent_edit.setFocus()  # leaving the box saves it: one undo step
    assert cases.case_row(db, item).observations == "Officer explained the outcome"
    assert drafts.list_drafts(db) == []
    assert w.action_undo.text() == f"&Undo the panel decision on {w.reviewer.case.reference}"
    assert boxes.errors == []


def test_a_decision_redraws_its_row_and_counts_without_reloading_the_meeting(
    qtbot, sampled, window: MainWindow, db: Database, monkeypatch
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    click_row(qtbot, w, 1)
    reads: list[str] = []
    for module, name in ((cases, "meeting_cases"), (panels, "list_panels")):
        real = getattr(module, name)

        def counted(*args, real=real, name=name, **kwargs):
            reads.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    click(qtbot, w.page.review.outcome_button("green"))

    assert reads == []  # one row re-read (cases.case_row), not the meeting or the tree
    assert "1 of 10 decided" in w.page.progress_label.text()
    item = w._find_item(("meeting", sampled.meeting_id))
    assert "1/10 decided" in item.toolTip(0)
    assert w.page.case_model.case_at(1).outcome_code == "green"
