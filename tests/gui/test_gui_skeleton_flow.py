"""The walking skeleton, end to end through the real widgets: panel, meeting, import, sample,
judgement, recommendation, report and tracker."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from scrutiny_app.gui.dialogs import (
    AddRecommendationDialog,
    DrawSampleDialog,
    NewMeetingDialog,
    NewPanelDialog,
)
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import cases, panels, recommendations
from scrutiny_app.storage import Database

from .gui_helpers import CSV_2019_01, Boxes, Files, cell, click, click_row

pytestmark = pytest.mark.gui

OBSERVATION = "Grounds were not recorded; the smell of cannabis alone was relied on."
RECOMMENDATION = "Remind officers that the smell of cannabis alone is not reasonable grounds."


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(value)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_skeleton_flow(
    qtbot, window: MainWindow, db: Database, boxes: Boxes, files: Files, tmp_path: Path
):
    w = window
    assert w.stack.currentWidget() is w.empty_page
    assert "No panels yet" in w.empty_label.text()

    # ---- New panel (Ctrl+Shift+N)
    w.action_new_panel.trigger()
    dialog = w.current_dialog
    assert isinstance(dialog, NewPanelDialog) and dialog.isVisible()
    assert dialog.pseudonymised_radio.isChecked()  # pseudonymised is the default
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findData("stop_search"))
    qtbot.keyClicks(dialog.name_edit, "Police Powers Panel")
    qtbot.keyClicks(dialog.force_edit, "Avon and Somerset")
    qtbot.keyClicks(dialog.code_edit, "SOPP")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    panel = w.selected_panel()
    assert panel is not None and panel.name == "Police Powers Panel"
    assert (panel.template.key, panel.force, panel.code) == (
        "stop_search",
        "Avon and Somerset",
        "SOPP",
    )
    assert panel.access_mode == "pseudonymised"
    assert w.stack.currentWidget() is w.panel_page.page

    # ---- New meeting (Ctrl+N), for the selected panel
    w.action_new_meeting.trigger()
    dialog = w.current_dialog
    assert isinstance(dialog, NewMeetingDialog)
    assert dialog.panel_combo.currentData() == panel.id
    dialog.date_edit.setDate(QDate(2019, 3, 14))
    qtbot.keyClicks(dialog.theme_edit, "Searches for controlled drugs")
    click(qtbot, dialog.ok_button)
    meeting = w.selected_meeting()
    assert meeting is not None and meeting.theme == "Searches for controlled drugs"
    assert w.stack.currentWidget() is w.page
    assert w.page.classification_badge.isVisible()
    assert w.page.classification_badge.text() == "OFFICIAL-SENSITIVE"

    # ---- Import cases (Ctrl+I)
    files.open_path = str(CSV_2019_01)
    w.action_import_cases.trigger()
    assert boxes.errors == []
    assert "Imported 519 of 519 rows" in w.statusBar().currentMessage()
    assert panels.population_size(db, meeting.id) == 519
    assert "Population: 519 cases" in w.page.meeting_subtitle.text()
    assert w.selected_meeting().id == meeting.id  # the selection survives the refresh

    # ---- Draw sample (Ctrl+D): 10 cases, seed 40213
    w.action_draw_sample.trigger()
    dialog = w.current_dialog
    assert isinstance(dialog, DrawSampleDialog)
    assert "519" in dialog.population_label.text()
    dialog.size_spin.selectAll()
    qtbot.keyClicks(dialog.size_spin, "10")
    qtbot.keyClicks(dialog.seed_edit, "40213")
    click(qtbot, dialog.ok_button)
    assert boxes.errors == []
    assert dialog.isVisible()  # it stays open to show how the sample was drawn
    assert "seed 40213" in dialog.statement
    assert "population of 519" in dialog.statement
    assert "Sample drawn: seed 40213" in w.statusBar().currentMessage()
    click(qtbot, dialog.ok_button)  # Close
    assert w.current_dialog is None
    assert w.page.case_proxy.rowCount() == 10

    # ---- Judge the third case: click it, click Red, type observations, click Record
    click_row(qtbot, w, 2)
    case = w.page.selected_case()
    assert case is not None and case.position == 2
    assert w.page.review.box.title().endswith(case.reference)
    click(qtbot, w.page.review.outcome_button("red"))
    assert w.page.review.outcome_button("red").isChecked()
    qtbot.keyClicks(w.page.review.observations_edit, OBSERVATION)
    assert w.page.review.done_button.isEnabled()
    click(qtbot, w.page.review.done_button)  # Decide: on to the next case to decide
    assert boxes.errors == []
    assert w.page.selected_case().position == 3
    assert cell(w, 2, "judgement") == "Red"
    assert "Red - concern, escalated" in cell(w, 2, "judgement", Qt.ItemDataRole.ToolTipRole)
    assert cell(w, 2, "judgement", Qt.ItemDataRole.DecorationRole).name() == "#c62828"
    assert cell(w, 2, "observations") == OBSERVATION
    stored = cases.meeting_cases(db, meeting.id).rows[2]
    assert (stored.outcome_code, stored.observations) == ("red", OBSERVATION)
    assert "1/10 decided" in w._find_item(("meeting", meeting.id)).data(
        0, Qt.ItemDataRole.UserRole + 11
    )

    # ---- Add recommendation (Ctrl+R), raised from the case just judged
    w.action_previous_case.trigger()
    assert w.page.selected_case().item_id == case.item_id
    w.action_add_recommendation.trigger()
    dialog = w.current_dialog
    assert isinstance(dialog, AddRecommendationDialog)
    qtbot.keyClicks(dialog.text_edit, RECOMMENDATION)
    qtbot.keyClicks(dialog.addressed_to_combo, "Stop and search lead")
    click(qtbot, dialog.link_case_check)
    click(qtbot, dialog.ok_button)
    assert boxes.errors == []
    [rec] = recommendations.list_recommendations(db, panel_id=panel.id)
    assert (rec.text, rec.addressed_to, rec.meeting_id) == (
        RECOMMENDATION,
        "Stop and search lead",
        meeting.id,
    )
    assert rec.linked_cases == (case.reference,)
    assert f"Recommendation {rec.reference} added" in w.statusBar().currentMessage()

    # ---- Export report (Ctrl+P)
    report = tmp_path / "report.pdf"
    files.save_path = str(report)
    w.action_export_report.trigger()
    assert boxes.errors == []
    assert report.is_file()
    text = pdf_text(report)
    assert case.reference in text
    assert "smell of cannabis alone was relied on" in " ".join(text.split())

    # ---- Export tracker (Ctrl+T)
    tracker = tmp_path / "tracker"  # no suffix: the app adds .xlsx
    files.save_path = str(tracker)
    w.action_export_tracker.trigger()
    assert boxes.errors == []
    xlsx = tmp_path / "tracker.xlsx"
    assert xlsx.is_file()
    assert RECOMMENDATION in xlsx_text(xlsx)

    assert boxes.shown == []  # no box at all on the happy path
