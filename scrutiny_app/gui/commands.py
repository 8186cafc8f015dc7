"""The File and Meeting menus' commands: new panel and meeting, import, sample, report, tracker.

Each takes the main window (its database, selection and status bar), asks what it needs in a
dialog, and changes the database through the window's
:class:`~scrutiny_app.gui.operations.Operations` (or a background job for the long ones, with
a progress dialog and a cancel button), announcing what changed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from scrutiny_app.gui import background, windows
from scrutiny_app.gui.dialogs import (
    AddRecommendationDialog,
    DrawSampleDialog,
    NewMeetingDialog,
    NewPanelDialog,
)
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.operations import Changes
from scrutiny_app.gui.people import computer_user
from scrutiny_app.services import panels, recommendations, templates

if TYPE_CHECKING:
    from scrutiny_app.gui.main_window import MainWindow

_NEEDS_MAPPING = object()


def new_panel(window: MainWindow) -> None:
    window.reviewer.flush_edits()
    try:
        available = templates.list_templates(window.db)
    except Exception as exc:
        show_error(window, "New panel", exc)
        return

    def submit(v: Any) -> int:  # the dialog shows an error itself and stays open
        panel_id = panels.create_panel(
            window.db,
            v.template_key,
            v.name,
            force=v.force,
            code=v.code,
            access_mode=v.access_mode,
            actor=window.people.acting().name,
        )
        window.ops.announce(Changes(panels=True))
        window.select_panel(panel_id)
        window.show_status(f"Panel created: {v.name}")
        return panel_id

    window.open_dialog(NewPanelDialog(window, available, submit))


def new_meeting(window: MainWindow) -> None:
    if not window.panels:
        return
    window.reviewer.flush_edits()
    current = window.selected_panel()

    def submit(v: Any) -> int:
        meeting_id = panels.create_meeting(window.db, v.panel_id, v.date, v.theme)
        window.ops.announce(Changes(panels=True))
        window.select_meeting(meeting_id)
        window.show_status(
            f"Meeting created: {v.date:%d %b %Y}" + (f", {v.theme}" if v.theme else "")
        )
        return meeting_id

    dialog = NewMeetingDialog(
        window,
        [(p.id, p.name) for p in window.panels],
        current.id if current else None,
        submit,
    )
    window.open_dialog(dialog)


def import_cases(window: MainWindow) -> None:
    meeting = window.selected_meeting()
    if meeting is None:
        return
    # Loaded when first used: the import machinery brings pandas, which the window's start
    # does not need (issue 11, item 8).
    from scrutiny_app.gui.import_wizard import FILE_FILTER  # the wizard's own choices
    from scrutiny_app.services import importer

    path, _ = QFileDialog.getOpenFileName(
        window, "Import cases: the force's extract", window.last_dir, FILE_FILTER
    )
    if not path:
        return
    window.last_dir = str(Path(path).parent)
    meeting_id = meeting.id
    name = Path(path).name

    def work(progress: Any, cancel: Any) -> Any:
        try:
            return importer.import_stop_search(
                window.db, meeting_id, path, progress=progress, cancel=cancel
            )
        except importer.NeedsMapping:
            return _NEEDS_MAPPING  # not data.police.uk: the wizard maps its columns
        except importer.ImportRejected as exc:
            return exc  # rows with problems: the wizard lists them and can skip them

    def done(result: Any) -> None:
        if result is _NEEDS_MAPPING:
            windows.open_import_wizard(window, path)
            return
        if isinstance(result, importer.ImportRejected):
            window.show_status(
                f"{name}: {len(result.problems)} problem(s), nothing was imported. The "
                "import wizard lists each one and can import the valid rows."
            )
            windows.open_import_wizard(window, path)
            return
        window.ops.announce(Changes(panels=True, meeting=meeting_id))
        window.show_status(result.summary)
        if getattr(result, "duplicate_of", None) is not None:
            QMessageBox.information(window, "Import cases", result.summary)

    start_job(
        window,
        work,
        done,
        title="Import cases",
        label=f"Importing {name}…",
        error_title="Import failed",
        cancelled="Import cancelled: nothing was imported.",
    )


def export_report(window: MainWindow) -> None:
    meeting, panel = window.selected_meeting(), window.selected_panel()
    if meeting is None or panel is None:
        return
    from scrutiny_app.services.report.pdf import build_report

    if not window.reviewer.flush_edits():  # what was typed could not be saved: said already
        return
    suggested = Path(window.last_dir) / f"{panel.code}-{meeting.date:%Y-%m-%d}-panel-report.pdf"
    path, _ = QFileDialog.getSaveFileName(
        window, "Export report (PDF)", str(suggested), "PDF documents (*.pdf)"
    )
    if not path:
        return
    out = Path(path) if Path(path).suffix.lower() == ".pdf" else Path(f"{path}.pdf")
    window.last_dir = str(out.parent)
    meeting_id = meeting.id
    who = computer_user()

    def work(progress: Any, cancel: Any) -> Any:
        return build_report(window.db, meeting_id, out, progress=progress, cancel=cancel, actor=who)

    start_job(
        window,
        work,
        lambda result: window.show_status(f"Report saved: {result or out}"),
        title="Export report",
        label=f"Writing {out.name}…",
        error_title="Export report",
        cancelled="Report export cancelled.",
    )


def export_tracker(window: MainWindow) -> None:
    from scrutiny_app.services.tracker.export import export_tracker as write_tracker

    panel = window.selected_panel()
    stem = f"{panel.code}-recommendation-tracker" if panel else "recommendation-tracker"
    path, _ = QFileDialog.getSaveFileName(
        window,
        "Export recommendation tracker",
        str(Path(window.last_dir) / f"{stem}.xlsx"),
        "Excel workbooks (*.xlsx)",
    )
    if not path:
        return
    out = Path(path) if Path(path).suffix.lower() == ".xlsx" else Path(f"{path}.xlsx")
    window.last_dir = str(out.parent)
    panel_id = panel.id if panel else None
    which = f"{panel.name}" if panel else "all panels"
    who = computer_user()

    def work(progress: Any, cancel: Any) -> Any:
        return write_tracker(window.db, out, panel_id=panel_id, actor=who)

    start_job(
        window,
        work,
        lambda result: window.show_status(f"Tracker for {which} saved: {result or out}"),
        title="Export recommendation tracker",
        label=f"Writing {out.name}…",
        error_title="Export recommendation tracker",
        cancellable=False,
    )


def start_job(
    window: MainWindow,
    work: Callable[[Any, Any], Any],
    done: Callable[[Any], None],
    *,
    title: str,
    label: str,
    error_title: str,
    cancelled: str = "Cancelled.",
    cancellable: bool = True,
) -> background.Job:
    """Run ``work`` off the GUI thread with a progress dialog; the window is busy meanwhile."""
    window.set_busy(True)
    return background.run_in_background(
        work,
        done,
        lambda exc: show_error(window, error_title, exc),
        parent=window,
        title=title,
        label=label,
        cancellable=cancellable,
        on_cancelled=lambda: window.show_status(cancelled),
        on_finally=lambda: window.set_busy(False),
    )


def draw_sample(window: MainWindow) -> None:
    meeting = window.selected_meeting()
    if meeting is None:
        return
    meeting_id = meeting.id
    page = window.page
    from scrutiny_app.services import sampling  # loaded when first used: it brings numpy

    def submit(v: Any) -> Any:
        result = sampling.draw_sample(window.db, meeting_id, v.size, seed=v.seed, replace=v.replace)
        window.ops.announce(Changes(panels=True, meeting=meeting_id))
        window.show_status(
            f"Sample drawn: seed {result.seed} ({result.size} of {result.population_size:,} cases)"
        )
        return result

    dialog = DrawSampleDialog(
        window,
        population=page.population,
        has_sample=bool(page.cases and page.cases.rows),
        meeting_title=f"{meeting.panel_name} · {meeting.title}",
        on_submit=submit,
    )
    window.open_dialog(dialog)


def add_recommendation(window: MainWindow) -> None:
    panel = window.selected_panel()
    if panel is None:
        return
    meeting = window.selected_meeting()
    case = window.reviewer.case if meeting is not None else None
    context = f"<b>{html.escape(panel.name)}</b>"
    if meeting is not None:
        context += f"<br>Raised at the meeting of {html.escape(meeting.title)}"
    meeting_id = meeting.id if meeting else None
    case_id = case.case_id if case else None

    def submit(v: Any) -> Any:
        row = recommendations.add_recommendation(
            window.db,
            panel.id,
            v.text,
            meeting_id=meeting_id,
            addressed_to=v.addressed_to,
            priority=v.priority,
            response_due=v.response_due,
            case_ids=(case_id,) if v.link_case and case_id is not None else (),
        )
        window.ops.announce(Changes(recommendations=True))
        window.show_status(f"Recommendation {row.reference} added")
        return row

    dialog = AddRecommendationDialog(
        window,
        context=context,
        case_reference=case.reference if case else None,
        on_submit=submit,
    )
    window.open_dialog(dialog)
