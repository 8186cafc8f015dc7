"""Fixtures for the GUI tests: real widgets, offscreen, with modal boxes and file dialogs faked.

Every QMessageBox static call is recorded instead of shown (a test that expects no error
asserts ``boxes.errors == []``); QFileDialog answers what the test put in ``files``; background
jobs run inline.
"""

from __future__ import annotations

import json
import os
import tempfile

# An offscreen screen the size of a common desktop (Qt's default offscreen screen is 800x600,
# and the app fits every window to its screen). The small-screen test sets its own.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen = os.path.join(tempfile.mkdtemp(prefix="scrutiny-screen-"), "screen.json")
    with open(_screen, "w", encoding="utf-8") as _f:
        json.dump({"screens": [{"name": "desk", "x": 0, "y": 0, "width": 1920,
                                "height": 1080, "logicalDpi": 96, "dpr": 1}]}, _f)  # fmt: skip
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from scrutiny_app.gui.app import create_main_window, prepare_app
from scrutiny_app.gui.background import Background
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.services import importer, panels, sampling
from scrutiny_app.storage import Database

from .gui_helpers import CSV_2019_01, Box, Boxes, Files

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    record = Boxes()

    def fake(kind: str):
        def show(parent, title, text, *args, **kwargs):
            record.shown.append(Box(kind, title, text))
            if kind == "question":
                return record.answer
            return QMessageBox.StandardButton.Ok

        return staticmethod(show)

    for kind in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, fake(kind))
    return record


@pytest.fixture(autouse=True)
def files(monkeypatch: pytest.MonkeyPatch) -> Files:
    record = Files()

    def get_open(parent, caption="", directory="", filter="", *args, **kwargs):
        record.asked.append(("open", caption))
        return record.open_path, filter

    def get_save(parent, caption="", directory="", filter="", *args, **kwargs):
        record.asked.append(("save", caption))
        return record.save_path, filter

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save))
    return record


@pytest.fixture(autouse=True)
def synchronous_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Background, "synchronous", True)


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    prepare_app(qapp)
    # Closing a test's last window would post a Quit event that outlives the test and makes
    # every later event loop (qtbot.wait, waitUntil) return at once.
    qapp.setQuitOnLastWindowClosed(False)
    yield qapp
    qapp.setQuitOnLastWindowClosed(True)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "gui.db")
    yield database
    database.close()


@pytest.fixture
def window(qtbot, app: QApplication, db: Database) -> Iterator[MainWindow]:
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w


@dataclass(frozen=True)
class Sampled:
    panel_id: int
    meeting_id: int


@pytest.fixture
def sampled(db: Database) -> Sampled:
    """A police powers meeting with the January 2019 file imported and 10 cases drawn."""
    pid = panels.create_panel(
        db, "stop_search", "Police Powers Panel", force="Avon and Somerset", code="SOPP"
    )
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs searches")
    importer.import_stop_search(db, mid, CSV_2019_01)
    sampling.draw_sample(db, mid, 10, seed=40213)
    return Sampled(pid, mid)
