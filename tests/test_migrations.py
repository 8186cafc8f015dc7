"""Every released schema version upgrades to the current one, with a backup, keeping its data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from scrutiny_app.domain.ethnicity import broad_group
from scrutiny_app.paths import migrations_dir
from scrutiny_app.services import cases, panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.engine import make_engine
from scrutiny_app.storage.migrate import head_revision, upgrade_database

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "databases").glob("schema-*.db"))


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("select version_num from alembic_version").fetchone()[0]


def test_there_is_a_fixture_for_the_current_schema() -> None:
    assert f"schema-{head_revision()}.db" in {p.name for p in FIXTURES}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_each_released_schema_upgrades_and_keeps_its_data(fixture: Path, tmp_path: Path) -> None:
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    original = row_counts(path)
    old_revision = revision_of(path)

    with Database.open(path) as db:
        assert revision_of(path) == head_revision()
        if old_revision != head_revision():
            backup = db.upgrade.backup
            assert backup is not None and backup.parent == path.parent
            assert revision_of(backup) == old_revision
            assert row_counts(backup) == original
        meetings = [m for p in panels.list_panels(db) for m in p.meetings]
        oocd = next(m for m in meetings if m.theme == "Stalking and harassment")
        counts = {c.outcome.code: c.count for c in cases.meeting_cases(db, oocd.id).counts()}
        assert counts == {
            "appropriate": 3,
            "appropriate_obs": 8,
            "inappropriate": 12,
            "no_consensus": 1,
        }
    with sqlite3.connect(path) as conn:
        groups = conn.execute(
            "select self_defined_ethnicity, ethnicity_group from cases"
        ).fetchall()
    assert groups and all(group == broad_group(label) for label, group in groups)


NEXT_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "9000_test"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("room", sa.String(50), nullable=False, server_default="HQ"))


def downgrade():
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("room")
"""


def test_an_upgrade_writes_a_backup_first_and_keeps_data(tmp_path: Path) -> None:
    """Simulate the next release: copy the migrations, add one, open today's database with it."""
    scripts = tmp_path / "db"
    shutil.copytree(migrations_dir(), scripts)
    (scripts / "versions" / "9000_test.py").write_text(NEXT_MIGRATION.format(head=head_revision()))
    path = tmp_path / "current.db"
    shutil.copy(FIXTURES[-1], path)
    Database.open(path).close()  # bring the fixture to today's head first
    before = path.read_bytes()

    engine = make_engine(path)
    report = upgrade_database(engine, scripts)
    engine.dispose()

    assert (report.from_revision, report.to_revision) == (head_revision(), "9000_test")
    assert report.backup is not None and report.backup.parent == path.parent
    assert revision_of(report.backup) == head_revision()
    with sqlite3.connect(report.backup) as conn:
        assert conn.execute("select count(*) from cases").fetchone()[0] > 0
    assert before  # the original file was readable before the upgrade
    with sqlite3.connect(path) as conn:
        rooms = conn.execute("select distinct room from meetings").fetchall()
        assert rooms == [("HQ",)]
        assert conn.execute("select count(*) from cases").fetchone()[0] > 0
    assert revision_of(path) == "9000_test"

    # ... and the released app (which only knows today's head) now refuses that database.
    from scrutiny_app.storage import DatabaseTooNew

    with pytest.raises(DatabaseTooNew):
        Database.open(path)


def test_the_head_read_from_the_files_is_alembics_head():
    """Opening a database reads the head from the migration files without loading alembic."""
    from alembic.script import ScriptDirectory

    from scrutiny_app.storage.migrate import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [head_revision()]


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "current.db"
    Database.open(path).close()
    code = (
        "import sys; from scrutiny_app.storage import Database; "
        f"Database.open({str(path)!r}).close(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
