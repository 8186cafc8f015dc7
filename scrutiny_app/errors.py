"""Errors meant for the user: the message says what went wrong and where."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user asked for or handed in. Shown as it is; never a traceback."""


class NotFound(UserError):
    pass


class InputProblem(UserError):
    """A problem in an input file, located by file, row and column where known."""

    def __init__(
        self, message: str, *, file: str = "", row: int | None = None, column: str | None = None
    ) -> None:
        self.file, self.row, self.column, self.detail = file, row, column, message
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
