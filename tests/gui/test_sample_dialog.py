"""The sample dialog: preview shows the spread and statement; Draw writes exactly that."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from scrutiny_app.gui.sample_dialog import SampleDialog
from scrutiny_app.services import cases, importer, panels
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui
DATA = Path(__file__).parents[1] / "data"


def test_preview_then_draw_gives_the_previewed_stratified_sample(
    qtbot, app: QApplication, db: Database
):
    pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
    importer.import_file(db, mid, DATA / "2019-01-avon-and-somerset-stop-and-search.csv")
    dialog = SampleDialog(db, mid, population=519)
    dialog.show()
    dialog.size.setValue(12)
    dialog.stratify.setCurrentIndex(dialog.stratify.findData("gender"))
    qtbot.keyClicks(dialog.seed, "40213")
    dialog.preview_button.click()
    statement = dialog.statement.toPlainText()
    assert "12 cases were drawn at random from a population of 519" in statement
    assert "stratified by gender" in statement and "seed 40213" in statement
    spread = {
        dialog.spread.item(r, 0).text(): int(dialog.spread.item(r, 2).text())
        for r in range(dialog.spread.rowCount())
    }
    assert sum(spread.values()) == 12 and set(spread) >= {"Male", "Female"}
    previewed = dialog.drawn.toPlainText().splitlines()

    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result is not None and dialog.result.seed == 40213
    agenda = [r.reference for r in cases.meeting_cases(db, mid).rows]
    assert agenda == previewed
    dispose(dialog, qtbot)


def test_a_bad_setting_shows_a_message_and_keeps_the_dialog(
    qtbot, app: QApplication, db: Database, boxes
):
    pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
    dialog = SampleDialog(db, mid, population=0)
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result is None and dialog.isVisible()
    assert any("no cases to sample from" in t for t in boxes.texts())
    dispose(dialog, qtbot)
