"""Start the desktop app: the QApplication, the database, the demo data and the main window."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

from scrutiny_app import __version__
from scrutiny_app.errors import UserError
from scrutiny_app.gui import screens
from scrutiny_app.gui.uiload import stylesheet
from scrutiny_app.location import resolve_location, short_name
from scrutiny_app.paths import resource

# The main window and the storage layer are loaded after the first window is on screen.
if TYPE_CHECKING:
    from scrutiny_app.gui.main_window import MainWindow
    from scrutiny_app.storage import Database

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
    from scrutiny_app.gui.main_window import MainWindow

    return MainWindow(db)


class StartWindow(QMainWindow):
    """On screen while the app loads: the main window's title and size, 'Opening …'.

    It needs nothing but Qt, so it shows as soon as a bare Qt window would; the main window
    takes its place (and its geometry) when the database is open.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName("startWindow")
        self.setWindowTitle(f"{APP_NAME} — {name}")
        label = QLabel(f"Opening {name}…", alignment=Qt.AlignmentFlag.AlignCenter)
        label.setAccessibleName(f"Opening {name}")
        self.setCentralWidget(label)
        self.resize(1366, 768)  # the main window's own size (ui/main_window.ui)


@dataclass
class Started:
    db: Database
    window: MainWindow


def start(
    db_location: str | None, *, first_window: Callable[[], None] | None = None
) -> Started | None:
    """Show the start window, open the database, then show the main window in its place.

    ``first_window`` is called once the start window is painted (the benchmark's clock).
    None: the database could not be opened (the user was told why).
    """
    location = resolve_location(db_location)
    shell = StartWindow(short_name(location))
    shell.show()
    QApplication.processEvents()  # painted now, before the slow part
    if first_window is not None:
        first_window()
    from scrutiny_app.gui.security import open_database
    from scrutiny_app.storage import StorageError

    try:
        db = open_database(location, shell)  # asks the passphrase, or a new one on a first run
    except (StorageError, UserError) as exc:
        shell.close()
        QMessageBox.critical(None, f"{APP_NAME}: cannot open the database", str(exc))
        return None
    if db is None:
        shell.close()
        return None
    try:
        created = _ensure_demo(db)
    except (StorageError, UserError) as exc:
        created = False
        QMessageBox.warning(shell, APP_NAME, f"The demo panels could not be created: {exc}")
    window = create_main_window(db)
    window.setGeometry(shell.geometry())  # where the user sees the app already
    window.show()
    shell.close()
    shell.deleteLater()
    if created:
        window.show_status("Welcome: three demo panels were created to show how the app works.")
    if window.plain_warning is not None:
        from scrutiny_app.gui.security import PLAIN_WARNING

        window.show_status(PLAIN_WARNING)
    from scrutiny_app.services.panels import vetting_warnings

    vetting = vetting_warnings(db)
    if vetting:
        window.show_status(
            "Vetting needs renewing (Meeting ▸ Members and vetting): "
            + "; ".join(vetting[:3])
            + (f" and {len(vetting) - 3} more" if len(vetting) > 3 else "")
        )
    if db.upgrade is not None and db.upgrade.upgraded and db.upgrade.backup is not None:
        window.show_status(f"Database upgraded; the old copy is at {db.upgrade.backup}")
    return Started(db, window)


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
    from scrutiny_app.gui.messages import show_error

    with contextlib.suppress(Exception):  # if the box itself fails, the log has it
        show_error(QApplication.activeWindow(), APP_NAME, exc)


def run(db_location: str | None = None, argv: Sequence[str] | None = None) -> int:
    """Run the app on ``db_location`` (None: SCRUTINY_DB or the default file); the exit code."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else None
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv)
    prepare_app(app)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook
    started: Started | None = None
    try:
        started = start(db_location)
        if started is None:
            return EXIT_CANNOT_OPEN
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        if started is not None:
            from scrutiny_app.gui import background

            background.cancel_all_and_wait()
            started.db.close()
