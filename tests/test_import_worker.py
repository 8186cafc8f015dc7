"""A big CSV is read and checked in a worker process while this one writes: same result, and
errors, cancels and a dying worker leave the database as it was."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import signal
import time
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from sqlalchemy import func, select

from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.importing import pipeline
from scrutiny_app.services import importer, panels
from scrutiny_app.services.progress import Cancelled, CancelToken
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ImportBatch

MAPPING = {
    "Crime Ref": "column:reference",
    "Offender Name": "field:subject_name",
    "Offence": "field:offence",
    "Disposal": "field:disposal_type",
    "Date of Offence": "column:occurred_at",
    "Gravity": "field:gravity_score",
    "Admitted": "field:admission",
    "Area": "column:area",
    "Officer notes": "extra:Officer notes",
}


def force_csv(path: Path, n: int) -> Path:
    """An OOCD extract with problems (a duplicate, a bad date) and warnings (odd values)."""
    lines = [",".join(MAPPING)]
    for i in range(n):
        ref = "AS/26/00007" if i == 40 else f"AS/26/{i:05d}"
        date = "31/02/2026" if i == 77 else f"{1 + i % 28:02d}/08/2026 14:30"
        gravity = "high" if i % 50 == 3 else str(i % 4 + 1)
        disposal = ["Community resolution", "CC", "Comunity resolution"][i % 3]
        admitted = ["yes", "no", "maybe", ""][i % 4]
        lines.append(
            f'{ref},Name {i},Theft,{disposal},{date},{gravity},{admitted},Bristol,"note, {i}"'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def new_db(tmp_path: Path, name: str, template: str) -> tuple[Database, int]:
    db = Database.open(tmp_path / f"{name}.db")
    pid = panels.create_panel(db, template, "Panel", code="P")
    return db, panels.create_meeting(db, pid, dt.date(2026, 10, 14), "theme")


def stored(db: Database) -> list[tuple]:
    with db.session() as s:
        return [
            (c.source_row, c.occurred_at, c.area, c.gender, c.ethnicity_group, c.fields)
            for c in s.scalars(select(Case).order_by(Case.id))
        ]


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return s.scalar(select(func.count(Case.id))), s.scalar(select(func.count(ImportBatch.id)))


@pytest.mark.parametrize("kind", ["police", "force"])
def test_the_worker_imports_exactly_what_the_single_process_does(tmp_path: Path, kind: str) -> None:
    if kind == "police":
        path, template, kw = FILE_2019_01, "stop_search", {}
    else:
        path = force_csv(tmp_path / "extract.csv", 400)
        template, kw = "oocd", {"mapping": MAPPING, "skip_invalid": True}
    results = {}
    for worker in (False, True):
        db, meeting = new_db(tmp_path, f"w{worker}", template)
        result = importer.import_file(db, meeting, path, chunk_rows=64, worker=worker, **kw)
        results[worker] = (result, stored(db))
        db.close()
    (single, single_rows), (piped, piped_rows) = results[False], results[True]
    assert piped_rows == single_rows and len(piped_rows) == single.rows_imported > 0
    assert piped.rows_read == single.rows_read
    assert [str(p) for p in piped.problems] == [str(p) for p in single.problems]
    assert piped.warnings == single.warnings
    assert piped.tidied == single.tidied
    if kind == "force":
        assert piped.tidied == [("Disposal", "CC", "Conditional caution", 133)]
        assert [p.row for p in piped.problems] == [42, 79]  # the duplicate and 31 February
        assert any("'Comunity resolution' in 133 rows" in w for w in piped.warnings)


def test_errors_cross_from_the_worker_whole() -> None:
    """What the worker raises reaches the importer with its file, row and column."""
    problem = InputProblem("a cell of 40,000 characters", file="x.csv", row=12, column="Notes")
    back = pickle.loads(pickle.dumps(pipeline._portable(problem)))
    assert type(back) is InputProblem
    assert (back.file, back.row, back.column, str(back)) == ("x.csv", 12, "Notes", str(problem))
    missing = pickle.loads(pickle.dumps(pipeline._portable(FileNotFoundError(2, "gone"))))
    assert isinstance(missing, UserError) and "could not be read" in str(missing)
    bug = pickle.loads(pickle.dumps(pipeline._portable(ZeroDivisionError("x"))))
    assert type(bug) is RuntimeError and "ZeroDivisionError" in str(bug)


def test_cancel_stops_the_worker_and_writes_nothing(tmp_path: Path) -> None:
    db, meeting = new_db(tmp_path, "cancel", "stop_search")
    token = CancelToken()
    seen = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(message)
        if "rows read" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        importer.import_file(
            db, meeting, FILE_2019_01, worker=True, chunk_rows=20, progress=progress, cancel=token
        )
    assert counts(db) == (0, 0)
    assert not multiprocessing.active_children()
    assert seen


@pytest.mark.timeout(120)
@pytest.mark.parametrize("chunk_rows", [10, 3000])
def test_a_worker_that_dies_is_reported_and_nothing_is_written(
    tmp_path: Path, chunk_rows: int
) -> None:
    """Killed between chunks, or (big chunks) halfway through sending one: the import says
    so instead of waiting for ever, and writes nothing."""
    from benchmarks import generate

    path = tmp_path / "big.csv"
    generate.write_csv(path, 12_000)
    db, meeting = new_db(tmp_path, "killed", "stop_search")

    def progress(done: int, total: int, message: str) -> None:
        if "rows read" in message:
            time.sleep(1)  # the worker has the next chunk ready and is sending it
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    with pytest.raises(UserError, match="stopped unexpectedly"):
        importer.import_file(
            db, meeting, path, worker=True, chunk_rows=chunk_rows, progress=progress
        )
    assert counts(db) == (0, 0)
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("worker", [False, True])
def test_progress_runs_towards_the_files_row_count(tmp_path: Path, worker: bool) -> None:
    db, meeting = new_db(tmp_path, f"progress{worker}", "stop_search")
    seen: list[tuple[int, int, str]] = []
    importer.import_file(
        db, meeting, FILE_2019_01, chunk_rows=100, worker=worker,
        progress=lambda done, total, message: seen.append((done, total, message)),
    )  # fmt: skip
    percents = [done for done, total, _ in seen if total == 100]
    assert percents == sorted(percents) and percents[-1] == 100
    assert 90 <= percents[-2] < 100 and percents[0] < 50
    assert seen[-2][2] == "519 of 519 rows read"
