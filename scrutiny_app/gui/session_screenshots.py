"""Pictures of a panel session for the docs: the review screen (both stages), the presenter
view, the agreement and the session summary.

    python -m scrutiny_app.gui.session_screenshots --out docs/screenshots [--suffix -200]

Builds the demo in a temporary database, puts the OOCD meeting part-way through a session
(``services.demo.staging.stage_session``: 14 of 24 cases decided, views in on the rest) and
saves ``window.grab()`` of each view. Run it under Xvfb (``QT_QPA_PLATFORM=xcb``) for real
fonts and window decorations-free grabs; ``QT_SCALE_FACTOR=2`` on a 2732x1536 screen gives the
200% pictures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrutiny_app.gui.session_screenshots")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--suffix", default="", help="added to each file name, e.g. -200")
    parser.add_argument("--width", type=int, default=1366, help="logical window width")
    parser.add_argument("--height", type=int, default=768, help="logical window height")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from scrutiny_app.gui.app import prepare_app
    from scrutiny_app.gui.staged_session import open_staged_session
    from scrutiny_app.storage import Database

    app = QApplication.instance() or QApplication([sys.argv[0]])
    prepare_app(app)  # type: ignore[arg-type]
    args.out.mkdir(parents=True, exist_ok=True)

    def settle(ms: int = 250) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = args.out / f"{name}{args.suffix}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"cannot write {path}")
        print(path)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "session.db")
        try:
            staged = open_staged_session(db)
            window = staged.window
            window.resize(args.width, args.height)  # the picture's size, whatever the screen
            save(window, "session-review-decision")
            staged.as_member()  # stage 1 as a member sees it: their own view, the others hidden
            save(window, "session-review-views")
            staged.as_officer()
            window.toggle_presenter()
            presenter = window.presenter
            assert presenter is not None
            presenter.showNormal()
            presenter.resize(args.width, args.height)
            save(presenter, "session-presenter")
            presenter.close()

            window.show_agreement()
            dialog = window.current_dialog
            assert dialog is not None
            save(dialog, "session-agreement")
            dialog.close()
            window.show_session_summary()
            dialog = window.current_dialog
            assert dialog is not None
            save(dialog, "session-summary")
            dialog.close()
            window.close()
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
