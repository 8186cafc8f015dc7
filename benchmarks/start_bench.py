"""How long until the first window is on screen (issue 11, item 8), against a floor.

Both are fresh processes timed from launch to a shown, painted window (the child prints the
clock then; exiting is not counted), alternately, several times; the median of each is
reported. The floor is the least any PySide6 + SQLAlchemy app can
do: import both, make a ``QApplication``, show an empty ``QMainWindow``. The app is
``scrutiny_app.gui.app.start`` on a database that already has the demo panels (what a user
sees every morning): its first window (the start window, shown before the storage layer and
the main window are loaded; target within 1.5x the floor) and the main window ready to use
(reported, with its ratio).

    python -m benchmarks.start_bench [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = """
import sqlalchemy.orm  # SQLAlchemy as the app uses it (the ORM)
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.resize(1280, 720)
w.show()
app.processEvents()
import time
print(time.time())
"""

APP = """
import sys, time
from PySide6.QtWidgets import QApplication
from scrutiny_app.gui.app import prepare_app, start
app = QApplication([])
prepare_app(app)
started = start(sys.argv[1], first_window=lambda: print(time.time(), flush=True))
app.processEvents()
print(time.time())
"""

TARGET_RATIO = 1.5


def _times(code: str, *args: str) -> list[float]:
    """Seconds from launch to each clock the child prints (when a window was shown)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.time()
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, env=env,
                          capture_output=True, text=True)  # fmt: skip
    return [float(line) - start for line in done.stdout.split()]


def measure(repeat: int = 7) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "start.db"
        subprocess.run([sys.executable, "-m", "scrutiny_app", "demo", "--db", str(db)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        _times(FLOOR)  # warm the disk cache for both
        _times(APP, str(db))
        floor, first, ready = [], [], []
        for _ in range(repeat):
            floor.append(_times(FLOOR)[-1])
            shown, main = _times(APP, str(db))
            first.append(shown)
            ready.append(main)
    f = statistics.median(floor)
    rows = []
    for name, values, target in (
        ("first window (start to shown)", first, TARGET_RATIO),
        ("main window ready (database open, panels listed)", ready, None),
    ):
        a = statistics.median(values)
        rows.append({
            "name": name,
            "seconds": a,
            "baseline_seconds": f,
            "ratio": a / f,
            "target": f"<= {target}x an empty Qt window" if target else "reported",
            "ok": a / f <= target if target else True,
        })  # fmt: skip
    return rows


def run(_workdir: Path | None = None) -> list[dict]:
    return measure()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.start_bench")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for row in measure(args.repeat):
        verdict = "" if row["target"] == "reported" else (
            f" (target <= {TARGET_RATIO}): {'ok' if row['ok'] else 'NOT MET'}")  # fmt: skip
        print(
            f"{row['name']}: {row['seconds']:.3f} s; empty Qt window: "
            f"{row['baseline_seconds']:.3f} s; ratio {row['ratio']:.2f}{verdict}"
        )
