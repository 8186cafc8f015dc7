"""Open the app's secondary windows from the main window: the import wizard, the sample dialog,
the population list, the report window and the recommendation tracker.

Each opener takes the main window (for its database, selection, status bar and the
announcement of what changed) so that the main window itself only adds actions that call these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QWidget

from scrutiny_app.gui.operations import Changes
from scrutiny_app.services import panels

if TYPE_CHECKING:
    from scrutiny_app.gui.main_window import MainWindow

# Template fields worth a column or a stratum, per template (the ones panels filter on).
LIST_FIELDS = {
    "stop_search": [("object_of_search", "Object of search"), ("outcome", "Outcome"),
                    ("legislation", "Legislation"), ("type", "Type")],
    "oocd": [("offence", "Offence"), ("disposal_type", "Disposal"),
             ("adult_or_youth", "Adult or youth")],
    "use_of_force": [("tactics", "Tactics"), ("outcome", "Outcome")],
    "complaints": [("allegation_category", "Allegation"), ("outcome", "Outcome")],
    "hate_crime": [("hate_strand", "Hate strand"), ("outcome", "Outcome")],
}  # fmt: skip


def _owned(dialog: QDialog) -> QDialog:
    """Deleted when closed: the main window owns it, Python's collector never does."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def _meeting_or_say(window: MainWindow, what: str):
    meeting = window.selected_meeting()
    if meeting is None:
        QMessageBox.information(window, what, "Select a meeting first.")
    return meeting


def _template_key(window: MainWindow, meeting_id: int) -> str:
    return panels.panel_of_meeting(window.db, meeting_id).template.key


def open_import_wizard(window: MainWindow, path: str = "") -> QDialog | None:
    from scrutiny_app.gui.import_wizard import ImportWizard

    meeting = _meeting_or_say(window, "Import cases")
    if meeting is None:
        return None
    wizard = _owned(ImportWizard(window.db, meeting.id, window, path=path))

    def finished(code: int) -> None:
        if code == QDialog.DialogCode.Accepted and wizard.result is not None:
            window.ops.announce(Changes(panels=True, meeting=meeting.id))
            window.show_status(wizard.result.summary)

    wizard.finished.connect(finished)
    wizard.open()
    return wizard


def open_sample_dialog(window: MainWindow) -> QDialog | None:
    from scrutiny_app.gui.sample_dialog import SampleDialog

    meeting = _meeting_or_say(window, "Draw the sample")
    if meeting is None:
        return None
    key = _template_key(window, meeting.id)
    dialog = _owned(
        SampleDialog(
            window.db,
            meeting.id,
            population=panels.population_size(window.db, meeting.id),
            extra_strata=LIST_FIELDS.get(key, []),
            has_sample=meeting.case_count > 0,
            parent=window,
        )
    )

    def finished(code: int) -> None:
        if code == QDialog.DialogCode.Accepted and dialog.result is not None:
            window.ops.announce(Changes(panels=True, meeting=meeting.id))
            window.show_status(
                f"Sample drawn: {dialog.result.size} cases, seed {dialog.result.seed}"
            )

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def open_case_list(window: MainWindow) -> QWidget | None:
    from scrutiny_app.gui.case_list_view import CaseListDialog

    meeting = _meeting_or_say(window, "Imported cases")
    if meeting is None:
        return None
    fields = LIST_FIELDS.get(_template_key(window, meeting.id), [])
    dialog = _owned(CaseListDialog(window.db, meeting.id, fields, meeting.title, window))
    dialog.show()
    return dialog


def open_report_window(window: MainWindow) -> QWidget | None:
    from scrutiny_app.gui.report_window import ReportWindow

    meeting = _meeting_or_say(window, "Report")
    if meeting is None:
        return None
    dialog = _owned(ReportWindow(window.db, meeting.id, meeting.title, parent=window))
    dialog.show()
    return dialog


def open_tracker(window: MainWindow) -> QWidget:
    from scrutiny_app.gui.tracker_window import TrackerWindow

    choices = [(p.id, p.name) for p in panels.list_panels(window.db)]
    dialog = _owned(TrackerWindow(window.db, choices, parent=window))
    # It issues recommendations and applies the force's answers.
    dialog.finished.connect(lambda _code: window.ops.announce(Changes(recommendations=True)))
    dialog.show()
    return dialog


