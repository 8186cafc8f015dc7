"""Protecting the data in the app: the passphrase on opening, the first run's choice, the lock
after idle time and encrypting a plain database. The work is the storage layer's
(``storage.encryption``, ``Database.lock``/``unlock``/``encrypt``, ``storage.keys``)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import URL

from scrutiny_app.errors import UserError
from scrutiny_app.storage import keys
from scrutiny_app.storage.encryption import passphrase_problem
from scrutiny_app.storage.engine import StorageError

if TYPE_CHECKING:
    from scrutiny_app.gui.main_window import MainWindow
    from scrutiny_app.storage import Database

LOCK_SETTING = "lock_minutes"
DEFAULT_LOCK_MINUTES = 10
ENCRYPTION_SETTING = "encryption"  # "declined" when the officer chose no passphrase
PLAIN_SHORT = "Not encrypted: anyone who copies this database file can read every case."
PLAIN_WARNING = (
    "This database is not encrypted: anyone who copies the file can read every case. "
    "Encrypt it with File ▸ Encrypt the database…"
)


def _marking() -> QLabel:
    return QLabel("OFFICIAL-SENSITIVE", objectName="markingLabel")


def _remember_box(path: Path) -> QCheckBox:
    box = QCheckBox("&Remember the passphrase on this computer (the system's keyring)")
    box.setObjectName("rememberCheck")
    if not keys.available():
        box.setEnabled(False)
        box.setToolTip("This computer has no keyring the app can use: it asks each time.")
    return box


class AskPassphraseDialog(QDialog):
    """Ask the passphrase of an encrypted database; a wrong one is said here, which stays open.

    ``check`` opens (or unlocks) with the typed passphrase and returns what it opened; it
    raises StorageError (a wrong passphrase) or UserError for the message shown.
    """

    def __init__(
        self,
        path: Path | str,
        check: Callable[[str], Any],
        parent: QWidget | None = None,
        *,
        locked_after: float | None = None,
        server: URL | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("askPassphraseDialog")
        self.setMinimumWidth(460)
        # ``server``: the password of a login to a shared server (``path``: its URL, the
        # keyring's name for it), not a file's passphrase.
        self.key: Path | str = path if server is not None else Path(path)
        self.path = Path(server.database or "server") if server is not None else Path(path)
        self._check, self.opened = check, None
        self.setWindowTitle(
            f"Unlock {self.path.name}" if locked_after else f"Open {self.path.name}"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(_marking())
        if server is not None:
            where = f"{server.host or 'this computer'}/{server.database}"
            text = (
                f"Log in to the shared database <b>{html.escape(where)}</b> as "
                f"<b>{html.escape(server.username or '')}</b>: type your password."
            )
        elif locked_after:
            text = (
                f"Scrutiny locked itself after {locked_after:g} minutes without use. Type the "
                f"passphrase of <b>{html.escape(self.path.name)}</b> to go on where you were: "
                "nothing you typed was lost."
            )
        else:
            text = (
                f"<b>{html.escape(self.path.name)}</b> is encrypted. Type its passphrase "
                f"(it is not stored with the file).<br>{html.escape(str(self.path.parent))}"
            )
        intro = QLabel(text, wordWrap=True)
        layout.addWidget(intro)
        self.edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="passphraseEdit")
        self.edit.setAccessibleName("Passphrase")
        layout.addWidget(self.edit)
        self.remember = _remember_box(self.path)
        if server is not None:
            self.remember.setText("&Remember the password on this computer (the system's keyring)")
        self.remember.setVisible(not locked_after)
        layout.addWidget(self.remember)
        self.problem = QLabel(objectName="passphraseProblem", wordWrap=True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setText("&Unlock" if locked_after else "&Open")
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("&Quit" if locked_after else "Cancel")
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.edit.setFocus()

    def _try(self) -> None:
        secret = self.edit.text()
        if not secret:
            self._say("Type the passphrase first.")
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.opened = self._check(secret)
        except (StorageError, UserError) as exc:
            self._say(str(exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
        if self.remember.isChecked():
            keys.remember(self.key, secret)
        self.edit.clear()
        self.accept()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self.edit.selectAll()
        self.edit.setFocus()


class NewPassphraseDialog(QDialog):
    """Choose the passphrase of a new database (or, on the first run, to go without one)."""

    def __init__(self, path: Path, parent: QWidget | None = None, *, first_run: bool) -> None:
        super().__init__(parent)
        self.setObjectName("newPassphraseDialog")
        self.path = Path(path)
        self.passphrase: str | None = None
        self.declined = False
        self.setWindowTitle("Protect the database")
        layout = QVBoxLayout(self)
        layout.addWidget(_marking())
        intro = QLabel(
            ("Scrutiny keeps its cases in " if first_run else "Encrypt ")
            + f"<b>{html.escape(self.path.name)}</b>"
            + (" on this computer. " if first_run else ". ")
            + "Police case files are criminal offence data: with a passphrase the file is "
            "encrypted (SQLCipher, AES-256), so a lost laptop or a copied file shows nothing. "
            "The passphrase is asked each time the app opens and after it locks itself; it "
            "cannot be recovered if it is forgotten, so keep it as your office keeps secrets.",
            wordWrap=True,
        )
        layout.addWidget(intro)
        form = QFormLayout()
        self.edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="newPassphrase")
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="confirmPassphrase")
        label = QLabel("&Passphrase")
        label.setBuddy(self.edit)
        form.addRow(label, self.edit)
        label = QLabel("&Again")
        label.setBuddy(self.again)
        form.addRow(label, self.again)
        layout.addLayout(form)
        self.remember = _remember_box(self.path)
        layout.addWidget(self.remember)
        self.problem = QLabel(objectName="passphraseProblem", wordWrap=True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox()
        self.encrypt_button = buttons.addButton(
            "&Encrypt with this passphrase", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.encrypt_button.setDefault(True)
        self.decline_button: QPushButton | None = None
        if first_run:
            self.decline_button = buttons.addButton(
                "Go on &without a passphrase…", QDialogButtonBox.ButtonRole.DestructiveRole
            )
            self.decline_button.clicked.connect(self._decline)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _try(self) -> None:
        secret = self.edit.text()
        problem = passphrase_problem(secret)
        if problem is None and secret != self.again.text():
            problem = "The two passphrases differ: type the same one twice."
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            self.edit.setFocus()
            return
        self.passphrase = secret
        if self.remember.isChecked():
            keys.remember(self.key, secret)
        self.accept()

    def _decline(self) -> None:
        answer = QMessageBox.question(
            self,
            "No passphrase",
            "Without a passphrase anyone who copies the file reads every case, and your "
            "data protection officer will ask why. The app will say so each time it opens, "
            "and File ▸ Encrypt the database… can encrypt it later.\n\nGo on without one?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.declined = True
            self.accept()


# --------------------------------------------------------------------------- opening


def open_database(location: str, parent: QWidget | None = None) -> Database | None:
    """Open the database at ``location`` as the app does: ask an encrypted file's passphrase
    (or take it from the keyring), and on the first run ask for a new one. None: cancelled.
    Errors other than a wrong passphrase raise StorageError for the caller to show."""
    from scrutiny_app.services.audit import record_database_event
    from scrutiny_app.storage import Database
    from scrutiny_app.storage.encryption import WrongPassphrase, is_encrypted
    from scrutiny_app.storage.engine import sqlite_path, to_url

    path = sqlite_path(to_url(location))
    if path is None:  # a server database: its protection is the server's
        return _open_server(location, parent)
    if is_encrypted(path):
        secret = keys.remembered(path)
        if secret is not None:
            try:
                return Database.open(location, passphrase=secret)
            except WrongPassphrase:
                keys.forget(path)  # changed since: ask
        dialog = AskPassphraseDialog(
            path, lambda typed: Database.open(location, passphrase=typed), parent
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        db: Database = dialog.opened
        return db
    if path.exists() and path.stat().st_size > 0:
        return Database.open(location)
    choose = NewPassphraseDialog(path, parent, first_run=True)
    if choose.exec() != QDialog.DialogCode.Accepted:
        return None
    db = Database.open(location, passphrase=choose.passphrase)
    if choose.declined:
        from scrutiny_app.gui.people import computer_user

        db.set_setting(ENCRYPTION_SETTING, "declined")
        record_database_event(db, computer_user(), "encryption declined")
    return db


def _open_server(location: str, parent: QWidget | None) -> Database | None:
    """Log in to a shared server: the password in the URL, or the one libpq finds, or the one
    the keyring remembers, else asked (a wrong one is said in the dialog). The password is
    never written to a file by the app."""
    from scrutiny_app.storage import Database
    from scrutiny_app.storage.engine import to_url

    url = to_url(location)
    if url.password is not None:
        return Database.open(url)
    name = url.render_as_string(hide_password=True)
    secret = keys.remembered(name)
    if secret is not None:
        try:
            return Database.open(url.set(password=secret))
        except StorageError as exc:
            if "refused the login" not in str(exc):
                raise  # the server unreachable: the remembered password is still good
            keys.forget(name)  # changed since: ask
    try:
        return Database.open(url)  # PGPASSWORD, a password file, or a server that trusts us
    except StorageError as exc:
        if "refused the login" not in str(exc):
            raise
    dialog = AskPassphraseDialog(
        name, lambda typed: Database.open(url.set(password=typed)), parent, server=url
    )
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    db: Database = dialog.opened
    return db


# --------------------------------------------------------------------------- the lock


class _IdleWatch(QObject):
    """Restarts the lock timer on every key press, click and wheel turn in the app."""

    def __init__(self, timer: QTimer) -> None:
        super().__init__(timer)
        self.timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
        ) and self.timer.property("armed"):
            self.timer.start()
        return False


class Locker(QObject):
    """Locks the main window after ``minutes`` without a key or a click (an encrypted
    database only): what was typed is saved, every window's content is hidden, the passphrase
    is dropped from memory, and asked again to go on."""

    def __init__(self, window: MainWindow, minutes: float) -> None:
        super().__init__(window)
        self.window, self.minutes = window, minutes
        self.locked = False
        self._hidden: list[QWidget] = []
        self._central: QWidget | None = None
        self.dialog: AskPassphraseDialog | None = None
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self._idle)
        self._watch = _IdleWatch(self.timer)
        self._watching = False
        self.set_minutes(minutes)

    def set_minutes(self, minutes: float) -> None:
        self.minutes = minutes
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        armed = self.window.db.encrypted and minutes > 0  # a plain file has no key to drop
        self.timer.setProperty("armed", armed)
        app = QApplication.instance()
        if app is not None and armed != self._watching:
            # Every event of the app passes through the filter: only while it is needed.
            if armed:
                app.installEventFilter(self._watch)
            else:
                app.removeEventFilter(self._watch)
            self._watching = armed
        if armed:
            self.timer.start()
        else:
            self.timer.stop()

    def _idle(self) -> None:
        from scrutiny_app.gui import background

        if background.active_jobs():  # an import or export is using the database: later
            self.timer.start()
            return
        self.lock()

    def lock(self) -> None:
        w = self.window
        if self.locked or not w.db.encrypted:
            return
        w.reviewer.flush_edits()
        w.reviewer.clock.flush()
        self.locked = True
        self.timer.stop()
        self._hidden = [
            top
            for top in QApplication.topLevelWidgets()
            if top is not w and top.isVisible() and not isinstance(top, QMenu)
        ]
        for top in self._hidden:
            top.hide()
        self._central = w.takeCentralWidget()
        if self._central is not None:
            self._central.hide()
        cover = QLabel(
            "Scrutiny is locked: the cases are hidden and the passphrase was dropped from memory.",
            alignment=Qt.AlignmentFlag.AlignCenter,
            objectName="lockedLabel",
            wordWrap=True,
        )
        w.setCentralWidget(cover)
        w.menuBar().setEnabled(False)
        w.db.lock()
        QTimer.singleShot(0, self._ask)

    def _ask(self) -> None:
        w = self.window
        self.dialog = AskPassphraseDialog(
            w.db.path or Path(w.db.display_name), w.db.unlock, w, locked_after=self.minutes
        )
        code = self.dialog.exec()
        self.dialog = None
        if code != QDialog.DialogCode.Accepted:
            w.close()  # closeEvent sees the lock: nothing to save, all was saved at the lock
            return
        self.unlock_view()

    def unlock_view(self) -> None:
        w = self.window
        if self._central is not None:
            cover = w.takeCentralWidget()
            if cover is not None:
                cover.deleteLater()
            w.setCentralWidget(self._central)
            self._central.show()
            self._central = None
        w.menuBar().setEnabled(True)
        for top in self._hidden:
            top.show()
        self._hidden = []
        self.locked = False
        self.timer.start()


# --------------------------------------------------------------------------- the menu


def lock_minutes(db: Database) -> float:
    try:
        return float(db.get_setting(LOCK_SETTING) or DEFAULT_LOCK_MINUTES)
    except ValueError:
        return DEFAULT_LOCK_MINUTES


def ask_lock_minutes(window: MainWindow, locker: Locker) -> None:
    minutes, ok = QInputDialog.getInt(
        window,
        "Lock after",
        "Lock the app after this many minutes without a key or a click:",
        int(locker.minutes),
        1,
        240,
    )
    if ok:
        window.db.set_setting(LOCK_SETTING, str(minutes))
        locker.set_minutes(minutes)
        window.show_status(f"The app locks after {minutes} minutes without use.")


def encrypt_database(window: MainWindow) -> bool:
    """File ▸ Encrypt the database…: choose a passphrase, then encrypt in place."""
    from scrutiny_app.gui import background
    from scrutiny_app.gui.people import computer_user
    from scrutiny_app.services.audit import record_database_event

    db = window.db
    if db.encrypted or db.path is None:
        QMessageBox.information(
            window,
            "Encrypt the database",
            "This database is encrypted already."
            if db.encrypted
            else "A server database is protected by its server, not by the app.",
        )
        return False
    if background.active_jobs():
        QMessageBox.information(
            window, "Encrypt the database", "Wait for the import or export to finish first."
        )
        return False
    dialog = NewPassphraseDialog(db.path, window, first_run=False)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.passphrase is None:
        return False
    window.reviewer.flush_edits()
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = db.encrypt(dialog.passphrase)
    except StorageError as exc:
        QMessageBox.critical(window, "Encrypt the database", str(exc))
        return False
    finally:
        QApplication.restoreOverrideCursor()
    record_database_event(db, computer_user(), "encrypt", tables=result.tables, rows=result.rows)
    window.locker.set_minutes(window.locker.minutes)
    window.clear_plain_warning()
    window.show_status(f"The database is encrypted; an encrypted backup is at {result.backup}.")
    return True


def install(window: MainWindow) -> dict[str, QAction]:
    """File menu, above Quit: Lock now, Lock after…, Encrypt the database…; the actions."""
    menu = window.findChild(QMenu, "menuFile")
    locker = window.locker
    specs = [
        ("lock_now", "&Lock now", "Ctrl+Alt+L", locker.lock),
        ("lock_after", "Lock &after…", "", lambda: ask_lock_minutes(window, locker)),
        ("encrypt", "Encrypt the &database…", "", lambda: encrypt_database(window)),
    ]
    actions = {}
    first = window.action_quit if menu is not None else None  # above Quit
    for name, text, shortcut, slot in specs:
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        if menu is not None:
            menu.insertAction(first, action)
        window.addAction(action)
        actions[name] = action
    if menu is not None:
        menu.insertSeparator(first)
    return actions


def plain_warning_bar(window: MainWindow) -> QWidget:
    """The status bar's warning on a plain (unencrypted) database, on every start."""
    bar = QWidget(objectName="plainWarningBar")
    row = QHBoxLayout(bar)
    row.setContentsMargins(0, 0, 6, 0)
    label = QLabel("<b>\u26a0 Not encrypted</b>", objectName="plainWarning")
    label.setToolTip(PLAIN_WARNING)
    label.setAccessibleName(PLAIN_SHORT)
    label.setStyleSheet("color: #9b1c1c;")
    row.addWidget(label)
    link = QLabel('<a href="encrypt">Encrypt…</a>', objectName="encryptLink")
    link.setToolTip(PLAIN_WARNING)  # a link keeps the status bar's height (a button grows it)
    link.setTextInteractionFlags(
        Qt.TextInteractionFlag.LinksAccessibleByMouse
        | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    )
    link.linkActivated.connect(lambda _href: encrypt_database(window))
    row.addWidget(link)
    return bar
