"""Shared fixtures for the core tests (no Qt here: the GUI tests live in tests/gui)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from scrutiny_app.services import panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import BatchSortRanks

DATA = Path(__file__).parent / "data"
STOP_SEARCH_FILES = sorted(DATA.glob("*-stop-and-search.csv"))
FILE_2019_01 = DATA / "2019-01-avon-and-somerset-stop-and-search.csv"


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the developer's real database: point the default location at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("SCRUTINY_DB", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "test.db")
    yield database
    database.close()


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
