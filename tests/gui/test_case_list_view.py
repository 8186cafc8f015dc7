"""The population window: sort by clicking a header, filter by typing, rows on demand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from scrutiny_app.gui.case_list_view import CaseListDialog
from scrutiny_app.services import importer, panels
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui
DATA = Path(__file__).parents[1] / "data"


def test_sort_and_filter_in_sql_through_the_real_view(qtbot, app: QApplication, db: Database):
    pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
    for name in ("2019-01", "2026-01"):
        importer.import_file(db, mid, DATA / f"{name}-avon-and-somerset-stop-and-search.csv")
    dialog = CaseListDialog(db, mid, [("outcome", "Outcome")], "March")
    dialog.show()
    model = dialog.model
    assert model.rowCount() == 1023 and dialog.count.text() == "1,023 cases"
    date_col = [k for k, _ in model.columns].index("occurred_at")
    dialog.table.sortByColumn(date_col, Qt.SortOrder.DescendingOrder)
    first = model.data(model.index(0, date_col))
    last = model.data(model.index(model.rowCount() - 1, date_col))
    assert "2026" in first
    assert "2019" in last
    qtbot.keyClicks(dialog.filter, "Firearms")
    qtbot.waitUntil(lambda: model.rowCount() < 1023, timeout=2000)
    outcome_rows = {
        model.cases.row(i).fields.get("object_of_search") for i in range(model.rowCount())
    }
    assert outcome_rows == {"Firearms"}
    assert dialog.count.text() == f"{model.rowCount():,} cases"
    dispose(dialog, qtbot)
