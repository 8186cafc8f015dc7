"""Start the desktop app: the QApplication, the database, the demo data and the main window."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from scrutiny_app import __version__
from scrutiny_app.errors import UserError
from scrutiny_app.gui import background, screens
from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.uiload import stylesheet
from scrutiny_app.paths import resource
from scrutiny_app.storage import Database, StorageError

log = logging.getLogger(__name__)

APP_NAME = "Scrutiny"
ORGANISATION = "scrutiny-app"
EXIT_CANNOT_OPEN = 2
MIN_POINT_SIZE = 10.0


def prepare_app(app: QApplication) -> None:
    """Names, style, font and stylesheet: the same for the app, the tests and the screenshots."""
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setApplicationDisplayName(APP_NAME)
    QGuiApplication.setDesktopFileName("scrutiny-app")
    app.setStyle("Fusion")
    font = QFont(app.font())
    if font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
    app.setFont(font)
    icon = resource("icons", "app.svg")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    app.setStyleSheet(stylesheet())
    screens.install(app)  # every window within its screen


def create_main_window(db: Database) -> MainWindow:
    """The main window on ``db`` (not shown). Tests and the screenshot script use this."""
    return MainWindow(db)


def _ensure_demo(db: Database) -> bool:
    """Create the demo panels on a database with none; True if it did. The demo module (and
    the import machinery it uses, with pandas) is loaded only then: not at every start."""
    from scrutiny_app.services import panels

    if panels.list_panels(db):
        return False
    from scrutiny_app.services.demo import create_demo

    create_demo(db)
    return True


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot must not kill the app or show a traceback: log it, show a short box."""
    log.error("unhandled error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
    with contextlib.suppress(Exception):  # if the box itself fails, the log has it
        show_error(QApplication.activeWindow(), APP_NAME, exc)


def run(db_location: str | None = None, argv: Sequence[str] | None = None) -> int:
    """Run the app on ``db_location`` (None: SCRUTINY_DB or the default file); the exit code."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else None
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv)
    prepare_app(app)
    try:
        db = Database.open(db_location)
    except (StorageError, UserError) as exc:
        QMessageBox.critical(None, f"{APP_NAME}: cannot open the database", str(exc))
        return EXIT_CANNOT_OPEN
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook
    try:
        try:
            created = _ensure_demo(db)
        except (StorageError, UserError) as exc:
            created = False
            QMessageBox.warning(None, APP_NAME, f"The demo panels could not be created: {exc}")
        window = create_main_window(db)
        window.show()
        if created:
            window.show_status("Welcome: two demo panels were created to show how the app works.")
        if db.upgrade is not None and db.upgrade.upgraded and db.upgrade.backup is not None:
            window.show_status(f"Database upgraded; the old copy is at {db.upgrade.backup}")
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        background.cancel_all_and_wait()
        db.close()
