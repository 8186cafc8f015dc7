"""The open database: an engine at the current schema plus session helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scrutiny_app import __version__
from scrutiny_app.storage.engine import (
    StorageError,
    make_engine,
    resolve_location,
    sqlite_path,
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

    @classmethod
    def open(
        cls, location: str | os.PathLike[str] | URL | None = None, *, create: bool = True
    ) -> Database:
        """Open (creating or upgrading as needed) the database at ``location``.

        ``None`` means ``SCRUTINY_DB`` or the default file in the user data folder. With
        ``create=False`` a SQLite file that does not exist is an error instead of a new database.
        """
        url = location if isinstance(location, URL) else to_url(resolve_location(location))
        path = sqlite_path(url)
        if not create and path is not None and not path.exists():
            raise StorageError(
                f"No database at {path}. Create one with 'scrutiny-app demo --db {path}' "
                "or by opening the app."
            )
        try:
            engine = make_engine(url)
        except OSError as exc:
            raise StorageError(f"Cannot create the database folder: {exc}") from exc
        try:
            report = upgrade_database(engine)
        except DBAPIError as exc:
            engine.dispose()
            where = url.render_as_string(hide_password=True)
            raise StorageError(f"Cannot open the database {where}: {exc.orig}") from exc
        except Exception:
            engine.dispose()
            raise
        db = cls(engine, report)
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
        """A session whose work is committed at the end of the block, or rolled back on error."""
        with self._sessions() as session, session.begin():
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
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
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
