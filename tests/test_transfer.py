"""Moving a whole database between a laptop's SQLite file and a PostgreSQL server, and back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.errors import UserError
from scrutiny_app.services import audit_trail, panels
from scrutiny_app.services.demo import create_demo
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent, Panel
from scrutiny_app.storage.scratch_server import ScratchServer
from scrutiny_app.storage.transfer import copy_database, tables


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Database.open(path) as db:
        create_demo(db)
    return path


def everything(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order."""
    out: dict[str, list[dict[str, Any]]] = {}
    with db.engine.connect() as conn:
        for table in tables():
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [
                dict(r) for r in conn.execute(select(table).order_by(*order)).mappings()
            ]
    return out


def fresh(server: ScratchServer, name: str) -> str:
    server.drop_database(name)
    return server.create_database(name).render_as_string(hide_password=False)


def test_the_demo_goes_to_the_server_and_back_unchanged(
    demo_file: Path, pg_server: ScratchServer, tmp_path: Path
) -> None:
    with Database.open(demo_file, create=False) as source:
        before = everything(source)
        with Database.open(fresh(pg_server, "copy_to")) as server_db:
            result = copy_database(source, server_db)
            on_server = everything(server_db)
            assert audit_trail.verify(server_db).ok
            back_path = tmp_path / "back.db"
            with Database.open(back_path, passphrase="laptop passphrase") as back:
                copy_database(server_db, back)
                came_back = everything(back)
                assert back.encrypted and audit_trail.verify(back).ok
    assert result.rows["cases"] > 100 and result.rows["audit_events"] > 50
    assert {t: len(r) for t, r in before.items()} == {t: len(r) for t, r in on_server.items()}
    for table in before:  # every table, row for row, ids and uuids included
        assert on_server[table] == before[table], table
        assert came_back[table] == before[table], table


def test_the_server_copy_goes_on_with_new_ids_after_the_copied_ones(
    demo_file: Path, pg_server: ScratchServer
) -> None:
    with (
        Database.open(demo_file, create=False) as source,
        Database.open(fresh(pg_server, "copy_on")) as target,
    ):
        copy_database(source, target)
        with target.session() as s:
            top = max(s.scalars(select(Panel.id)))
        pid = panels.create_panel(target, "oocd", "A panel made on the server")
        mid = panels.create_meeting(target, pid, dt.date(2027, 1, 14), "First on the server")
        assert pid == top + 1 and mid > 0
        assert audit_trail.verify(target).ok


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(
    demo_file: Path, tmp_path: Path
) -> None:
    with Database.open(tmp_path / "busy.db") as busy:
        panels.create_panel(busy, "oocd", "Someone's own panel")
        kept = everything(busy)
        with (
            Database.open(demo_file, create=False) as source,
            pytest.raises(UserError, match="already holds data"),
        ):
            copy_database(source, busy)
        assert everything(busy) == kept


def test_the_copy_command_moves_a_laptop_file_to_the_server(
    demo_file: Path, pg_server: ScratchServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh(pg_server, "copy_cli")
    assert main(["copy", "--from", str(demo_file), "--to", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Copied ") and "from " + str(demo_file) in out
    with Database.open(url, create=False) as db:
        assert audit_trail.verify(db).ok
        with db.session() as s:
            last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.action == "copy"
        assert last.details["source"] == str(demo_file)
    # Again into the same database: refused in one line, exit 2.
    assert main(["copy", "--from", str(demo_file), "--to", url]) == 2
    assert "already holds data" in capsys.readouterr().err
