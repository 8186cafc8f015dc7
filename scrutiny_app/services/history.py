"""Undo and redo of judgement edits, without Qt.

Every edit in a panel session is saved as it is made; the service that saves it returns a
:class:`Change`: what the row was before, what it is now, and how to put either back. The GUI
pushes each change on a :class:`History`; ``undo`` writes the "before" state back (one
database transaction, audited like any other edit) and ``redo`` writes the "after" state.

Consecutive saves of the same text field of the same row (the debounced saves of one stretch
of typing) merge into one command, as a word processor's undo does, until :meth:`History.seal`
is called (the GUI calls it when the field loses focus or another case is shown).

There is no "clean" state: everything is already saved, so an undo stack at its clean index
means nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from scrutiny_app.errors import UserError
from scrutiny_app.storage.database import Database

# restore(db, snapshot, actor): write ``snapshot`` back (None = the row did not exist).
Restore = Callable[[Database, Any, str], None]


@dataclass(frozen=True)
class Change:
    """One saved edit: enough to undo and redo it."""

    kind: str  # "view", "decision", "tags", "interest"
    item_id: int  # the meeting case the edit belongs to
    label: str  # for the Edit menu: "Undo <label>"
    before: Any
    after: Any
    restore: Restore
    member_id: int | None = None
    field: str = ""  # the one text field this edit changed, if that is all it changed

    @property
    def merge_key(self) -> tuple[str, int, int | None, str] | None:
        return (self.kind, self.item_id, self.member_id, self.field) if self.field else None


class History:
    """A linear undo/redo stack of :class:`Change` s."""

    def __init__(self, limit: int = 500) -> None:
        self._done: list[Change] = []
        self._undone: list[Change] = []
        self._limit = limit
        self._sealed = True

    # ------------------------------------------------------------------ recording

    def push(self, change: Change | None) -> None:
        """Record a change just saved (``None``: nothing changed, nothing recorded)."""
        if change is None:
            return
        self._undone.clear()
        top = self._done[-1] if self._done else None
        if (
            not self._sealed
            and top is not None
            and change.merge_key is not None
            and change.merge_key == top.merge_key
        ):
            self._done[-1] = replace(top, after=change.after)
        else:
            self._done.append(change)
            del self._done[: -self._limit]
        self._sealed = change.merge_key is None

    def seal(self) -> None:
        """The next change starts a new command even if it edits the same field."""
        self._sealed = True

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._sealed = True

    # ------------------------------------------------------------------ state

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""

    def __len__(self) -> int:
        return len(self._done)

    # ------------------------------------------------------------------ undo / redo

    def undo(self, db: Database, actor: str = "") -> Change | None:
        """Put the last change's "before" back; returns it (None if there was nothing).

        A change that can no longer be undone (e.g. a member's view once the views are
        revealed) is dropped and its reason raised as a :class:`UserError`.
        """
        if not self._done:
            return None
        change = self._done.pop()
        self._sealed = True
        try:
            change.restore(db, change.before, actor)
        except UserError as exc:
            raise UserError(f"Cannot undo {change.label}: {exc}") from exc
        self._undone.append(change)
        return change

    def redo(self, db: Database, actor: str = "") -> Change | None:
        if not self._undone:
            return None
        change = self._undone.pop()
        self._sealed = True
        try:
            change.restore(db, change.after, actor)
        except UserError as exc:
            raise UserError(f"Cannot redo {change.label}: {exc}") from exc
        self._done.append(change)
        return change
