"""One write path for the GUI, as Anki's ``aqt/operations``: run, show the error, undo, announce.

Every change a window makes goes through :meth:`Operations.run`: it calls the service, shows
the service's error in a box (and returns :data:`FAILED`), pushes the returned
:class:`~scrutiny_app.services.history.Change` on the undo history, then announces a
:class:`Changes`: what kind of thing changed. The main window hands the announcement to each
page, which redraws only what it shows (a case's row and form, the meeting's header, the
panel tree, the recommendations list) instead of reloading everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from scrutiny_app.gui.messages import show_error
from scrutiny_app.services.history import Change, History
from scrutiny_app.storage import Database


class Host(Protocol):
    """What a page or controller needs of the main window around it."""

    current_dialog: QDialog | None
    busy: bool  # a background job is running: no edits until it ends

    def show_status(self, message: str, *, banner: bool = False) -> None: ...

    def open_dialog(self, dialog: QDialog) -> QDialog: ...

    def dialog_parent(self) -> QWidget: ...


@dataclass(frozen=True)
class Changes:
    """What an operation changed; each page redraws the parts it shows of it."""

    panels: bool = False  # panels or meetings added, renamed, re-dated; a meeting's status
    meeting: int | None = None  # this meeting's sample, population or attendance: reload it
    cases: frozenset[int] = frozenset()  # these meeting cases (row, counts, the form)
    form: bool = True  # False: the text the form itself typed; leave the text boxes alone
    recommendations: bool = False
    tags: bool = False  # the panel's tag vocabulary
    agreement: bool = False  # views were revealed or a revealed view changed
    select_case: int | None = None  # show this case (undo and redo go to what they changed)

    @classmethod
    def of_case(cls, item_id: int, *, form: bool = True, **kwargs: Any) -> Changes:
        return cls(cases=frozenset({item_id}), form=form, **kwargs)


class _Failed:
    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()  # what run() returns when the service raised (the box was shown)


class Operations(QObject):
    """The GUI's write path and its undo history."""

    changed = Signal(object)  # Changes
    historyChanged = Signal()

    def __init__(self, db: Database, parent: QWidget) -> None:
        super().__init__(parent)
        self.db = db
        self._parent = parent
        self.history = History()

    def run(
        self,
        title: str,
        fn: Callable[[], Any],
        changes: Changes | Callable[[Any], Changes] | None = None,
    ) -> Any:
        """Call ``fn``; its error in a box titled ``title`` (then :data:`FAILED`).

        A returned :class:`Change` goes on the undo history. ``changes`` (or
        ``changes(result)``) is announced after success.
        """
        try:
            result = fn()
        except Exception as exc:
            show_error(self._parent, title, exc)
            return FAILED
        if isinstance(result, Change):
            self.push(result)
        if changes is not None:
            self.announce(changes(result) if callable(changes) else changes)
        return result

    def push(self, change: Change | None) -> None:
        self.history.push(change)
        self.historyChanged.emit()

    def announce(self, changes: Changes) -> None:
        self.changed.emit(changes)

    # ------------------------------------------------------------------ undo / redo

    def seal(self) -> None:
        """The next text edit starts a new undo step."""
        self.history.seal()

    def clear_history(self) -> None:
        self.history.clear()
        self.historyChanged.emit()

    def undo(self, actor: str) -> Change | None:
        return self._step(self.history.undo, "Undo", actor)

    def redo(self, actor: str) -> Change | None:
        return self._step(self.history.redo, "Redo", actor)

    def _step(self, step: Callable[[Database, str], Change | None], title: str, actor: str):
        try:
            change = step(self.db, actor)
        except Exception as exc:
            show_error(self._parent, title, exc)
            self.historyChanged.emit()
            return None
        self.historyChanged.emit()
        if change is not None:
            self.announce(
                Changes.of_case(change.item_id, agreement=True, select_case=change.item_id)
            )
        return change
