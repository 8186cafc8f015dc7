"""Reading a case (issue 11, item 6): the details can take the whole height and stay so, a
position is a place, and the window says which database it shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from scrutiny_app.gui.app import create_main_window
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.storage import Database

pytestmark = pytest.mark.gui

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_the_case_details_take_the_whole_height_and_keep_it(
    qtbot, app, sampled, window: MainWindow, db: Database
):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    w.page.case_table.setFocus()
    qtbot.keyClick(w.page.case_table, Qt.Key.Key_H, CTRL_SHIFT)
    assert w.page.details_full_height()
    assert w.page.case_details.isVisible() and w.page.case_details.height() > 300
    w.close()

    again = create_main_window(db)  # the next start: the divider is where it was left
    qtbot.addWidget(again)
    again.resize(1366, 768)
    again.show()
    assert again.select_meeting(sampled.meeting_id)
    assert again.page.details_full_height()
    again.action_details.trigger()  # and back
    assert not again.page.details_full_height()


def test_a_stop_and_search_position_reads_as_a_grid_reference(qtbot, sampled, window: MainWindow):
    w = window
    assert w.select_meeting(sampled.meeting_id)
    placed = next(r for r in w.page.cases.rows if r.fields.get("latitude") not in (None, ""))
    assert w.page.select_case(placed.item_id)
    text = w.page.case_details.toPlainText()
    assert "Location" in text and "grid reference ST" in text  # Avon and Somerset
    assert "Latitude" not in text and "Longitude" not in text
    assert w.windowTitle() == f"Scrutiny — {db_name(w)}"


def db_name(w: MainWindow) -> str:
    from pathlib import Path

    return Path(w.db.display_name).name
