"""The open database: an engine at the current schema plus session helpers."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scrutiny_app import __version__
from scrutiny_app.location import resolve_location
from scrutiny_app.storage.engine import (
    WRITE_OPTION,
    DatabaseDamaged,
    StorageError,
    make_engine,
    sqlite_path,
    storage_error,
    to_url,
)
from scrutiny_app.storage.migrate import UpgradeReport, upgrade_database
from scrutiny_app.storage.models import Setting


class Database:
    """An open scrutiny database. Services take one of these and open their own transactions."""

    def __init__(self, engine: Engine, upgrade: UpgradeReport | None = None) -> None:
        self.engine = engine
        self.upgrade = upgrade
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Write transactions take the write lock at BEGIN (see engine._on_sqlite_begin).
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | URL | None = None,
        *,
        create: bool = True,
        replace_empty: bool = False,
    ) -> Database:
        """Open (creating or upgrading as needed) the database at ``location``.

        ``None`` means ``SCRUTINY_DB`` or the default file in the user data folder. With
        ``create=False`` a SQLite file that does not exist is an error instead of a new database.
        An empty (0-byte) file is refused unless ``replace_empty`` (the user asked to create a
        database there). A SQLite file is checked first (``PRAGMA quick_check``, time-boxed)
        and a damaged one refused, naming its latest backup. Opening an up-to-date database
        writes nothing.
        """
        url = location if isinstance(location, URL) else to_url(resolve_location(location))
        path = sqlite_path(url)
        if not create and path is not None and not path.exists():
            raise StorageError(
                f"No database at {path}. Create one with 'scrutiny-app demo --db {path}' "
                "or by opening the app."
            )
        if path is not None and path.is_dir():
            raise StorageError(f"{path} is a folder, not a database file.")
        if path is not None and path.exists() and path.stat().st_size == 0:
            if not replace_empty:
                raise StorageError(
                    f"{path} is an empty file, not a scrutiny database. It was left unchanged: "
                    "choose another file, or delete it and create a new database there."
                )
        elif path is not None and path.exists():
            check_sqlite(path)
        try:
            engine = make_engine(url)
        except OSError as exc:
            raise StorageError(f"Cannot create the database folder: {exc}") from exc
        try:
            report = upgrade_database(engine)
        except StorageError:
            engine.dispose()
            raise
        except (DBAPIError, sqlite3.Error) as exc:
            engine.dispose()
            where = url.render_as_string(hide_password=True)
            known = storage_error(exc, where)
            if known is not None:
                raise known from exc
            raise StorageError(
                f"Cannot open the database {where}: {getattr(exc, 'orig', exc)}"
            ) from exc
        except Exception:
            engine.dispose()
            raise
        db = cls(engine, report)
        if db.get_setting("last_opened_by_version") != __version__:
            db.set_setting("last_opened_by_version", __version__)
        return db

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.engine.url)

    @property
    def display_name(self) -> str:
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end of the block, or rolled back on error.

        On SQLite it takes the write lock at the start, waiting up to the busy timeout for
        another writer; a write that still cannot get it, a full disk or a read-only file raise
        a :class:`StorageError` that says so, with nothing half written."""
        with _translated(self), self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def bulk_transaction(self) -> Iterator[Session]:
        """A transaction for inserting many rows whose references the caller has just made.

        On SQLite the per-row foreign key checks are off for this one transaction (they were a
        quarter of a million-row import); the caller must only insert rows pointing at parents
        it knows exist. The pragma cannot change inside a transaction, so it is set on the raw
        connection before BEGIN and restored after, even on error. Other backends: as
        :meth:`transaction`.
        """
        if self.engine.dialect.name != "sqlite":
            with self.transaction() as session:
                yield session
            return
        with _translated(self), self._writer.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with self._sessions(bind=conn) as session, session.begin():
                    yield session
            finally:
                conn.rollback()  # no-op after a commit; leaves no transaction open for the pragma
                raw.execute("PRAGMA foreign_keys = ON")
                if raw.execute("PRAGMA foreign_keys").fetchone() != (1,):
                    conn.invalidate()  # never hand a connection without them back to the pool

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
            value = s.scalar(select(Setting.value).where(Setting.key == key))
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as s:
            s.merge(Setting(key=key, value=value))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _translated(db: Database) -> Iterator[None]:
    """sqlite3's own errors (raw ``executemany`` bypasses SQLAlchemy) as the user's message."""
    try:
        yield
    except sqlite3.Error as exc:
        known = storage_error(exc, db.display_name)
        if known is None:
            raise
        raise known from exc


QUICK_CHECK_SECONDS = 1.0  # a big file is checked for this long, then opened as it is (a
# damaged page found later is still refused when it is read: engine.storage_error)


def check_sqlite(path: Path, seconds: float = QUICK_CHECK_SECONDS) -> None:
    """Refuse a damaged SQLite file (``PRAGMA quick_check``, stopped after ``seconds``: a
    check that runs out of time finds nothing), naming its latest backup. Reads only."""
    with path.open("rb") as f:
        header = f.read(16)
    if header != b"SQLite format 3\x00":
        raise StorageError(
            f"{path} is not a scrutiny database (not a SQLite file). It was left unchanged."
        )
    deadline = time.monotonic() + seconds
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return  # cannot even open it read-only: the normal open says why
    try:
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            rows = conn.execute("PRAGMA quick_check(5)").fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                return
            rows = [(str(exc),)]
        except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
            rows = [(str(exc),)]
    finally:
        conn.close()
    problems = [r[0] for r in rows if r and r[0] != "ok"]
    if not problems:
        return
    backup = latest_backup(path)
    offer = (
        f"Its latest backup is {backup}: copy it over the damaged file (keep the damaged one "
        "aside for your IT support), or open it directly with --db."
        if backup
        else "No backup of it was found beside it: ask your IT support to restore the file."
    )
    raise DatabaseDamaged(
        f"The database {path} is damaged ({'; '.join(problems)[:200]}), so nothing will be "
        f"written to it. {offer}"
    )


def latest_backup(path: Path) -> Path | None:
    """The newest backup the app wrote beside ``path`` before an upgrade, if any."""
    backups = sorted(path.parent.glob(f"{path.name}.backup-*"), key=lambda p: p.stat().st_mtime)
    return backups[-1] if backups else None
