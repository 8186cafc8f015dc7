"""Open a database at the schema this version understands.

- a new (empty) database is created by running every migration;
- an older one is copied to a backup beside it, then upgraded;
- one written by a newer version (a schema revision this version does not know) is refused;
- a file that is not a scrutiny database is refused, and left untouched.

Also a small developer entry point: ``python -m scrutiny_app.storage.migrate revision "msg"``.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from scrutiny_app import __version__
from scrutiny_app.paths import migrations_dir
from scrutiny_app.storage.engine import StorageError, sqlite_path

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
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or migrations_dir()))
    return cfg


def head_revision(script_location: Path | None = None) -> str:
    script = ScriptDirectory.from_config(alembic_config(script_location))
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads; merge them")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy a SQLite database (WAL included) with the online backup API."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{revision or 'none'}-{stamp}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade_database(engine: Engine, script_location: Path | None = None) -> UpgradeReport:
    """Bring ``engine``'s database to the head revision (see the module docstring)."""
    cfg = alembic_config(script_location)
    script = ScriptDirectory.from_config(cfg)
    head = head_revision(script_location)
    current = current_revision(engine)

    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables - {"alembic_version"}:
            raise NotAScrutinyDatabase(
                f"{engine.url.render_as_string(hide_password=True)} is not a scrutiny database "
                f"(it holds other tables: {', '.join(sorted(tables)[:5])}). It was left unchanged."
            )
    elif current == head:
        return UpgradeReport(current, head, None)
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
        backup = backup_sqlite(path, current)
        log.info("backed up %s to %s before upgrading from %s", path, backup, current)
    _run_upgrade(engine, cfg)
    return UpgradeReport(current, head, backup)


def _run_upgrade(engine: Engine, cfg: Config) -> None:
    """Run the migrations in one transaction.

    On SQLite, batch migrations copy a table, drop the old one and rename the copy; with foreign
    keys enforced, the drop would cascade-delete every child row. So foreign keys are switched
    off for the upgrade (the pragma only works outside a transaction) and checked before commit.
    """
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
