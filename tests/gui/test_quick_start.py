"""A quick start (issue 11, item 8): the main window opens without loading pandas, reportlab,
numpy or alembic, which only the import, the reports, sampling, the demo and a schema upgrade
need."""

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
    from scrutiny_app.gui.app import _ensure_demo, create_main_window, prepare_app
    from scrutiny_app.storage import Database

    app = QApplication([])
    prepare_app(app)
    db = Database.open(sys.argv[1], create=False)
    created = _ensure_demo(db)  # what the app does at start
    window = create_main_window(db)
    window.show()
    app.processEvents()
    heavy = [m for m in ("pandas", "reportlab", "openpyxl", "docx", "alembic", "numpy")
             if m in sys.modules]
    print(json.dumps({"created": created, "heavy": heavy, "title": window.windowTitle()}))
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
    assert started["created"] is False
    assert started["heavy"] == []
