"""The database as the product's memory: engine settings, schema, times, ids, refusals."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from scrutiny_app.location import default_db_path, resolve_location
from scrutiny_app.storage import Database, DatabaseTooNew, NotAScrutinyDatabase, StorageError
from scrutiny_app.storage.engine import make_engine, to_url
from scrutiny_app.storage.migrate import head_revision
from scrutiny_app.storage.models import AuditEvent, Base, Meeting, Panel, PanelTemplate


@pytest.mark.sqlite_only
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(Meeting(panel_id=9999, date=dt.date(2026, 1, 1), theme="orphan"))
    with db.session() as s:
        assert s.scalars(select(Meeting)).all() == []


def test_migrations_build_exactly_the_models_schema(db: Database) -> None:
    """The app never calls create_all: migration 0001+ must produce what the models declare."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_every_entity_table_has_a_stable_uuid(db: Database) -> None:
    insp = inspect(db.engine)
    # Link rows are identified by the UUIDs of the two rows they join; sort ranks are derived
    # from a batch's cases and belong to it (merging databases recomputes them); drafts are
    # one device's unsaved typing, never merged (restored into the record on that device);
    # logins are one server's own roles, keyed by the role's name.
    link_tables = {
        "settings", "alembic_version", "recommendation_cases", "case_tags", "batch_sort_ranks",
        "meeting_batches", "batch_members", "text_drafts", "logins",
    }  # fmt: skip
    for table in set(insp.get_table_names()) - link_tables:
        columns = {c["name"] for c in insp.get_columns(table)}
        assert "uuid" in columns, table
        uniques = [u["column_names"] for u in insp.get_unique_constraints(table)]
        assert ["uuid"] in uniques, table


def test_times_are_stored_as_utc_and_read_back_aware(db: Database) -> None:
    from scrutiny_app.services import panels

    pid = panels.create_panel(db, "oocd", "Panel")
    with db.transaction() as s:
        panel = s.get(Panel, pid)
        london_summer = dt.timezone(dt.timedelta(hours=1))
        panel.created_at = dt.datetime(2026, 7, 1, 12, 0, tzinfo=london_summer)
    with db.engine.connect() as conn:  # what the column holds, as the database prints it
        raw = conn.exec_driver_sql("select cast(created_at as text) from panels").scalar()
    assert raw.startswith("2026-07-01 11:00:00")
    with db.session() as s:
        assert s.get(Panel, pid).created_at == dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC)
        assert s.get(Panel, pid).created_at.tzinfo is not None


def test_changes_leave_an_audit_trail(db: Database) -> None:
    from scrutiny_app.services import panels

    pid = panels.create_panel(db, "oocd", "Audited panel", actor="alison")
    with db.session() as s:
        event = s.scalars(select(AuditEvent)).one()
        panel = s.get(Panel, pid)
    assert (event.actor, event.action, event.entity, event.entity_uuid) == (
        "alison",
        "create",
        "panels",
        panel.uuid,
    )


def test_location_precedence_argument_then_environment_then_user_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCRUTINY_DB", str(tmp_path / "env.db"))
    assert resolve_location(tmp_path / "arg.db") == str(tmp_path / "arg.db")
    assert resolve_location(None) == str(tmp_path / "env.db")
    monkeypatch.delenv("SCRUTINY_DB")
    assert resolve_location(None) == str(default_db_path())
    assert "scrutiny-app" in str(default_db_path())


def test_default_location_is_created_in_the_user_data_folder() -> None:
    with Database.open() as db:
        assert db.path == default_db_path().resolve()
        assert db.path.exists()


def test_postgresql_url_is_accepted_by_the_same_code() -> None:
    engine = make_engine("postgresql+psycopg://scrutiny:secret@db.example/scrutiny")
    assert engine.dialect.name == "postgresql"
    assert engine.url.database == "scrutiny"
    engine.dispose()


def test_unsupported_url_is_refused_with_a_message() -> None:
    with pytest.raises(StorageError, match="Unsupported database"):
        to_url("mysql://x@y/z")


def test_newer_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    Database.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("update alembic_version set version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        Database.open(path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_a_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table customers (id integer primary key)")
    with pytest.raises(NotAScrutinyDatabase, match="not a scrutiny database"):
        Database.open(path)


def test_a_missing_file_is_not_created_when_not_asked(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="No database at"):
        Database.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_new_database_is_at_head_with_builtin_templates_loaded_on_demand(db: Database) -> None:
    from scrutiny_app.services.templates import list_templates

    assert db.upgrade.to_revision == head_revision()
    assert db.upgrade.backup is None
    keys = [t.key for t in list_templates(db)]
    assert keys == ["oocd", "complaints", "stop_search", "use_of_force", "hate_crime"]
    with db.session() as s:
        assert len(s.scalars(select(PanelTemplate)).all()) == 5
