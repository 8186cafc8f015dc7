"""Small screens (issue 11, item 3): at 1024x600 and at 1366x768 with 150% scaling every main
window of a session fits the screen and no label or button shows its text cut.

Each size runs ``python -m scrutiny_app.gui.screen_tour`` in a fresh process (the screen is
fixed when Qt starts): the main window in a session, a member's review form, the attendance
dialog, the tracker, the report window and the presenter view, each checked with
:mod:`scrutiny_app.gui.fit_check` (text widths from the font's metrics, window frames against
the screen's available area, content wider than its pane, a toolbar with no chevron).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

VIEWS = {"main-window", "review-form", "attendance", "tracker", "report-window", "presenter"}


def tour(tmp_path: Path, width: int, height: int, scale: float, label: str) -> dict[str, list]:
    screen = tmp_path / f"{label}.json"
    screen.write_text(json.dumps({"screens": [{
        "name": label, "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "dpr": 1,
    }]}))  # fmt: skip
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
        "QT_SCALE_FACTOR": str(scale),
    }
    done = subprocess.run(
        [sys.executable, "-m", "scrutiny_app.gui.screen_tour", "--label", label,
         "--out", str(tmp_path / "pictures")],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    pictures = {p.name for p in (tmp_path / "pictures").glob("*.png")}
    assert pictures == {f"{v}-{label}.png" for v in VIEWS}
    return {f["view"]: f["problems"] for f in found}


@pytest.mark.parametrize(
    ("width", "height", "scale", "label"),
    [(1024, 600, 1.0, "1024x600"), (1366, 768, 1.5, "1366x768-150")],
)
def test_every_window_fits_a_small_screen_with_nothing_cut(tmp_path, width, height, scale, label):
    problems = tour(tmp_path, width, height, scale, label)
    assert set(problems) == VIEWS
    assert {view: found for view, found in problems.items() if found} == {}


def test_the_checker_sees_a_cut_label_and_a_window_off_screen(qtbot, app):
    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

    from scrutiny_app.gui.fit_check import problems

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    label = QLabel("A label much too long for the narrow box it was given")
    button = QPushButton("A button with a long text")
    for w in (label, button):
        w.setFixedWidth(60)
        layout.addWidget(w)
    window.show()
    screen = window.screen().availableGeometry()
    window.setGeometry(screen.right() - 50, 10, 200, 100)
    found = problems(window)
    assert any("QLabel" in p and "60px" in p for p in found)
    assert any("QPushButton" in p for p in found)
    assert any("not within the screen" in p for p in found)
