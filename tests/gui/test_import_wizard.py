"""The import wizard, driven through its real pages and buttons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QWizard,
)
from sqlalchemy import func, select

from scrutiny_app.gui.import_wizard import ImportWizard
from scrutiny_app.services import panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ColumnMapping

from .disposal import dispose

pytestmark = pytest.mark.gui
DATA = Path(__file__).parents[1] / "data"


def cases_in(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Case.id)))


def click(wizard: ImportWizard, which: QWizard.WizardButton, qtbot) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), which
    button.click()
    qtbot.wait(10)


def test_police_uk_file_goes_through_without_a_mapping(qtbot, app: QApplication, db: Database):
    pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
    wizard = ImportWizard(db, mid, path=str(DATA / "2019-01-avon-and-somerset-stop-and-search.csv"))
    wizard.show()
    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    summary = wizard.findChild(QLabel, "formatSummary").text()
    assert "data.police.uk stop and search" in summary and "no mapping needed" in summary
    combo = wizard.findChild(QComboBox, "target:Self-defined ethnicity")
    assert not combo.isEnabled() and combo.currentData() == "column:self_defined_ethnicity"
    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    assert (
        "519 rows read: 519 can be imported. No problems."
        in wizard.findChild(QLabel, "checkSummary").text()
    )
    assert cases_in(db) == 0  # the check wrote nothing
    click(wizard, QWizard.WizardButton.FinishButton, qtbot)
    assert wizard.result is not None and wizard.result.rows_imported == 519
    assert cases_in(db) == 519
    dispose(wizard, qtbot)


def test_force_extract_is_mapped_checked_and_imported_with_names_dropped(
    qtbot, app: QApplication, db: Database, tmp_path: Path
):
    pid = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    mid = panels.create_meeting(db, pid, dt.date(2026, 10, 14), "Harassment")
    path = tmp_path / "extract.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Force extract - OOCD"])
    ws.append([])
    ws.append(["Crime Ref", "Name", "Offence", "Offence Date", "Notes"])
    ws.append(["AS/1", "Jane Smith", "Harassment", "01/08/2026", "a"])
    ws.append(["AS/2", "Ahmed Khan", "Stalking", "not a date", "b"])
    ws.append(["AS/3", "Olu Adeyemi", "Harassment", "03/08/2026", "c"])
    wb.save(path)

    wizard = ImportWizard(db, mid, path=str(path))
    wizard.show()
    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    treatments = {
        wizard.mapping_page.table.item(r, 0).text(): wizard.mapping_page.table.item(r, 3).text()
        for r in range(wizard.mapping_page.table.rowCount())
    }
    assert treatments["Name"] == "dropped (personal)"  # suggested: Name -> subject name
    assert treatments["Crime Ref"] == "pseudonymised"
    offence = wizard.findChild(QComboBox, "target:Offence")
    offence.setCurrentIndex(offence.findData("field:offence"))
    wizard.mapping_page.save_check.setChecked(True)
    wizard.mapping_page.save_edit.setText("Monthly")

    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    problems = [wizard.findChild(QListWidget, "problemList").item(i).text() for i in range(1)]
    assert problems == [
        "Problem: extract.xlsx, row 5, column 'Offence Date': not a date: 'not a date'"
    ]
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.findChild(QRadioButton, "skipInvalidRadio").setChecked(True)
    click(wizard, QWizard.WizardButton.FinishButton, qtbot)

    assert wizard.result.rows_imported == 2
    with db.session() as s:
        stored = s.scalars(select(Case)).all()
        assert s.scalar(select(ColumnMapping.name)) == "Monthly"
    assert {c.fields["offence"] for c in stored} == {"Harassment"}
    assert all("subject_name" not in c.fields and c.reference.startswith("OOCD-") for c in stored)
    dispose(wizard, qtbot)


def test_the_check_shows_how_values_are_read_and_the_user_can_change_one(
    qtbot, app: QApplication, db: Database, tmp_path: Path
):
    pid = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    mid = panels.create_meeting(db, pid, dt.date(2026, 10, 14), "Harassment")
    path = tmp_path / "extract.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Crime Ref", "Disposal", "Offence Date"])
    for i, disposal in enumerate(["CR", "N/A", "Caution", "CR", "Conditional caution"]):
        ws.append([f"AS/{i}", disposal, f"0{i + 1}/08/2026"])
    wb.save(path)

    wizard = ImportWizard(db, mid, path=str(path))
    wizard.show()
    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    disposal = wizard.findChild(QComboBox, "target:Disposal")
    disposal.setCurrentIndex(disposal.findData("field:disposal_type"))
    wizard.mapping_page.save_check.setChecked(True)
    wizard.mapping_page.save_edit.setText("Monthly")
    click(wizard, QWizard.WizardButton.NextButton, qtbot)
    qtbot.waitUntil(lambda: wizard.check is not None)
    tabs = wizard.check_page.tabs
    assert tabs.tabText(1) == "Values (3 tidied)" and tabs.currentIndex() == 1
    table = wizard.check_page.values
    shown = {
        table.item(r, 1).text(): (table.item(r, 2).text(), table.item(r, 3).text())
        for r in range(table.rowCount())
        if table.item(r, 0).text() == "Disposal"
    }
    assert shown == {
        "CR": ("2", "Community resolution"),
        "N/A": ("1", ""),
        "Caution": ("1", "Caution"),
        "Conditional caution": ("1", "Conditional caution"),
    }
    # The officer knows this force's "Caution" is a simple caution: typed in place.
    row = next(r for r in range(table.rowCount()) if table.item(r, 1).text() == "Caution")
    table.setCurrentCell(row, 3)
    table.editItem(table.item(row, 3))
    editor = table.viewport().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "Simple caution")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.item(row, 3).text() == "Simple caution")  # committed (queued)
    assert wizard.value_maps == {"Disposal": {"Caution": "Simple caution"}}
    assert any("Caution" in w for w in wizard.check.warnings)  # not a disposal type...
    wizard.findChild(QPushButton, "checkAgainButton").click()
    qtbot.waitUntil(lambda: wizard.check is not None)
    assert not wizard.check.warnings  # ... until it is read as one
    assert tabs.tabText(1) == "Values (4 tidied)"
    click(wizard, QWizard.WizardButton.FinishButton, qtbot)
    assert wizard.result is not None and wizard.result.rows_imported == 5
    with db.session() as s:
        disposals = sorted(c.fields.get("disposal_type") or "" for c in s.scalars(select(Case)))
        saved = s.scalars(select(ColumnMapping)).one()
    assert disposals == [
        "", "Community resolution", "Community resolution", "Conditional caution",
        "Simple caution",
    ]  # fmt: skip
    assert saved.value_maps == {"Disposal": {"Caution": "Simple caution"}}
    dispose(wizard, qtbot)
