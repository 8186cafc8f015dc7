"""The main window opens the wizard, sample options, population list, report and tracker."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from scrutiny_app.gui.case_list_view import CaseListDialog
from scrutiny_app.gui.import_wizard import ImportWizard
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.report_window import ReportWindow
from scrutiny_app.gui.sample_dialog import SampleDialog
from scrutiny_app.gui.tracker_window import TrackerWindow
from scrutiny_app.services import panels

from .gui_helpers import Files

pytestmark = pytest.mark.gui


def opened(window: MainWindow, kind: type) -> QDialog:
    found = [w for w in window.findChildren(kind) if w.isVisible()]
    assert found, kind.__name__
    return found[-1]


def test_every_new_window_opens_from_its_menu_action(
    qtbot, app: QApplication, window: MainWindow, sampled
):
    window.refresh(key=("meeting", sampled.meeting_id))
    for name, kind in (
        ("import_wizard", ImportWizard),
        ("sample_options", SampleDialog),
        ("case_list", CaseListDialog),
        ("report_window", ReportWindow),
        ("tracker", TrackerWindow),
    ):
        window.extra_actions[name].trigger()
        dialog = opened(window, kind)
        dialog.close()  # WA_DeleteOnClose: the main window's child goes with it
        qtbot.wait(10)


def test_an_extract_that_needs_a_mapping_opens_the_wizard(
    qtbot, app: QApplication, window: MainWindow, sampled, files: Files, tmp_path
):
    extract = tmp_path / "force.csv"
    extract.write_text("Crime Ref,Offence\nAS/1,Theft\n")
    window.refresh(key=("meeting", sampled.meeting_id))
    files.open_path = str(extract)
    window.action_import_cases.trigger()
    wizard = opened(window, ImportWizard)
    assert wizard.path == str(extract)
    assert panels.population_size(window.db, sampled.meeting_id) == 519  # nothing added
    wizard.close()
    qtbot.wait(10)


def test_no_two_actions_share_a_shortcut(app: QApplication, window: MainWindow):
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text}: {seen.get(text)} and {action.text()}"
            seen[text] = action.text()


def test_the_help_lists_the_new_windows_shortcuts(app: QApplication, window: MainWindow):
    rows = dict(window.shortcut_rows())
    assert rows["Recommendation tracker"] == "Ctrl+Alt+T"
    assert rows["Import cases with mapping and checks"] == "Ctrl+Alt+I"
