"""Open a database at the schema this version understands.

- a new (empty) database is created by running every migration;
- an older one is copied to a backup beside it, then upgraded;
- one written by a newer version (a schema revision this version does not know) is refused;
- a file that is not a scrutiny database is refused, and left untouched.

Also a small developer entry point: ``python -m scrutiny_app.storage.migrate revision "msg"``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from scrutiny_app import __version__
from scrutiny_app.paths import migrations_dir
from scrutiny_app.storage.engine import StorageError, engine_passphrase, restrict, sqlite_path

if TYPE_CHECKING:  # alembic is loaded only to upgrade (a database already at head: never)
    from alembic.config import Config

log = logging.getLogger(__name__)


class DatabaseTooNew(StorageError):
    """The database was written by a newer version of the app."""


class NotAScrutinyDatabase(StorageError):
    """The file holds tables but no schema revision of ours."""


@dataclass(frozen=True)
class UpgradeReport:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def upgraded(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config(script_location: Path | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or migrations_dir()))
    return cfg


_REVISION = re.compile(r'^revision\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.MULTILINE)
_DOWN = re.compile(r'^down_revision\s*(?::[^=]*)?=\s*(?:["\']([^"\']+)["\']|None)', re.MULTILINE)


@lru_cache(maxsize=8)
def head_revision(script_location: Path | None = None) -> str:
    """The newest schema revision, read from the migration files' headers (no alembic import:
    opening a database that is up to date must not pay for it; a test checks alembic agrees)."""
    versions = Path(script_location or migrations_dir()) / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads; merge them")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None: not stamped, e.g. a new empty file)."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def backup_sqlite(path: Path, revision: str | None, passphrase: str | None = None) -> Path:
    """Copy a SQLite database (WAL included) with the online backup API; an encrypted one
    (``passphrase``) to a copy encrypted with the same passphrase. Readable by the user only."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{revision or 'none'}-{stamp}")
    if passphrase is not None:
        from scrutiny_app.storage.encryption import backup_encrypted

        return backup_encrypted(path, passphrase, target)
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    restrict(target)
    return target


def upgrade_database(engine: Engine, script_location: Path | None = None) -> UpgradeReport:
    """Bring ``engine``'s database to the head revision (see the module docstring)."""
    head = head_revision(script_location)
    current = current_revision(engine)
    if current == head:  # the usual case: nothing to load, nothing to write
        return UpgradeReport(current, head, None)
    from alembic.script import ScriptDirectory

    cfg = alembic_config(script_location)
    script = ScriptDirectory.from_config(cfg)

    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables - {"alembic_version"}:
            raise NotAScrutinyDatabase(
                f"{engine.url.render_as_string(hide_password=True)} is not a scrutiny database "
                f"(it holds other tables: {', '.join(sorted(tables)[:5])}). It was left unchanged."
            )
    else:
        try:
            script.get_revision(current)
        except Exception:
            raise DatabaseTooNew(
                f"This database was written by a newer version of Scrutiny (schema {current}); "
                f"this version ({__version__}) understands schema {head} and older. "
                "Install the newer version to open it. The file was left unchanged."
            ) from None

    backup = None
    path = sqlite_path(engine.url)
    if current is not None and path is not None:
        backup = backup_sqlite(path, current, engine_passphrase(engine))
        log.info("backed up %s to %s before upgrading from %s", path, backup, current)
    _run_upgrade(engine, cfg)
    return UpgradeReport(current, head, backup)


def _run_upgrade(engine: Engine, cfg: Config) -> None:
    """Run the migrations in one transaction.

    On SQLite, batch migrations copy a table, drop the old one and rename the copy; with foreign
    keys enforced, the drop would cascade-delete every child row. So foreign keys are switched
    off for the upgrade (the pragma only works outside a transaction) and checked before commit.
    """
    from alembic import command

    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        if sqlite:
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StorageError(
                            f"The upgrade would break {len(broken)} reference(s) (first: "
                            f"{broken[0]}); it was rolled back and the database is unchanged."
                        )
        finally:
            if sqlite:
                assert raw is not None
                raw.execute("PRAGMA foreign_keys = ON")


def _make_revision(message: str) -> None:  # pragma: no cover - developer tool
    import tempfile

    from alembic import command

    from scrutiny_app.storage.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "autogen.db")
        upgrade_database(engine)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 3 and sys.argv[1] == "revision":
        _make_revision(sys.argv[2])
    else:
        print('usage: python -m scrutiny_app.storage.migrate revision "message"', file=sys.stderr)
        raise SystemExit(2)
