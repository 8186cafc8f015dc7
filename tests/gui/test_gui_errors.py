"""What the user sees when something goes wrong: a message in a box, never a traceback, and
nothing they had is lost."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from scrutiny_app.gui.app import EXIT_CANNOT_OPEN, run
from scrutiny_app.gui.dialogs import DrawSampleDialog, NewPanelDialog
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import panels
from scrutiny_app.storage import Database, DatabaseTooNew

from .gui_helpers import CSV_2019_01, Boxes, Files, click

pytestmark = pytest.mark.gui


def test_a_database_from_a_newer_version_is_refused_with_a_message(
    app: QApplication, tmp_path: Path, boxes: Boxes
):
    path = tmp_path / "newer.db"
    Database.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999'")
    before = path.read_bytes()

    assert run(str(path), []) == EXIT_CANNOT_OPEN

    [box] = boxes.shown
    assert box.kind == "critical"
    assert "newer version" in box.text
    assert "Traceback" not in box.text
    assert path.read_bytes() == before  # left unchanged
    with pytest.raises(DatabaseTooNew):
        Database.open(path)


def test_a_file_that_is_not_a_database_is_refused(app: QApplication, tmp_path: Path, boxes: Boxes):
    path = tmp_path / "notes.db"
    path.write_text("this is not a database\n" * 100)
    assert run(str(path), []) == EXIT_CANNOT_OPEN
    [box] = boxes.shown
    assert box.kind == "critical" and box.text


@pytest.fixture
def empty_meeting(db: Database) -> int:
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel", force="Avon and Somerset")
    return panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs searches")


def test_a_file_with_bad_rows_opens_the_wizard_and_changes_nothing(
    qtbot,
    empty_meeting: int,
    window: MainWindow,
    db: Database,
    boxes: Boxes,
    files: Files,
    tmp_path: Path,
):
    """Ctrl+I on a data.police.uk file with a bad row: nothing is written, and the import
    wizard (which lists each problem and can import the valid rows) opens on the file."""
    from scrutiny_app.gui.import_wizard import ImportWizard

    assert window.select_meeting(empty_meeting)
    bad = tmp_path / "extract.csv"
    bad.write_text(
        CSV_2019_01.read_text().splitlines()[0]
        + "\nPerson search,not-a-date,,,,,Male,18-24,,,,,,,\n"
    )
    files.open_path = str(bad)

    window.action_import_cases.trigger()

    assert boxes.shown == []
    [wizard] = [w for w in window.findChildren(ImportWizard) if w.isVisible()]
    assert wizard.path == str(bad)
    assert "1 problem(s), nothing was imported" in window.statusBar().currentMessage()
    assert panels.population_size(db, empty_meeting) == 0
    assert panels.meeting_info(db, empty_meeting).case_count == 0
    assert window.selected_meeting().id == empty_meeting
    assert window.action_import_cases.isEnabled()
    wizard.close()
    qtbot.wait(10)


def test_importing_into_a_panel_of_another_kind_is_explained(
    window: MainWindow, db: Database, boxes: Boxes, files: Files
):
    pid = panels.create_panel(db, "oocd", "OOCD Panel")
    mid = panels.create_meeting(db, pid, dt.date(2019, 4, 2), "Stalking")
    window.refresh()
    assert window.select_meeting(mid)
    files.open_path = str(CSV_2019_01)
    window.action_import_cases.trigger()
    [box] = boxes.shown
    assert box.kind == "warning" and "stop and search panel" in box.text
    assert panels.population_size(db, mid) == 0


def test_cancelling_the_file_dialog_does_nothing(
    empty_meeting: int, window: MainWindow, db: Database, boxes: Boxes, files: Files
):
    assert window.select_meeting(empty_meeting)
    files.open_path = ""
    window.action_import_cases.trigger()
    assert files.asked == [("open", "Import cases: the force's extract")]
    assert boxes.shown == []
    assert panels.population_size(db, empty_meeting) == 0


def test_importing_the_same_file_twice_says_so(
    empty_meeting: int, window: MainWindow, db: Database, boxes: Boxes, files: Files
):
    assert window.select_meeting(empty_meeting)
    files.open_path = str(CSV_2019_01)
    window.action_import_cases.trigger()
    window.action_import_cases.trigger()
    [box] = boxes.shown
    assert box.kind == "information" and "already imported" in box.text
    assert panels.population_size(db, empty_meeting) == 519


def test_a_rejected_dialog_keeps_what_was_typed(
    qtbot, window: MainWindow, db: Database, boxes: Boxes
):
    window.action_new_panel.trigger()
    dialog = window.current_dialog
    assert isinstance(dialog, NewPanelDialog)
    qtbot.keyClicks(dialog.force_edit, "Avon and Somerset")
    click(qtbot, dialog.ok_button)  # no name
    [box] = boxes.shown
    assert box.kind == "warning" and "name" in box.text
    assert dialog.isVisible()
    assert dialog.force_edit.text() == "Avon and Somerset"
    assert panels.list_panels(db) == []
    qtbot.keyClicks(dialog.name_edit, "Police Powers Panel")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert [p.name for p in panels.list_panels(db)] == ["Police Powers Panel"]


def test_drawing_a_second_sample_needs_replace_and_is_refused_after_judging(
    qtbot, sampled, window: MainWindow, db: Database, boxes: Boxes
):
    assert window.select_meeting(sampled.meeting_id)
    click(qtbot, window.page.review.outcome_button("green"))
    click(qtbot, window.page.review.done_button)
    window.action_draw_sample.trigger()
    dialog = window.current_dialog
    assert isinstance(dialog, DrawSampleDialog)
    assert dialog.replace_check.isVisible()
    click(qtbot, dialog.ok_button)
    [box] = boxes.shown
    assert box.kind == "warning" and "already has a sample" in box.text
    dialog.replace_check.setChecked(True)
    click(qtbot, dialog.ok_button)
    assert "already have judgements" in boxes.shown[-1].text
    assert dialog.isVisible() and not dialog.drawn
    click(qtbot, dialog.cancel_button)
    assert window.page.case_proxy.rowCount() == 10


def test_a_write_to_a_read_only_database_is_a_message_and_the_dialog_keeps_its_text(
    qtbot, window: MainWindow, db: Database, boxes: Boxes
):
    from sqlalchemy import event

    from scrutiny_app.services import templates

    templates.ensure_builtin_templates(db)  # as in any database that has been used

    @event.listens_for(db.engine, "connect")
    def _read_only(dbapi_conn, _record):  # what SQLite says of a read-only file
        dbapi_conn.execute("PRAGMA query_only = ON")

    db.engine.dispose()
    window.action_new_panel.trigger()
    dialog = window.current_dialog
    assert isinstance(dialog, NewPanelDialog), [b.text for b in boxes.shown]
    qtbot.keyClicks(dialog.name_edit, "Police Powers Panel")
    click(qtbot, dialog.ok_button)
    [box] = boxes.shown
    assert box.kind == "critical"
    assert "read-only: nothing was changed" in box.text and "Traceback" not in box.text
    assert dialog.isVisible() and dialog.name_edit.text() == "Police Powers Panel"
