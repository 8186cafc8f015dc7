"""A quick start (issue 11, item 8): a window is on screen before the storage layer loads, and
the main window opens without loading pandas, reportlab, numpy or alembic, which only the
import, the reports, sampling, the demo and a schema upgrade need."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scrutiny_app.services import panels
from scrutiny_app.storage import Database

pytestmark = pytest.mark.gui

START = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtWidgets import QApplication
    from scrutiny_app.gui.app import prepare_app, start

    first = {}

    def first_window():
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        first["windows"] = [(w.objectName(), w.windowTitle()) for w in shown]
        first["loaded"] = [m for m in ("sqlalchemy", "scrutiny_app.storage",
                                       "scrutiny_app.gui.main_window") if m in sys.modules]

    app = QApplication([])
    prepare_app(app)
    started = start(sys.argv[1], first_window=first_window)  # what the app does at start
    app.processEvents()
    window = started.window
    heavy = [m for m in ("pandas", "reportlab", "openpyxl", "docx", "alembic", "numpy")
             if m in sys.modules]
    shown = [w.objectName() for w in QApplication.topLevelWidgets() if w.isVisible()]
    print(json.dumps({"first": first, "heavy": heavy, "shown": shown,
                      "title": window.windowTitle(), "panels": window.tree.topLevelItemCount()}))
    """
)


def test_the_main_window_opens_without_pandas_or_reportlab(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    db = Database.open(path)
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel", code="PP")
    panels.create_meeting(db, pid, dt.date(2026, 12, 10), "Drugs")
    db.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", START, str(path)], capture_output=True, text=True, env=env,
        timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    started = json.loads(done.stdout.strip().splitlines()[-1])
    # The first window is on screen before SQLAlchemy, the storage layer or the main window
    # are loaded, with the database's name in its title.
    assert started["first"]["windows"] == [["startWindow", "Scrutiny — office.db"]]
    assert started["first"]["loaded"] == []
    # Then the main window takes its place, without the heavy libraries and no demo added.
    assert started["shown"] == ["MainWindow"]
    assert started["title"] == "Scrutiny — office.db"
    assert started["panels"] == 1
    assert started["heavy"] == []