def open_make_packs(window: MainWindow) -> QDialog | None:
    from scrutiny_app.gui.pack_dialogs import MakePacksDialog
    from scrutiny_app.gui.people import computer_user

    meeting = _meeting_or_say(window, "Member packs")
    if meeting is None:
        return None
    dialog = _owned(
        MakePacksDialog(
            window.db, meeting.id, window, actor=computer_user(), folder=window.last_dir
        )
    )
    dialog.open()
    return dialog


def open_merge_returns(window: MainWindow, paths: list[str] | None = None) -> QDialog | None:
    from pathlib import Path

    from scrutiny_app.gui.pack_dialogs import MergeDialog
    from scrutiny_app.gui.people import computer_user

    meeting = _meeting_or_say(window, "Merge members' returns")
    if meeting is None:
        return None
    if paths is None:
        from PySide6.QtWidgets import QFileDialog

        paths, _ = QFileDialog.getOpenFileNames(
            window,
            "Members' returns",
            window.last_dir,
            "Returns (*.scrutiny-return);;All files (*)",
        )
        if not paths:
            return None
    window.reviewer.leave_case()  # what is typed here is saved before the merge compares
    dialog = _owned(MergeDialog(window.db, meeting.id, [Path(p) for p in paths], window,
                                actor=computer_user()))  # fmt: skip

    def finished(code: int) -> None:
        result = dialog.result_
        if code == QDialog.DialogCode.Accepted and result is not None:
            window.ops.clear_history()  # the merged views are not undone by Ctrl+Z
            window.ops.announce(Changes(panels=True, meeting=meeting.id))
            window.show_status(
                f"Merged {result.returns - result.skipped} return(s): {result.applied} case(s) "
                f"changed, {result.kept_desk} conflict(s) kept as at the desk, "
                f"{result.refused} refused"
            )

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def open_audit_window(window: MainWindow) -> QWidget:
    from scrutiny_app.gui.audit_window import AuditWindow

    meetings = [(m.id, f"{m.panel_name}: {m.title}") for m in window.all_meetings()]
    dialog = _owned(AuditWindow(window.db, meetings, window))
    dialog.show()
    return dialog


def open_members(window: MainWindow) -> QWidget | None:
    from scrutiny_app.gui.members_window import MembersWindow

    panel = window.selected_panel()
    if panel is None:
        QMessageBox.information(window, "Members", "Select a panel (or one of its meetings) first.")
        return None
    dialog = _owned(MembersWindow(window.db, panel.id, panel.name, window))
    dialog.finished.connect(lambda _code: window.ops.announce(Changes(panels=True)))
    dialog.show()
    return dialog


def open_retention(window: MainWindow) -> QWidget:
    from scrutiny_app.gui.retention_dialog import RetentionDialog

    dialog = _owned(RetentionDialog(window))
    dialog.show()
    return dialog


def install(window: MainWindow) -> dict[str, QAction]:
    """Add the openers above to the main window's menus; returns the actions by name."""
    file_menu = window.findChild(QMenu, "menuFile")
    meeting_menu = window.findChild(QMenu, "menuMeeting")
    view_menu = window.findChild(QMenu, "menuView")
    specs = [
        ("import_wizard", file_menu, "Import cases with mapping and checks…", "Ctrl+Alt+I",
         lambda: open_import_wizard(window)),
        ("tracker", file_menu, "Recommendation tracker…", "Ctrl+Alt+T",
         lambda: open_tracker(window)),
        ("audit", file_menu, "Audit trail…", "Ctrl+Alt+A", lambda: open_audit_window(window)),
        ("retention", file_menu, "Retention of case data…", "Ctrl+Alt+K",
         lambda: open_retention(window)),
        ("members", meeting_menu, "Members and vetting…", "Ctrl+Alt+E",
         lambda: open_members(window)),
        ("sample_options", meeting_menu, "Draw a stratified or filtered sample…", "Ctrl+Shift+D",
         lambda: open_sample_dialog(window)),
        ("case_list", view_menu, "Imported cases…", "Ctrl+Shift+L",
         lambda: open_case_list(window)),
        ("make_packs", meeting_menu, "Member packs for offline review…", "Ctrl+Alt+P",
         lambda: open_make_packs(window)),
        ("merge_returns", meeting_menu, "Merge members' returns…", "Ctrl+Alt+M",
         lambda: open_merge_returns(window)),
        ("report_window", meeting_menu, "Report: write, preview, copy the summary…", "Ctrl+Shift+R",
         lambda: open_report_window(window)),
    ]  # fmt: skip
    actions = {}
    for name, menu, text, shortcut, slot in specs:
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        (menu or window.menuBar()).addAction(action)
        actions[name] = action
    return actions
