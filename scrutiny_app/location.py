"""Which database the app opens: the ``--db`` argument, else ``SCRUTINY_DB``, else
``scrutiny.db`` in the user data folder. Light on purpose (no SQLAlchemy): the app names the
database in its first window before the storage layer is loaded."""

from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "scrutiny-app"
ENV_VAR = "SCRUTINY_DB"


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "scrutiny.db"


def resolve_location(db: str | os.PathLike[str] | None = None) -> str:
    """Pick the database location from the argument, the environment, or the default."""
    if db:
        return os.fspath(db)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    return os.fspath(default_db_path())


def short_name(location: str) -> str:
    """What a window title calls ``location``: a file's name, or a URL without its password."""
    if "://" in location:
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", location)
    return Path(location).name
