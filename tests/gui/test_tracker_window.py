"""The tracker window: filters, history, allowed status changes, the force's answers read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QListWidget, QPushButton

from scrutiny_app.gui import tracker_window
from scrutiny_app.gui.tracker_window import TrackerWindow
from scrutiny_app.services import demo, recommendations
from scrutiny_app.services.tracker import export as tracker
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui


def test_filter_change_status_and_read_the_forces_answers(
    qtbot, app: QApplication, tmp_path: Path, files, monkeypatch
):
    db = Database.open(tmp_path / "t.db")
    ids = demo.create_demo(db)
    # The demo's two recommendations are issued (one answered); the officer raises two more.
    first = recommendations.add_recommendation(
        db, ids.oocd_panel, "Audit body-worn video use.", meeting_id=ids.oocd_meeting
    )
    second = recommendations.add_recommendation(
        db, ids.oocd_panel, "Review the victim contact log.", meeting_id=ids.oocd_meeting
    )
    window = TrackerWindow(db, [(ids.oocd_panel, "OOCD")])
    window.show()
    assert window.model.rowCount() == 4
    refs = [r.reference for r in window.model.rows]

    window.table.selectRow(refs.index(first.reference))
    assert [window.status.itemData(i) for i in range(window.status.count())] == [
        s.value for s in first.allowed_statuses
    ]
    window.status.setCurrentIndex(window.status.findData("issued"))
    qtbot.keyClicks(window.note, "Sent to the force")
    window.apply.click()
    assert recommendations.get_recommendation(db, first.id).status == "issued"
    history = window.findChild(QListWidget, "history")
    assert "Sent to the force" in history.item(history.count() - 1).text()
    issue = window.findChild(QPushButton, "issueRecommendation")
    assert not issue.isEnabled()  # already issued
    window.table.selectRow(refs.index(second.reference))
    assert issue.isEnabled()
    issue.click()
    assert recommendations.get_recommendation(db, second.id).status == "issued"

    # the force answers in the exported spreadsheet
    out = tmp_path / "tracker.xlsx"
    tracker.export_tracker(db, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Recommendations"]
    headers = [c.value for c in ws[1]]
    row = next(
        r for r in range(2, ws.max_row + 1)
        if ws.cell(r, headers.index("Reference") + 1).value == first.reference
    )  # fmt: skip
    ws.cell(
        row=row, column=headers.index("Force response") + 1, value="Guidance issued in October."
    )
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
