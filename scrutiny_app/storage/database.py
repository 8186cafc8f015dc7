"""The open database: an engine at the current schema plus session helpers."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scrutiny_app import __version__
from scrutiny_app.location import resolve_location
from scrutiny_app.storage import encryption
from scrutiny_app.storage.audit_chain import HEAD_SETTING
from scrutiny_app.storage.engine import (
    WRITE_OPTION,
    DatabaseDamaged,
    StorageError,
    engine_passphrase,
    forget_passphrase,
    make_engine,
    make_private_folder,
    restore_passphrase,
    sqlite_path,
    storage_error,
    to_url,
)
from scrutiny_app.storage.migrate import UpgradeReport, upgrade_database
from scrutiny_app.storage.models import Setting


class Database:
    """An open scrutiny database. Services take one of these and open their own transactions."""

    def __init__(self, engine: Engine, upgrade: UpgradeReport | None = None) -> None:
        self.upgrade = upgrade
        self._bind(engine)

    def _bind(self, engine: Engine) -> None:
        self.engine = engine
        self._encrypted = engine_passphrase(engine) is not None

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Write transactions take the write lock at BEGIN (see engine._on_sqlite_begin).
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)

    def encrypt(
        self, passphrase: str, progress: Callable[[str], None] | None = None
    ) -> encryption.EncryptResult:
        """Encrypt this open, plain SQLite database in place (``encryption.encrypt_file``):
        its connections are closed first and it goes on, encrypted, with ``passphrase``. On a
        failure it goes on as it was, plain."""
        assert self.path is not None and not self._encrypted
        self.engine.dispose()
        result = encryption.encrypt_file(self.path, passphrase, progress)
        old = self.engine
        self._bind(make_engine(self.url, passphrase=passphrase))
        old.dispose()
        return result

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | URL | None = None,
        *,
        create: bool = True,
        replace_empty: bool = False,
        passphrase: str | None = None,
    ) -> Database:
        """Open (creating or upgrading as needed) the database at ``location``.

        ``None`` means ``SCRUTINY_DB`` or the default file in the user data folder. With
        ``create=False`` a SQLite file that does not exist is an error instead of a new database.
        An empty (0-byte) file is refused unless ``replace_empty`` (the user asked to create a
        database there). A SQLite file is checked first (``PRAGMA quick_check``, time-boxed)
        and a damaged one refused, naming its latest backup. Opening an up-to-date database
        writes nothing.

        ``passphrase``: a new SQLite file is created encrypted (SQLCipher) with it; an encrypted
        one needs it (``PassphraseRequired``, ``WrongPassphrase``: one line each, nothing
        written); a plain file opens as it is (``encryption.encrypt_file`` converts it). A new
        file is created readable by the user only, in a folder made 0700 if it is new.
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
        if path is not None and path.exists() and path.stat().st_size == 0 and not replace_empty:
            raise StorageError(
                f"{path} is an empty file, not a scrutiny database. It was left unchanged: "
                "choose another file, or delete it and create a new database there."
            )
        key = None
        if path is not None and path.exists() and path.stat().st_size > 0:
            if encryption.is_encrypted(path):
                if passphrase is None:
                    raise encryption.PassphraseRequired(
                        f"{path} is encrypted: give its passphrase (the app asks for it; the "
                        "command line reads it from --passphrase-file FILE or the file "
                        "$SCRUTINY_PASSPHRASE_FILE names)."
                    )
                check_sqlite(path, passphrase=passphrase)
                encryption.finish_interrupted(path)  # an encrypt stopped after the rename
                key = passphrase
            else:
                check_sqlite(path)
        elif path is not None:
            key = passphrase
        try:
            if path is not None:
                make_private_folder(path.parent)
                _create_private(path)
            engine = make_engine(url, passphrase=key)
        except OSError as exc:
            raise StorageError(f"Cannot create the database {path}: {exc}") from exc
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
    def on_server(self) -> bool:
        """A shared PostgreSQL database (not a SQLite file)."""
        return self.engine.dialect.name == "postgresql"

    @property
    def encrypted(self) -> bool:
        """True for a SQLCipher file (a server database: False; its protection is the server's)."""
        return self._encrypted

    @property
    def locked(self) -> bool:
        return self._encrypted and engine_passphrase(self.engine) is None

    def lock(self) -> bool:
        """Close every connection and drop the passphrase from memory (an encrypted file only;
        False otherwise). Until ``unlock``, any use of the database is ``DatabaseLocked``."""
        return forget_passphrase(self.engine)

    def unlock(self, passphrase: str) -> None:
        """Take the passphrase back after checking it opens the file (``WrongPassphrase``)."""
        assert self.path is not None and self._encrypted
        with encryption.connection(self.path, passphrase, readonly=True):
            pass
        restore_passphrase(self.engine, passphrase)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.engine.url)

    @property
    def location(self) -> str:
        """What opens this database again (``--db``, another process): the SQLite file's path,
        or the server URL with its password."""
        return str(self.path) if self.path else self.url.render_as_string(hide_password=False)

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
            if self.on_server:
                # A server's writers take turns from the start, as SQLite's BEGIN IMMEDIATE
                # makes them: what a write checks first (a case not yet revealed or decided)
                # still holds when it writes. Every write appends to the audit trail under
                # this same row lock anyway, so this costs no throughput.
                session.execute(
                    select(Setting.key).where(Setting.key == HEAD_SETTING).with_for_update()
                )
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
            # No turn-taking lock up front (see transaction): other seats go on while a big
            # file is copied in; the import takes the audit head only at its end.
            with _translated(self), self._write_sessions() as session, session.begin():
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


def _create_private(path: Path) -> None:
    """Create a new database file readable by the user only (SQLite gives its WAL and
    shared-memory files the same permissions)."""
    if os.name != "posix" or path.exists():
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def check_sqlite(
    path: Path, seconds: float = QUICK_CHECK_SECONDS, *, passphrase: str | None = None
) -> None:
    """Refuse a damaged SQLite file (``PRAGMA quick_check``, stopped after ``seconds``: a
    check that runs out of time finds nothing), naming its latest backup. Reads only. An
    encrypted file is checked with its ``passphrase`` (a wrong one: ``WrongPassphrase``)."""
    if passphrase is not None:
        with encryption.connection(path, passphrase, readonly=True) as conn:
            problems = encryption.quick_check(conn, seconds)
    else:
        with path.open("rb") as f:
            header = f.read(16)
        if header != encryption.SQLITE_HEADER:
            raise StorageError(
                f"{path} is not a scrutiny database (not a SQLite file). It was left unchanged."
            )
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return  # cannot even open it read-only: the normal open says why
        try:
            problems = encryption.quick_check(conn, seconds)
        finally:
            conn.close()
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
