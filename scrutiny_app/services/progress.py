"""Progress reporting and cancellation for long services, without Qt.

A service takes ``progress`` (called with done, total, message) and ``cancel`` (a CancelToken)
and calls ``cancel.check()`` between steps; the GUI wires both to a progress dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressFn = Callable[[int, int, str], None]


class Cancelled(Exception):
    """The user cancelled; the service has rolled back whatever it started."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def no_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: ignore."""
