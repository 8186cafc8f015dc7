"""A killed import leaves nothing running: the reading worker (and multiprocessing's resource
tracker) end within seconds of their parent's SIGKILL, even while the worker is blocked
sending a chunk into the full pipe."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FILE_2019_01

from scrutiny_app.importing import pipeline
from scrutiny_app.services import panels
from scrutiny_app.storage import Database

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

REPO = Path(__file__).resolve().parents[1]
COPIES = 450  # of the 519 data rows: 233,550 rows, three of the import's 100,000-row chunks
WRITING = 1 << 20  # a WAL this big: the parent is writing the first chunk, the worker sending


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of ``pid``, None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name, in brackets, may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid``, with its start time (a pid can be reused)."""
    stats = {int(p): _stat(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    found: dict[int, int] = {}
    parents = [pid]
    while parents:
        parent = parents.pop()
        for child, stat in stats.items():
            if stat is not None and stat[1] == parent and child not in found:
                found[child] = stat[2]
                parents.append(child)
    return found


def _running(processes: dict[int, int]) -> dict[int, int]:
    """Those of ``processes`` still running: neither gone nor a zombie."""
    out = {}
    for pid, started in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[2] == started and stat[0] != "Z":
            out[pid] = started
    return out


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _big_extract(path: Path) -> Path:
    header, *rows = FILE_2019_01.read_text(encoding="utf-8").splitlines(keepends=True)
    body = "".join(rows)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        for _ in range(COPIES):
            fh.write(body)
    return path


@pytest.mark.timeout(90)
def test_a_killed_import_leaves_no_process_behind(tmp_path: Path) -> None:
    db_path = tmp_path / "killed.db"
    db = Database.open(db_path)
    panel = panels.create_panel(db, "stop_search", "Powers", code="PP")
    meeting = panels.create_meeting(db, panel, dt.date(2019, 3, 14), "Drugs searches")
    db.close()
    extract = _big_extract(tmp_path / "big.csv")
    assert pipeline.wants_worker(extract, None)
    wal = Path(f"{db_path}-wal")
    stderr = tmp_path / "stderr.txt"
    env = os.environ | {"SCRUTINY_IMPORT_WORKER": "1"}
    command = [sys.executable, "-m", "scrutiny_app", "import", "--db", str(db_path)]
    with stderr.open("wb") as err:
        parent = subprocess.Popen(
            [*command, "--meeting", str(meeting), str(extract)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    below: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while not (wal.exists() and wal.stat().st_size >= WRITING):
            below |= _descendants(parent.pid)
            assert parent.poll() is None, f"the import ended first:\n{stderr.read_text()}"
            assert time.monotonic() < deadline, "the import did not start writing"
            time.sleep(0.01)
        below |= _descendants(parent.pid)
        assert any("spawn_main" in _command(pid) for pid in _running(below)), below
        parent.kill()
        killed = time.monotonic()
        parent.wait()
        while _running(below) and time.monotonic() - killed < 3:
            time.sleep(0.05)
        left = {pid: _command(pid) for pid in _running(below)}
        assert not left, f"still running 3 s after the import was killed: {left}"
    finally:
        parent.kill()
        for pid in _running(below):
            os.kill(pid, signal.SIGKILL)
        extract.unlink()
