"""Show errors and questions to the user: their message in a box, never a traceback."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from scrutiny_app.errors import UserError
from scrutiny_app.storage import StorageError

log = logging.getLogger(__name__)

EXPECTED = (UserError, StorageError)


def is_expected(exc: BaseException) -> bool:
    """True for errors whose message is written for the user."""
    return isinstance(exc, EXPECTED)


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """A user error as a warning with its own message; anything else as a short critical box.

    Unexpected errors are logged with their traceback (for a bug report) but the box only says
    what failed, and that what the user had is still there.
    """
    if isinstance(exc, StorageError):
        QMessageBox.critical(parent, title, str(exc))
    elif isinstance(exc, UserError):
        QMessageBox.warning(parent, title, str(exc))
    else:
        log.error(
            "unexpected error: %s",
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        )
        QMessageBox.critical(
            parent,
            title,
            f"Something unexpected went wrong: {exc or type(exc).__name__}\n\n"
            "Nothing was changed by this step, and everything recorded before it is safe. "
            "Please report this message to your system administrator.",
        )
