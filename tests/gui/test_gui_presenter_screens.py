"""With a second screen the presenter view opens full screen there; the officer's window stays
on the laptop. Qt's offscreen platform can pretend to have two screens (a config file), but
only for a whole process, so the check runs in a child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

CHILD = textwrap.dedent(
    """
    import sys, tempfile, pathlib
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from scrutiny_app.gui.app import create_main_window, prepare_app
    from scrutiny_app.services import demo
    from scrutiny_app.storage import Database

    app = QApplication([])
    prepare_app(app)
    db = Database.open(pathlib.Path(sys.argv[1]) / "x.db")
    ids = demo.create_demo(db)
    w = create_main_window(db)
    w.show()
    QTest.qWaitForWindowExposed(w)
    assert w.select_meeting(ids.police_powers_meeting)
    w.toggle_presenter()
    QTest.qWait(200)
    p = w.presenter
    print("SCREENS", len(QGuiApplication.screens()))
    print("MAIN", w.screen().name())
    print("PRESENTER", p.screen().name(), p.isFullScreen(), p.geometry().width())
    """
)


def test_the_presenter_goes_full_screen_on_the_second_screen(tmp_path: Path):
    config = tmp_path / "screens.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "LAPTOP", "x": 0, "y": 0, "width": 1366, "height": 768,
                     "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1},
                    {"name": "ROOM", "x": 1366, "y": 0, "width": 1920, "height": 1080,
                     "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1},
                ]
            }
        )
    )  # fmt: skip
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines["SCREENS"] == "2"
    assert lines["MAIN"] == "LAPTOP"
    assert lines["PRESENTER"] == "ROOM True 1920"
