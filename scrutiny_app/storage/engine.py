"""The one place that turns a database location into an engine.

A location is a path to a SQLite file (the embedded default) or an SQLAlchemy URL such as
``postgresql+psycopg://user@host/scrutiny`` for a shared deployment. Precedence: the ``--db``
argument, then the ``SCRUTINY_DB`` environment variable, then ``scrutiny.db`` in the user data
folder (platformdirs).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import URL, Engine, create_engine, event, make_url

APP_NAME = "scrutiny-app"
ENV_VAR = "SCRUTINY_DB"
BUSY_TIMEOUT_MS = 10_000
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class StorageError(Exception):
    """A database could not be opened; the message is meant for the user."""


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


def to_url(location: str | os.PathLike[str]) -> URL:
    """A URL is taken as it is; anything else is a SQLite file path."""
    text = os.fspath(location)
    if "://" in text:
        try:
            url = make_url(text)
        except Exception as exc:  # sqlalchemy.exc.ArgumentError
            raise StorageError(f"Not a database URL: {text!r} ({exc})") from exc
        if url.get_backend_name() not in SUPPORTED_BACKENDS:
            raise StorageError(
                f"Unsupported database {url.get_backend_name()!r}: use a SQLite file path or a "
                "postgresql+psycopg:// URL."
            )
        return url
    path = Path(text).expanduser()
    return URL.create("sqlite+pysqlite", database=str(path.resolve()))


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy own transactions (pysqlite's own BEGIN handling is off), then set the
    # pragmas every connection needs: foreign keys are per connection in SQLite.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA mmap_size = 1073741824")  # reads of big case tables skip a copy
    cur.close()


def _on_sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(location: str | os.PathLike[str] | URL, *, echo: bool = False) -> Engine:
    """Create the engine for ``location`` with the settings each backend needs."""
    url = location if isinstance(location, URL) else to_url(location)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)
