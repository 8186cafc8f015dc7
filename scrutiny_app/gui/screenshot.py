"""Save a picture of the main window for the README and docs.

    python -m scrutiny_app.gui.screenshot --db FILE --out PNG [--meeting ID] [--size 1366x768]

Opens the main window on the database, selects the meeting (default: the first one) and its
first case, and saves ``window.grab()``. Runs offscreen unless QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("use WIDTHxHEIGHT, e.g. 1366x768") from None
    return w, h


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrutiny_app.gui.screenshot")
    parser.add_argument("--db", required=True, help="the database file to show")
    parser.add_argument("--out", required=True, type=Path, help="the PNG to write")
    parser.add_argument("--meeting", type=int, help="meeting id (default: the first meeting)")
    parser.add_argument("--case", type=int, default=0, help="row of the case to select (0)")
    parser.add_argument("--size", type=_size, default=(1366, 768), help="window size (1366x768)")
    parser.add_argument("--panel", type=int, help="show this panel's summary instead")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from scrutiny_app.gui.app import create_main_window, prepare_app
    from scrutiny_app.storage import Database, StorageError

    app = QApplication.instance() or QApplication([sys.argv[0]])
    prepare_app(app)  # type: ignore[arg-type]
    try:
        db = Database.open(args.db, create=False)
    except StorageError as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 2
    try:
        window = create_main_window(db)
        window.show()
        window.resize(*args.size)  # after the show: the picture's size, whatever the screen
        if args.panel is not None:
            window.select_panel(args.panel)
        else:
            meeting_id = args.meeting
            if meeting_id is None:
                meetings = [m.id for m in window.all_meetings()]
                meeting_id = meetings[0] if meetings else None
            if meeting_id is not None and not window.select_meeting(meeting_id):
                print(f"screenshot: no meeting {meeting_id}", file=sys.stderr)
                return 2
            index = window.page.case_proxy.index(args.case, 0)
            if index.isValid():
                window.page.case_table.setCurrentIndex(index)
        settle = QEventLoop()  # let layouts and the first paint happen
        QTimer.singleShot(150, settle.quit)
        settle.exec()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(args.out)):
            print(f"screenshot: cannot write {args.out}", file=sys.stderr)
            return 1
        print(args.out)
        window.close()
        return 0
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
