"""The one place that turns a database location into an engine.

A location is a path to a SQLite file (the embedded default) or an SQLAlchemy URL such as
``postgresql+psycopg://user@host/scrutiny`` for a shared deployment. Precedence: the ``--db``
argument, then the ``SCRUTINY_DB`` environment variable, then ``scrutiny.db`` in the user data
folder (platformdirs).
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url

BUSY_TIMEOUT_MS = 10_000
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class StorageError(Exception):
    """A database could not be opened or written; the message is meant for the user."""


class DatabaseBusy(StorageError):
    """Another program held the write lock for longer than the busy timeout."""


class DatabaseDamaged(StorageError):
    """The file is damaged (or not a database at all): nothing more is written to it."""


# SQLite's words for a failed write or read, and what the user is told (a path follows "{}").
_SQLITE_ERRORS: tuple[tuple[str | tuple[str, ...], type[StorageError], str], ...] = (
    (
        ("database is locked", "database is busy"),
        DatabaseBusy,
        "The database {} is busy: another program (an import, or another copy of the app) "
        "has held it for over {} s. Nothing was changed; try again when it has finished.",
    ),
    (
        "readonly database",
        StorageError,
        "The database {} is read-only: nothing was changed. Check the file's and its "
        "folder's permissions, or copy it to a folder you can write to.",
    ),
    (
        "disk is full",
        StorageError,
        "The disk holding the database {} is full: nothing was changed. Free some space and "
        "try again.",
    ),
    (
        "disk i/o error",
        StorageError,
        "The disk holding the database {} reported an error: nothing was changed. Check the "
        "disk (or the network drive) and try again.",
    ),
    (
        "malformed",
        DatabaseDamaged,
        "The database {} is damaged: nothing more was written to it. Restore its latest "
        "backup (the newest file named like it with '.backup-' beside it), or ask your IT "
        "support.",
    ),
    (
        "file is not a database",
        DatabaseDamaged,
        "{} is not a scrutiny database, or it is damaged: nothing was written to it.",
    ),
    (
        ("password authentication failed", "no password supplied"),
        StorageError,
        "The server {} refused the login: the user name or the password is wrong.",
    ),
    (
        ("connection refused", "could not translate host name", "no such file or directory"),
        StorageError,
        "Cannot reach the database server {}: check the address, that the server is running, "
        "and the network (is the laptop on the office network or VPN?).",
    ),
    (
        ("permission denied", "must be superuser", "must be owner", "must have admin option"),
        StorageError,
        "The server {} refused this: your login is not allowed to do it (ask the officer who "
        "runs the server). Nothing was changed.",
    ),
    (
        "unable to open database file",
        StorageError,
        "The database {} cannot be opened: check that the file and its folder exist and that "
        "you may read and write them.",
    ),
)


def storage_error(exc: BaseException, where: str) -> StorageError | None:
    """The user's message for a SQLite error (read-only file, full disk, lock held, damaged
    file), or None for an error that is not one of these (a bug: let it through)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    for words, kind, message in _SQLITE_ERRORS:
        if any(w in text for w in ((words,) if isinstance(words, str) else words)):
            return kind(message.format(where, BUSY_TIMEOUT_MS // 1000))
    return None


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


_PASSPHRASES: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def engine_passphrase(engine: Engine) -> str | None:
    """The passphrase an encrypted SQLite engine keys its connections with (in memory only)."""
    return _PASSPHRASES.get(engine)


class DatabaseLocked(StorageError):
    """The app is locked: the passphrase was dropped from memory until it is typed again."""


def forget_passphrase(engine: Engine) -> bool:
    """Lock: close every pooled connection and drop the passphrase (True if it had one)."""
    if engine not in _PASSPHRASES:
        return False
    engine.dispose()
    del _PASSPHRASES[engine]
    return True


def restore_passphrase(engine: Engine, passphrase: str) -> None:
    """Unlock, with a passphrase already checked against the file."""
    _PASSPHRASES[engine] = passphrase


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


def restrict(path: Path) -> None:
    """Readable and writable by the user only (0600 on POSIX; a no-op elsewhere)."""
    if os.name == "posix":
        with suppress(OSError):
            os.chmod(path, 0o600)


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) readable by the user only (0700 on POSIX) if it does
    not exist; an existing folder keeps its permissions (it may be the user's own)."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)


def _on_sqlite_begin(conn: Any) -> None:
    # A write transaction takes the write lock at BEGIN, where SQLite waits up to the busy
    # timeout for it. A deferred BEGIN that reads and then writes cannot wait: SQLite fails it
    # at once ("database is locked") to avoid a deadlock. Reads stay deferred (WAL: they never
    # wait for a writer).
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "scrutiny_write"  # execution option of write sessions (see Database.transaction)


def _on_error(context: Any) -> StorageError | None:
    """Turn SQLite's errors for a full disk, a read-only or damaged file or a held lock into
    one message for the user (SQLAlchemy raises what this returns)."""
    url = context.engine.url if context.engine is not None else None
    path = sqlite_path(url) if url is not None else None
    where = str(path or "(in memory)")
    if url is not None and url.get_backend_name() != "sqlite":
        where = url.render_as_string(hide_password=True)
    return storage_error(context.original_exception, where)


def make_engine(
    location: str | os.PathLike[str] | URL, *, echo: bool = False, passphrase: str | None = None
) -> Engine:
    """Create the engine for ``location`` with the settings each backend needs.

    ``passphrase``: the SQLite file is a SQLCipher one (new, or encrypted already); every
    connection is keyed with it before anything else (``encryption.key_connection``).
    """
    url = location if isinstance(location, URL) else to_url(location)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            make_private_folder(path.parent)
        extra: dict[str, Any] = {}
        if passphrase is not None:
            from scrutiny_app.storage import encryption

            extra["module"] = encryption.cipher_module()
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **extra
        )
        if passphrase is not None:
            from scrutiny_app.storage.encryption import key_connection

            _PASSPHRASES[engine] = passphrase

            def _key(conn: Any, _record: Any) -> None:
                key = _PASSPHRASES.get(engine)  # gone while the app is locked
                if key is None:
                    raise DatabaseLocked("The database is locked: unlock it with its passphrase.")
                key_connection(conn, key)

            event.listen(engine, "connect", _key)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine, "handle_error", _on_error, retval=True)
        return engine
    # PostgreSQL: libpq's default sslmode ("prefer") takes TLS whenever the server offers it;
    # an office that requires it adds ?sslmode=verify-full to the URL.
    engine = create_engine(url, echo=echo, pool_pre_ping=True)
    event.listen(engine, "handle_error", _on_error, retval=True)
    return engine
