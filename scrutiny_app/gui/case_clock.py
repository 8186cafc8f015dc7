"""Time spent on each case: counted while the app is in front, written at least each minute."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from scrutiny_app.services import session
from scrutiny_app.storage import Database

FLUSH_MS = 60_000  # time spent on the case is written at least this often


class CaseClock(QObject):
    """Counts the time the case shown is in front of the user; adds it to the case's total."""

    def __init__(self, db: Database, parent: QObject) -> None:
        super().__init__(parent)
        self.db = db
        self._clock = QElapsedTimer()
        self._item: int | None = None
        self._banked_ms = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._app_state_changed)

    def start(self, item_id: int | None) -> None:
        """Bank the time on the previous case and start counting on ``item_id``."""
        self.flush()
        self._item = item_id
        self._banked_ms = 0
        if item_id is not None:
            self._clock.restart()
        else:
            self._clock.invalidate()

    def flush(self) -> None:
        """Add the time on the current case since the last flush to the case's total."""
        if self._item is None:
            return
        ms = self._banked_ms + (self._clock.restart() if self._clock.isValid() else 0)
        self._banked_ms = 0
        if ms < 1000:
            self._banked_ms = ms
            return
        try:
            session.add_time(self.db, self._item, ms / 1000)
        except Exception:  # time is a nicety: never interrupt the session for it
            return
        self._banked_ms = ms % 1000

    def _app_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            if self._item is not None:
                self._clock.restart()
        elif self._clock.isValid():
            self._banked_ms += self._clock.elapsed()
            self._clock.invalidate()
