"""Run long work (imports, exports) off the GUI thread, with a delayed, cancellable progress dialog.

``run_in_background(fn, on_done, on_error, ...)`` calls ``fn(progress, cancel)`` on a worker
thread of ``Background.pool``; the result or the exception comes back to the GUI thread through
Qt signals. ``progress(done, total, message)`` feeds a QProgressDialog that shows only when the
work takes longer than ``Background.progress_delay_ms``; its Cancel button sets the
:class:`~scrutiny_app.services.progress.CancelToken` the service checks between steps.

Tests set ``Background.synchronous = True`` to run every job inline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from scrutiny_app.services.progress import Cancelled, CancelToken, ProgressFn

JobFn = Callable[[ProgressFn, CancelToken], Any]


class Background:
    """Where jobs run; class attributes so tests (and the app) can swap them."""

    synchronous: bool = False
    pool: QThreadPool | None = None  # None: the global pool
    progress_delay_ms: int = 400

    @classmethod
    def thread_pool(cls) -> QThreadPool:
        return cls.pool or QThreadPool.globalInstance()


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, fn: JobFn, token: CancelToken, signals: _Signals) -> None:
        super().__init__()
        self._fn, self._token, self._signals = fn, token, signals

    def run(self) -> None:  # worker thread: touch no widget here
        try:
            result = self._fn(self._signals.progress.emit, self._token)
        except BaseException as exc:  # handed to the GUI thread, which decides what to show
            self._signals.failed.emit(exc)
        else:
            self._signals.finished.emit(result)


_active: set[Job] = set()


class Job(QObject):
    """One piece of background work and its progress dialog (GUI thread)."""

    def __init__(
        self,
        fn: JobFn,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        *,
        parent: QWidget | None,
        title: str,
        label: str,
        cancellable: bool,
        on_cancelled: Callable[[], None] | None,
        on_finally: Callable[[], None] | None,
    ) -> None:
        super().__init__()
        self.fn = fn
        self.token = CancelToken()
        self._on_done, self._on_error = on_done, on_error
        self._on_cancelled, self._on_finally = on_cancelled, on_finally
        self.finished = False
        self.dialog: QProgressDialog | None = None
        if not Background.synchronous:
            self.dialog = self._make_dialog(parent, title, label, cancellable)

    def _make_dialog(
        self, parent: QWidget | None, title: str, label: str, cancellable: bool
    ) -> QProgressDialog:
        dialog = QProgressDialog(label, "Cancel" if cancellable else "", 0, 0, parent)
        dialog.setObjectName("progressDialog")
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self._cancel)
        dialog.setMinimumDuration(Background.progress_delay_ms)
        dialog.setValue(0)  # starts the delay timer: it shows only if the work is slow
        return dialog

    # ----------------------------------------------------------------- running

    def start(self) -> None:
        if Background.synchronous:
            self._run_inline()
            return
        signals = _Signals()
        signals.progress.connect(self._progress)
        signals.finished.connect(self._finished)
        signals.failed.connect(self._failed)
        runnable = _Runnable(self.fn, self.token, signals)
        # Python owns both until the job ends: a runnable collected while it runs crashes.
        runnable.setAutoDelete(False)
        self._signals, self._runnable = signals, runnable
        _active.add(self)
        Background.thread_pool().start(runnable)

    def _run_inline(self) -> None:
        _active.add(self)
        try:
            result = self.fn(lambda done, total, message: None, self.token)
        except BaseException as exc:
            self._failed(exc)
        else:
            self._finished(result)

    @Slot()
    def _cancel(self) -> None:
        self.token.cancel()

    def cancel(self) -> None:
        """Ask the work to stop at its next check (it rolls back what it started)."""
        self.token.cancel()

    @Slot(int, int, str)
    def _progress(self, done: int, total: int, message: str) -> None:
        if self.dialog is None or self.finished:
            return
        if message:
            self.dialog.setLabelText(message)
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))

    @Slot(object)
    def _finished(self, result: object) -> None:
        self._close()
        try:
            self._on_done(result)
        finally:
            self._end()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._close()
        try:
            if isinstance(exc, Cancelled):
                if self._on_cancelled is not None:
                    self._on_cancelled()
            else:
                self._on_error(exc)
        finally:
            self._end()

    def _close(self) -> None:
        self.finished = True
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self._cancel)
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None

    def _end(self) -> None:
        _active.discard(self)
        if self._on_finally is not None:
            self._on_finally()


def run_in_background(
    fn: JobFn,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    *,
    parent: QWidget | None = None,
    title: str = "Working",
    label: str = "Working…",
    cancellable: bool = True,
    on_cancelled: Callable[[], None] | None = None,
    on_finally: Callable[[], None] | None = None,
) -> Job:
    """Start ``fn(progress, cancel)`` off the GUI thread; callbacks run on the GUI thread.

    ``on_done(result)`` on success, ``on_error(exc)`` on an exception, ``on_cancelled()`` when
    the user cancelled (the service raised Cancelled), then always ``on_finally()``.
    """
    job = Job(
        fn,
        on_done,
        on_error,
        parent=parent,
        title=title,
        label=label,
        cancellable=cancellable,
        on_cancelled=on_cancelled,
        on_finally=on_finally,
    )
    job.start()
    return job


def active_jobs() -> list[Job]:
    return list(_active)


def cancel_all_and_wait(timeout_ms: int = 30_000) -> bool:
    """Cancel every running job and wait for the workers (at quit). True if all stopped."""
    for job in list(_active):
        job.cancel()
    return Background.thread_pool().waitForDone(timeout_ms)
