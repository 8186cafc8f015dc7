"""Sampling and the case list over the imported million rows (absolute targets of issue 3)."""

from __future__ import annotations

import time
from pathlib import Path

from scrutiny_app.services import sampling
from scrutiny_app.services.case_list import CaseList, CaseListQuery
from scrutiny_app.storage import Database


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(db_path: Path | str, rows: int, label: str = "") -> list[dict]:
    """``db_path`` is the database the import benchmark left behind (meeting 1, ``rows`` cases):
    a SQLite file, or a server URL (``label`` then names it: "PostgreSQL: ")."""
    db = Database.open(db_path)
    meeting = 1
    out = []
    seconds = _best(lambda: sampling.preview_sample(db, meeting, sampling.SampleSpec(50, seed=1)))
    out.append(_row(f"sample 50 from {rows:,}", seconds, 0.050, "< 50 ms"))
    strat = sampling.SampleSpec(50, seed=1, stratify_by="ethnicity_group")
    seconds = _best(lambda: sampling.preview_sample(db, meeting, strat), repeat=1)
    out.append(_row(f"stratified sample 50 from {rows:,}", seconds, None, "(no target)"))

    def open_list() -> CaseList:
        case_list = CaseList(db, CaseListQuery(meeting_id=meeting))
        case_list.row(0)
        return case_list

    out.append(_row(f"case list: open {rows:,}", _best(open_list), 0.300, "< 300 ms"))
    case_list = open_list()
    out.append(
        _row(
            "case list: scroll to the end",
            _best(lambda: case_list.row(len(case_list) - 1)),
            0.100,
            "< 100 ms",
        )
    )
    for key in ("occurred_at", "gender", "outcome"):

        def sort(key: str = key) -> None:
            fresh = CaseList(db, CaseListQuery(meeting_id=meeting))
            fresh.resort(key, descending=True)
            fresh.row(0)

        out.append(_row(f"case list: sort by {key}", _best(sort, repeat=1), 1.0, "< 1 s"))
    db.close()
    for row in out:
        row["name"] = label + row["name"]
    return out


def _row(name: str, seconds: float, limit: float | None, target: str) -> dict:
    return {
        "name": name,
        "seconds": seconds,
        "baseline_seconds": None,
        "ratio": None,
        "target": target,
        "ok": True if limit is None else seconds < limit,
    }
