"""Seats at once on a shared server: ten members' processes each record 200 views on the same
meeting at the same time (a note and an outcome per case, one service call each), while the
chair reveals and the officer decides each case once its ten views are in.

Reported: views per second over the whole run, p50 and p95 of a view's latency, against the
same 200 views recorded by one member alone on the same server in the same run (the
baseline); errors (a deadlock or a refused write would be one) and lost writes (views or
decisions missing or not the last one written afterwards): both must be 0.

``python -m benchmarks.seats_bench`` runs it alone, on a server it starts.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import func, select

from scrutiny_app.domain.vocab import MemberRole
from scrutiny_app.storage.scratch_server import ScratchServer

WRITERS, VIEWS = 10, 200
OUTCOMES = ("appropriate", "appropriate_obs", "inappropriate")


def _setup(url: str, writers: int, views: int) -> dict[str, Any]:
    from scrutiny_app.services import cases, importer, panels, sampling
    from scrutiny_app.storage import Database

    with Database.open(url) as db:
        pid = panels.create_panel(db, "oocd", "Seats panel", code="OOCD")
        chair = panels.add_member(db, pid, "Chair", role=MemberRole.CHAIR)
        members = [panels.add_member(db, pid, f"Member {i + 1}") for i in range(writers)]
        mid = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Seats")
        for m in (chair, *members):
            panels.set_attendance(db, mid, m, present=True)
        records = [
            {
                "force_reference": f"AS/26/{20000 + i}",
                "occurred_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                "offence": "Harassment",
                "disposal_type": "Community resolution",
                "adult_or_youth": "Adult",
            }
            for i in range(views)
        ]
        importer.import_records(db, mid, records, source_name="seats")
        sampling.draw_sample(db, mid, views, seed=1)
        items = [r.item_id for r in cases.meeting_cases(db, mid).rows]
    return {"meeting": mid, "chair": chair, "members": members, "items": items}


def writer(url: str, member: int, items: list[int], start_at: float) -> dict[str, Any]:
    from scrutiny_app.services import session
    from scrutiny_app.storage import Database

    latencies, errors = [], []
    with Database.open(url, create=False) as db:
        while time.time() < start_at:
            time.sleep(0.005)
        for k, item in enumerate(items):
            t = time.perf_counter()
            try:
                session.record_view(
                    db, item, member, outcome_code=OUTCOMES[(member + k) % 3],
                    note=f"member {member} on item {item}",
                )  # fmt: skip
            except Exception as exc:  # counted: a deadlock or a refusal is a failure
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            latencies.append(time.perf_counter() - t)
    return {"latencies": latencies, "errors": errors}


def officer(url: str, chair: int, items: list[int], expect: int, start_at: float) -> dict[str, Any]:
    """Reveal (as the chair) and decide each case once its views are all in."""
    from scrutiny_app.services import session
    from scrutiny_app.storage import Database
    from scrutiny_app.storage.models import MemberAssessment

    errors, done = [], 0
    with Database.open(url, create=False) as db:
        while time.time() < start_at:
            time.sleep(0.005)
        deadline = time.time() + 600
        for item in items:
            while time.time() < deadline:
                with db.session() as s:
                    n = s.scalar(
                        select(func.count()).where(MemberAssessment.meeting_case_id == item)
                    )
                if n >= expect:
                    break
                time.sleep(0.02)
            try:
                session.reveal_views(db, item, by_member_id=chair, actor="Chair")
                session.save_decision(db, item, outcome_code="appropriate", actor="Officer")
                done += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
    return {"decided": done, "errors": errors}


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.seats_bench", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _collect(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"a seat failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def _lost(url: str, setup: dict[str, Any], writers: int) -> tuple[int, int]:
    """(views missing or not as last written, decisions missing)."""
    from scrutiny_app.storage import Database
    from scrutiny_app.storage.models import MemberAssessment, PanelJudgement

    items = setup["items"]
    with Database.open(url, create=False) as db, db.session() as s:
        rows = s.execute(
            select(
                MemberAssessment.member_id, MemberAssessment.meeting_case_id, MemberAssessment.note
            )
        ).all()
        decided = s.scalar(select(func.count()).where(PanelJudgement.meeting_case_id.in_(items)))
    expected = {
        (m, i): f"member {m} on item {i}" for m in setup["members"][:writers] for i in items
    }
    found = {(m, i): note for m, i, note in rows}
    lost = sum(1 for key, note in expected.items() if found.get(key) != note)
    return lost, len(items) - (decided or 0)


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def run(server: ScratchServer, writers: int = WRITERS, views: int = VIEWS) -> list[dict]:
    # Baseline: one member alone, same server, same number of views.
    server.drop_database("seats_one")
    one_url = server.create_database("seats_one").render_as_string(hide_password=False)
    one = _setup(one_url, 1, views)
    alone = _collect(
        _spawn("writer", one_url, str(one["members"][0]), json.dumps(one["items"]), "0")
    )
    alone_seconds = sum(alone["latencies"])  # its views only, not the process start

    server.drop_database("seats")
    url = server.create_database("seats").render_as_string(hide_password=False)
    setup = _setup(url, writers, views)
    start_at = time.time() + 3  # every process connected and waiting
    items = json.dumps(setup["items"])
    procs = [_spawn("writer", url, str(m), items, str(start_at)) for m in setup["members"]]
    chair = _spawn("officer", url, str(setup["chair"]), items, str(writers), str(start_at))
    results = [_collect(p) for p in procs]
    decided = _collect(chair)
    wall = max(0.0, time.time() - start_at)
    lost_views, lost_decisions = _lost(url, setup, writers)
    latencies = [x for r in results for x in r["latencies"]]
    errors = [e for r in results for e in r["errors"]] + decided["errors"]
    base = alone["latencies"]
    p95, base_p95 = _p(latencies, 95), _p(base, 95)
    total = writers * views
    return [
        {
            "name": f"PostgreSQL: {writers} seats x {views} views, chair deciding",
            "seconds": wall,
            "baseline_seconds": alone_seconds,
            "ratio": p95 / base_p95,
            "views_per_second": total / wall,
            "baseline_views_per_second": views / alone_seconds,
            "p50_ms": _p(latencies, 50) * 1000,
            "p95_ms": p95 * 1000,
            "baseline_p95_ms": base_p95 * 1000,
            "errors": len(errors),
            "first_errors": errors[:3],
            "lost_writes": lost_views + lost_decisions,
            "decided": decided["decided"],
            "target": "0 errors, 0 lost writes (ratio: p95 to one seat alone)",
            "ok": not errors and lost_views + lost_decisions == 0,
        }
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "writer":
        _, _, url, member, items, start = sys.argv
        print(json.dumps(writer(url, int(member), json.loads(items), float(start))))
    elif len(sys.argv) > 1 and sys.argv[1] == "officer":
        _, _, url, chair, items, expect, start = sys.argv
        print(json.dumps(officer(url, int(chair), json.loads(items), int(expect), float(start))))
    else:
        from benchmarks.__main__ import print_table

        with ScratchServer(settings={"fsync": "on", "synchronous_commit": "on"}) as server:
            rows = run(server)
        print_table(rows)
        r = rows[0]
        print(
            f"{r['views_per_second']:.0f} views/s (one seat alone: "
            f"{r['baseline_views_per_second']:.0f}/s); p50 {r['p50_ms']:.0f} ms, p95 "
            f"{r['p95_ms']:.0f} ms (alone: {r['baseline_p95_ms']:.0f} ms); errors {r['errors']}, "
            f"lost writes {r['lost_writes']}"
        )
