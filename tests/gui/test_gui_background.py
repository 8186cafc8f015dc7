"""Long work runs on a worker thread, reports progress, and can be cancelled."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from scrutiny_app.gui import background
from scrutiny_app.gui.background import Background, run_in_background
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import panels
from scrutiny_app.storage import Database

from .gui_helpers import CSV_2019_01, Boxes, Files

pytestmark = pytest.mark.gui


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Background, "synchronous", False)


def test_a_job_runs_off_the_gui_thread_and_reports_back_on_it(qtbot, app, threaded):
    gui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work(progress, cancel):
        seen["worker"] = threading.get_ident()
        for i in range(3):
            progress(i + 1, 3, f"step {i + 1}")
        return 42

    def done(result):
        seen["result"] = result
        seen["callback"] = threading.get_ident()

    job = run_in_background(work, done, lambda exc: seen.setdefault("error", exc), title="Test")
    assert isinstance(job.dialog, QProgressDialog)
    assert job.dialog.minimumDuration() == Background.progress_delay_ms == 400
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42
    assert seen["worker"] != gui_thread
    assert seen["callback"] == gui_thread
    assert "error" not in seen
    assert job.dialog is None  # closed and released
    assert background.active_jobs() == []


def test_the_cancel_button_stops_the_work(qtbot, app, threaded, monkeypatch):
    monkeypatch.setattr(Background, "progress_delay_ms", 0)
    started = threading.Event()
    outcome: list[str] = []

    def work(progress, cancel):
        started.set()
        for _ in range(500):
            cancel.check()
            time.sleep(0.01)
        return "finished"

    job = run_in_background(
        work,
        lambda r: outcome.append(r),
        lambda exc: outcome.append(f"error {exc}"),
        on_cancelled=lambda: outcome.append("cancelled"),
        title="Test",
    )
    assert started.wait(5)
    qtbot.waitUntil(lambda: job.dialog is not None and job.dialog.isVisible(), timeout=3000)
    [button] = job.dialog.findChildren(QPushButton)
    assert button.text() == "Cancel"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == ["cancelled"]
    assert job.token.cancelled


def test_errors_from_the_worker_reach_the_error_callback(qtbot, app, threaded):
    errors: list[BaseException] = []

    def work(progress, cancel):
        raise ValueError("boom")

    run_in_background(work, lambda r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)


def test_import_in_the_background_keeps_actions_off_until_done(
    qtbot, db: Database, window: MainWindow, threaded, boxes: Boxes, files: Files
):
    import datetime as dt

    pid = panels.create_panel(db, "stop_search", "Police Powers Panel")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    window.refresh()
    assert window.select_meeting(mid)
    files.open_path = str(CSV_2019_01)
    window.action_import_cases.trigger()
    assert not window.action_import_cases.isEnabled()  # busy
    qtbot.waitUntil(lambda: window.action_import_cases.isEnabled(), timeout=20_000)
    assert boxes.errors == []
    assert panels.population_size(db, mid) == 519
    assert "Imported 519 of 519 rows" in window.statusBar().currentMessage()
    assert window.selected_meeting().id == mid


def test_a_big_import_reads_in_its_worker_process_from_the_gui(
    qtbot, db: Database, window: MainWindow, threaded, boxes: Boxes, files: Files, monkeypatch
):
    """What a big extract does (the reading process, started from the GUI's thread pool),
    forced on the real January 2019 file."""
    import datetime as dt
    import multiprocessing

    monkeypatch.setenv("SCRUTINY_IMPORT_WORKER", "1")
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    window.refresh()
    assert window.select_meeting(mid)
    files.open_path = str(CSV_2019_01)
    window.action_import_cases.trigger()
    qtbot.waitUntil(lambda: window.action_import_cases.isEnabled(), timeout=30_000)
    assert boxes.errors == []
    assert panels.population_size(db, mid) == 519
    assert "Imported 519 of 519 rows" in window.statusBar().currentMessage()
    assert not multiprocessing.active_children()
