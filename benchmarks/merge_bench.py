"""Merging members' returns (issue 12): ten members' returns for an 80-case meeting.

The figure is what the officer waits for: reading and checking the ten returns, then merging
them in one transaction. The baseline, measured in the same run on a copy of the same
database, is the same 800 views recorded one by one through ``session.record_view`` (what
typing them in at the desk does). Target: under 2 seconds.

    python -m benchmarks.merge_bench
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from scrutiny_app.packs import merge
from scrutiny_app.packs.export import make_pack
from scrutiny_app.packs.member import MemberPack
from scrutiny_app.paths import resource
from scrutiny_app.services import cases, importer, panels, sampling, session
from scrutiny_app.storage import Database

MEMBERS, CASES, TARGET = 10, 80, 2.0
OUTCOMES = ("green", "amber", "red")


def _copy(src: Path, dest: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


def _prepare(work: Path) -> tuple[Path, list[Path], int]:
    office = work / "merge.db"
    db = Database.open(office)
    panel = panels.create_panel(db, "stop_search", "Police Powers Panel", code="PP")
    meeting = panels.create_meeting(db, panel, dt.date(2026, 12, 10), "Merge benchmark")
    importer.import_stop_search(
        db, meeting, resource("data", "2019-01-avon-and-somerset-stop-and-search.csv")
    )
    sampling.draw_sample(db, meeting, CASES, seed=12)
    members = [panels.add_member(db, panel, f"Member {i + 1}") for i in range(MEMBERS)]
    returns = []
    for i, member in enumerate(members):
        path = work / f"{i}.scrutiny"
        make_pack(db, meeting, member, path, "benchmark passphrase", kdf_n=2**10)
        pack = MemberPack.open(path, "benchmark passphrase")
        for j, c in enumerate(pack.cases()):
            pack.payload["work"][c.uuid] = {
                "view": {
                    "outcome_code": OUTCOMES[(i + j) % 3],
                    "note": f"Member {i + 1}'s note on {c.reference}",
                    "answers": {},
                },
                "interest": None,
                "seconds": 60 + j,
                "counter": 1,
                "updated_at": "2026-12-09T10:00:00+00:00",
            }
        pack.save()
        returns.append(pack.write_return(work / f"{i}.ret").path)
    db.close()
    return office, returns, meeting


def measure() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        office, returns, meeting = _prepare(work)

        merged = _copy(office, work / "merged.db")
        with Database.open(merged) as db:
            start = time.perf_counter()
            previews = [merge.read_return(db, p, meeting_id=meeting) for p in returns]
            result = merge.merge_returns(db, previews, actor="bench")
            seconds = time.perf_counter() - start
            assert result.applied == MEMBERS * CASES, result

        typed = _copy(office, work / "typed.db")
        with Database.open(typed) as db:
            members = [
                m.id for m in panels.list_members(db, panels.meeting_info(db, meeting).panel_id)
            ]
            items = [r.item_id for r in cases.meeting_cases(db, meeting).rows]
            for m in members:
                panels.set_attendance(db, meeting, m, present=True)
            start = time.perf_counter()
            for i, m in enumerate(members):
                for j, item in enumerate(items):
                    session.record_view(
                        db, item, m, outcome_code=OUTCOMES[(i + j) % 3], note=f"note {i} {j}"
                    )
            baseline = time.perf_counter() - start
    return [
        {
            "name": f"merge {MEMBERS} returns, {CASES}-case meeting",
            "seconds": seconds,
            "baseline_seconds": baseline,
            "ratio": seconds / baseline,
            "target": f"< {TARGET:g} s (baseline: {MEMBERS * CASES} views typed)",
            "ok": seconds < TARGET,
        }
    ]


def measure_median(runs: int = 3) -> list[dict]:
    """``measure`` three times; the row of the run with the median ratio, and every ratio."""
    rows = [measure()[0] for _ in range(runs)]
    ratios = [r["ratio"] for r in rows]
    middle = statistics.median_low(ratios)
    row = rows[ratios.index(middle)]
    return [{**row, "ratios": ratios}]


def run(_workdir: Path | None = None) -> list[dict]:
    return measure_median()


if __name__ == "__main__":
    for row in measure_median():
        print(
            f"{row['name']}: {row['seconds']:.3f} s; the same views recorded one by one: "
            f"{row['baseline_seconds']:.3f} s; ratio {row['ratio']:.2f} "
            f"(target < {TARGET:g} s): {'ok' if row['ok'] else 'NOT MET'}"
        )
