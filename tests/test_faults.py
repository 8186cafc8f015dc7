"""Under faults (issue 10, items 1 and 4): two writers wait for each other instead of failing
with "database is locked"; a read-only file, a full disk and a damaged file are one line that
says what to do, with nothing half written; opening writes nothing; an empty file is refused."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from sqlalchemy import event, func, select

from benchmarks.generate import write_csv
from scrutiny_app.services import cases, importer, panels, sampling, session
from scrutiny_app.storage import Database, StorageError
from scrutiny_app.storage.models import AuditEvent, PanelJudgement

REPO = Path(__file__).parents[1]

WRITER = textwrap.dedent(
    """
    import sys
    from scrutiny_app.services import session
    from scrutiny_app.storage import Database

    path, ids, writes = sys.argv[1], [int(i) for i in sys.argv[2].split(",")], int(sys.argv[3])
    db = Database.open(path, create=False)
    failures = 0
    for n in range(writes):
        try:
            session.save_decision(
                db, ids[n % len(ids)], outcome_code=("green", "amber")[n % 2],
                observations=f"write {n}",
            )
        except Exception as exc:
            failures += 1
            print(type(exc).__name__, exc, file=sys.stderr)
    print(failures)
    """
)


def _powers_meeting(db: Database, sample: int) -> list[int]:
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    importer.import_file(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, sample, seed=1)
    return [r.item_id for r in cases.meeting_cases(db, mid).rows]


def test_four_writers_on_one_file_never_fail(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    db = Database.open(path)
    items = _powers_meeting(db, 40)
    db.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), ",".join(map(str, items[i::4])), "200"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    failures = [int(out.strip() or -1) for out, _err in results]
    assert failures == [0, 0, 0, 0], [err[-500:] for _out, err in results]
    db = Database.open(path)
    with db.session() as s:
        assert s.scalar(select(func.count(PanelJudgement.id))) == 40
        saves = s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.entity == "panel_judgements")
        )
    db.close()
    assert saves == 800  # every write landed, and was audited


def test_a_judgement_while_a_big_import_runs_waits_or_says_so(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    db = Database.open(path)
    [item] = _powers_meeting(db, 1)
    ref = cases.meeting_cases(db, cases_meeting := 1).rows[0].reference
    pid = panels.create_panel(db, "stop_search", "Powers 2", code="P2")
    big_meeting = panels.create_meeting(db, pid, dt.date(2025, 6, 1), "A year")
    db.close()
    big = write_csv(tmp_path / "year.csv", 500_000)
    cli = [sys.executable, "-m", "scrutiny_app"]
    importing = subprocess.Popen(
        [*cli, "import", "--db", str(path), "--meeting", str(big_meeting), str(big)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _wait_for_the_write_lock(path, importing)
    # The officer records a judgement in the app while the import holds the write lock.
    db = Database.open(path, create=False)
    started = time.monotonic()
    try:
        session.save_decision(db, item, outcome_code="amber", observations="Grounds recorded.")
        saved: StorageError | None = None
    except StorageError as exc:  # the import held it for longer than the busy timeout
        saved = exc
    waited = time.monotonic() - started
    _out, err = importing.communicate(timeout=300)
    assert importing.returncode == 0, err
    if saved is None:  # it waited for the import to commit, then wrote
        assert importing.returncode == 0 and waited > 0.2
    else:
        assert "is busy" in str(saved) and waited >= 9
    with db.session() as s:
        judgement = s.scalar(select(PanelJudgement).where(PanelJudgement.meeting_case_id == item))
    db.close()
    assert (judgement is not None) == (saved is None)
    # And the command line says the same in one line (nothing is running now: it writes).
    judged = subprocess.run(
        [*cli, "judge", "--db", str(path), "--meeting", str(cases_meeting), "--case", ref,
         "--outcome", "red"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert judged.returncode == 0 and "Traceback" not in judged.stderr


def _wait_for_the_write_lock(path: Path, process: subprocess.Popen[str]) -> None:
    """Return once ``process`` holds the database's write lock (its import is writing)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return
            raise
        finally:
            conn.close()
        time.sleep(0.05)
    raise AssertionError("the import never took the write lock")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrutiny_app", *args], cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    db = Database.open(path)
    _powers_meeting(db, 2)
    ref = cases.meeting_cases(db, 1).rows[0].reference
    db.close()
    path.chmod(0o444)
    done = _cli("judge", "--db", str(path), "--meeting", "1", "--case", ref, "--outcome", "red")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "read-only" in done.stderr


def test_a_read_only_database_is_one_line_for_root_too(tmp_path: Path) -> None:
    """Root ignores file modes, so make SQLite see the file as read-only (query_only gives
    SQLite's own "attempt to write a readonly database"): the same message."""
    path = tmp_path / "ro.db"
    db = Database.open(path)
    items = _powers_meeting(db, 2)

    @event.listens_for(db.engine, "connect")
    def _read_only(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA query_only = ON")

    db.engine.dispose()
    with pytest.raises(StorageError, match="read-only: nothing was changed"):
        session.save_decision(db, items[0], outcome_code="red")
    db.close()


def test_a_full_disk_is_one_line_and_nothing_half_written(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    db = Database.open(path)
    items = _powers_meeting(db, 2)
    with db.session() as s:
        pages = s.connection().exec_driver_sql("PRAGMA page_count").scalar()
    db.close()
    # SQLite's max_page_count is how a full disk looks to it: "database or disk is full".
    db = Database.open(path, create=False)

    @event.listens_for(db.engine, "connect")
    def _cap(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    with pytest.raises(StorageError, match="is full: nothing was changed"):
        session.save_decision(db, items[0], outcome_code="red", observations="x" * 200_000)
    with db.session() as s:
        assert s.scalar(select(func.count(PanelJudgement.id))) == 0
    db.close()


def test_a_damaged_database_is_refused_naming_its_latest_backup(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    db = Database.open(path)
    _powers_meeting(db, 2)
    db.close()
    backup = tmp_path / "damaged.db.backup-0006-20261201T100000Z"
    shutil.copy(path, backup)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    for page in range(3, min(12, len(data) // size)):  # scribble over a run of b-tree pages
        data[page * size : page * size + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    done = _cli("cases", "--db", str(path), "--meeting", "1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is damaged" in done.stderr and str(backup) in done.stderr
    assert path.read_bytes() == before  # nothing written to it


def test_opening_writes_nothing_and_an_empty_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    Database.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = path.stat().st_mtime_ns
    before = path.read_bytes()
    time.sleep(0.01)
    Database.open(path, create=False).close()
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    empty = tmp_path / "empty.db"
    empty.touch()
    done = _cli("meetings", "--db", str(empty))
    assert done.returncode == 2 and "empty file, not a scrutiny database" in done.stderr
    assert empty.stat().st_size == 0
    assert _cli("demo", "--db", str(empty)).returncode == 0  # asked to create one there
    folder = _cli("meetings", "--db", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr


def test_a_folder_given_as_the_extract_is_named_as_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = Database.open(path)
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    db.close()
    done = _cli("import", "--db", str(path), "--meeting", "1", str(tmp_path))
    assert done.returncode == 2 and "is a folder, not a file" in done.stderr
