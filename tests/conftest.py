"""Shared fixtures for the core tests (no Qt here: the GUI tests live in tests/gui)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from scrutiny_app.services import panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import BatchSortRanks
from scrutiny_app.storage.scratch_server import ScratchServer, ServerUnavailable

DATA = Path(__file__).parent / "data"
STOP_SEARCH_FILES = sorted(DATA.glob("*-stop-and-search.csv"))
FILE_2019_01 = DATA / "2019-01-avon-and-somerset-stop-and-search.csv"


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the developer's real database: point the default location at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("SCRUTINY_DB", raising=False)


# Each core test that uses a database runs twice: on a SQLite file and on a PostgreSQL server
# this session starts (scrutiny_app.storage.scratch_server). `make test` sets
# SCRUTINY_TEST_POSTGRES=required: there, no server is a failure, not a skip.
POSTGRES_REQUIRED = os.environ.get("SCRUTINY_TEST_POSTGRES") == "required"
TEMPLATE = "scrutiny_template"  # migrated once; each test's database is a copy of it
_names = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``backend`` (and so ``db``): both backends for the core tests; SQLite only for the GUI
    tests and for a test marked ``sqlite_only`` (a SQLite file's own behaviour)."""
    if "backend" not in metafunc.fixturenames:
        return
    backends = ["sqlite"]
    gui = "gui" in Path(str(metafunc.definition.path)).parent.parts
    if not gui and metafunc.definition.get_closest_marker("sqlite_only") is None:
        backends.append("postgresql")
    metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ScratchServer]:
    try:
        server = ScratchServer().start()
    except ServerUnavailable as exc:
        if POSTGRES_REQUIRED:
            raise
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        # A British server's collation ("a" < "B"), unlike SQLite's code point order: the
        # app must ask for the order it means where it matters (case_list._sort_exprs).
        server.create_database(TEMPLATE, icu_locale="en-GB")
        Database.open(server.url(TEMPLATE)).close()
        yield server
    finally:
        server.stop()


def open_scratch(request: pytest.FixtureRequest, backend: str, folder: Path) -> Database:
    """A new, empty database on ``backend`` for a fixture of any scope (closed, and on the
    server dropped, when that fixture ends). Module-scoped fixtures take ``params=BACKENDS``."""
    if backend == "sqlite":
        database = Database.open(folder / "test.db")
    else:
        server: ScratchServer = request.getfixturevalue("pg_server")
        name = f"test_{next(_names)}"
        database = Database.open(server.create_database(name, template=TEMPLATE))
        request.addfinalizer(lambda: server.drop_database(name))
    request.addfinalizer(database.close)
    return database


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    if backend == "sqlite":
        database = Database.open(tmp_path / "test.db")
        yield database
        database.close()
        return
    server: ScratchServer = request.getfixturevalue("pg_server")
    name = f"test_{next(_names)}"
    database = Database.open(server.create_database(name, template=TEMPLATE))
    yield database
    database.close()
    server.drop_database(name)


@pytest.fixture
def stop_search_meeting(db: Database) -> int:
    """An empty police powers meeting; returns its id."""
    pid = panels.create_panel(
        db, "stop_search", "Police Powers Panel", force="Avon and Somerset", code="SOPP"
    )
    return panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs searches")


@contextmanager
def ranks_set_aside(db: Database) -> Iterator[int]:
    """The sort ranks stored at import taken away for the block (so the code falls back to
    its SQL path) and put back after; yields how many there were."""
    with db.transaction() as s:
        saved = [
            {c.name: getattr(r, c.name) for c in BatchSortRanks.__table__.columns}
            for r in s.scalars(select(BatchSortRanks))
        ]
        s.execute(delete(BatchSortRanks))
    try:
        yield len(saved)
    finally:
        if saved:
            with db.transaction() as s:
                s.execute(insert(BatchSortRanks), saved)
