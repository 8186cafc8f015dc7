"""The tracker window: filters, history, allowed status changes, the force's answers read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QListWidget

from scrutiny_app.gui import tracker_window
from scrutiny_app.gui.tracker_window import TrackerWindow
from scrutiny_app.services import demo, recommendations, tracker
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui


def test_filter_change_status_and_read_the_forces_answers(
    qtbot, app: QApplication, tmp_path: Path, files, monkeypatch
):
    db = Database.open(tmp_path / "t.db")
    ids = demo.create_demo(db)
    first = recommendations.list_recommendations(db)[0]
    window = TrackerWindow(db, [(ids.oocd_panel, "OOCD")])
    window.show()
    assert window.model.rowCount() == 2

    window.table.selectRow(0)
    assert [window.status.itemData(i) for i in range(window.status.count())] == [
        s.value for s in first.allowed_statuses
    ]
    window.status.setCurrentIndex(window.status.findData("issued"))
    qtbot.keyClicks(window.note, "Sent to the force")
    window.apply.click()
    assert recommendations.get_recommendation(db, first.id).status == "issued"
    history = window.findChild(QListWidget, "history")
    assert "Sent to the force" in history.item(history.count() - 1).text()

    # the force answers in the exported spreadsheet
    out = tmp_path / "tracker.xlsx"
    tracker.export_tracker(db, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Recommendations"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("Force response") + 1, value="Guidance issued in October.")
    wb.save(out)
    files.open_path = str(out)
    monkeypatch.setattr(
        tracker_window.ImportPreviewDialog, "exec", lambda self: QDialog.DialogCode.Accepted
    )
    window.import_answers()
    assert (
        recommendations.get_recommendation(db, first.id).force_response
        == "Guidance issued in October."
    )

    window.findChild(QCheckBox, "overdueOnly").setChecked(True)
    overdue = [r for r in recommendations.list_recommendations(db) if r.overdue]
    assert window.model.rowCount() == len(overdue)
    dispose(window, qtbot)
    db.close()
