"""Open every main window of a session on the screen Qt reports, check each fits, picture it.

    QT_QPA_PLATFORM="offscreen:configfile=screen.json" [QT_SCALE_FACTOR=1.5] \\
        python -m scrutiny_app.gui.screen_tour --label 1024x600 [--out docs/screenshots]

Builds the demo in a temporary database with the OOCD meeting part-way through a session, then
opens the main window (decision stage, and a member's views stage), the attendance dialog, the
tracker, the report window and the presenter view the way the app does (sized to the screen).
Prints one JSON line per view: its name and the problems :mod:`scrutiny_app.gui.fit_check`
found (text cut, part of a window off-screen). With ``--out`` each view is also saved as
``<view>-<label>.png``. The small-screen test runs it at 1024x600 and at 1366x768 with 150%
scaling (``QT_SCALE_FACTOR=1.5``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrutiny_app.gui.screen_tour")
    parser.add_argument("--label", required=True, help="names the pictures, e.g. 1024x600")
    parser.add_argument("--out", type=Path, help="folder for the PNG files")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from scrutiny_app.gui import windows
    from scrutiny_app.gui.app import prepare_app
    from scrutiny_app.gui.fit_check import problems
    from scrutiny_app.gui.staged_session import open_staged_session
    from scrutiny_app.storage import Database

    app = QApplication.instance() or QApplication([sys.argv[0]])
    prepare_app(app)  # type: ignore[arg-type]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    def settle(ms: int = 200) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def visit(widget: QWidget, name: str) -> None:
        settle()
        print(json.dumps({"view": name, "problems": problems(widget)}), flush=True)
        if args.out:
            path = args.out / f"{name}-{args.label}.png"
            if not widget.grab().save(str(path)):
                raise SystemExit(f"cannot write {path}")

    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "tour.db")
        try:
            staged = open_staged_session(db)
            window = staged.window
            visit(window, "main-window")
            staged.as_member()
            visit(window, "review-form")
            staged.as_officer()
            window.action_attendance.trigger()
            dialog = window.current_dialog
            assert dialog is not None
            visit(dialog, "attendance")
            dialog.close()

            tracker = windows.open_tracker(window)
            visit(tracker, "tracker")
            tracker.close()
            report = windows.open_report_window(window)
            assert report is not None
            visit(report, "report-window")
            report.close()

            window.toggle_presenter()
            presenter = window.presenter
            assert presenter is not None
            visit(presenter, "presenter")
            presenter.close()
            window.close()
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
