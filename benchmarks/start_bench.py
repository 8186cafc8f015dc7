"""How long until the first window is on screen (issue 11, item 8), against a floor.

Both are fresh processes timed from launch to a shown, painted window (the child prints the
clock then; exiting is not counted), alternately, several times; the median of each is
reported. The floor is the least any PySide6 + SQLAlchemy app can
do: import both, make a ``QApplication``, show an empty ``QMainWindow``. The app is
``scrutiny_app.gui.app``'s start on a database that already has the demo panels (what a user
sees every morning). Target: within 1.5x the floor.

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
import sys
from PySide6.QtWidgets import QApplication
from scrutiny_app.gui.app import _ensure_demo, create_main_window, prepare_app
from scrutiny_app.storage import Database
app = QApplication([])
prepare_app(app)
db = Database.open(sys.argv[1], create=False)
_ensure_demo(db)
w = create_main_window(db)
w.show()
app.processEvents()
import time
print(time.time())
"""

TARGET_RATIO = 1.5


def _time(code: str, *args: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.time()
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, env=env,
                          capture_output=True, text=True)  # fmt: skip
    shown = float(done.stdout.strip().splitlines()[-1])  # the child's clock when it was shown
    return shown - start


def measure(repeat: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "start.db"
        subprocess.run([sys.executable, "-m", "scrutiny_app", "demo", "--db", str(db)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        _time(FLOOR)  # warm the disk cache for both
        _time(APP, str(db))
        floor, app = [], []
        for _ in range(repeat):
            floor.append(_time(FLOOR))
            app.append(_time(APP, str(db)))
    f, a = statistics.median(floor), statistics.median(app)
    return {
        "name": "first window (start to shown)",
        "seconds": a,
        "baseline_seconds": f,
        "ratio": a / f,
        "target": f"<= {TARGET_RATIO}x an empty Qt window",
        "ok": a / f <= TARGET_RATIO,
    }


def run(_workdir: Path | None = None) -> list[dict]:
    return [measure()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.start_bench")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    row = measure(args.repeat)
    print(
        f"first window: {row['seconds']:.3f} s; empty Qt window: {row['baseline_seconds']:.3f} s; "
        f"ratio {row['ratio']:.2f} (target <= {TARGET_RATIO}): {'ok' if row['ok'] else 'NOT MET'}"
    )
