"""Dates keep their day (issue 9, item 4): a date with no time is a calendar date, true
timestamps stay UTC, everything shown is UK local time. Checked on the last Sundays of March
and October (the clock changes) and on a date in each of GMT and BST, through the import,
`cases`, the case list, the report's period, the sample's date filter and the tracker; and
the repair of a database written before (migration 0005) on the previous schema's fixture."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from scrutiny_app.cli import main
from scrutiny_app.domain.when import calendar_date, day_bounds, show_when
from scrutiny_app.services import case_list, panels, recommendations, sampling
from scrutiny_app.services.importer import import_file
from scrutiny_app.services.report.content import build_document
from scrutiny_app.services.tracker import export as tracker
from scrutiny_app.services.tracker.returned import apply_tracker_import, preview_tracker_import
from scrutiny_app.storage import Database

FIXTURES = Path(__file__).parent / "fixtures" / "databases"
UTC = dt.UTC

# (reference, the cell as the force's spreadsheet holds it, the UK day a person must see)
CELLS = [
    ("D-1", dt.datetime(2025, 3, 30), dt.date(2025, 3, 30)),  # clocks go forward that day
    ("D-2", dt.datetime(2025, 10, 26), dt.date(2025, 10, 26)),  # clocks go back that day
    ("D-3", dt.datetime(2025, 12, 1), dt.date(2025, 12, 1)),  # GMT
    ("D-4", dt.datetime(2025, 10, 20), dt.date(2025, 10, 20)),  # BST: shown as 19th before
    ("D-5", "14.10.2025", dt.date(2025, 10, 14)),  # text, BST
    ("D-6", "31/03/2025", dt.date(2025, 3, 31)),  # text, the first day of BST
    ("D-7", dt.datetime(2025, 7, 15, 0, 30), dt.date(2025, 7, 15)),  # a time just after midnight
    ("D-8", "2025-10-26T00:30:00+01:00", dt.date(2025, 10, 26)),  # an offset: an instant
]
MAPPING = {"Ref": "column:reference", "Offence": "field:offence", "Date": "column:occurred_at"}


@pytest.fixture
def meeting(db: Database, tmp_path: Path) -> int:
    pid = panels.create_panel(db, "oocd", "OOCD panel", code="OOCD", access_mode="full")
    mid = panels.create_meeting(db, pid, dt.date(2026, 1, 14), "Dates")
    wb = Workbook()
    ws = wb.active
    ws.append(list(MAPPING))
    for ref, cell, _ in CELLS:
        ws.append([ref, "Harassment", cell])
    path = tmp_path / "extract.xlsx"
    wb.save(path)
    import_file(db, mid, path, mapping=MAPPING)
    return mid


def test_the_date_rule() -> None:
    bst_midnight_utc = dt.datetime(2025, 10, 19, 23, 0, tzinfo=UTC)  # UK midnight, 20 Oct
    assert calendar_date(bst_midnight_utc) == dt.date(2025, 10, 20)
    assert show_when(dt.datetime(2025, 10, 20, tzinfo=UTC)) == "20 Oct 2025"
    assert show_when(dt.datetime(2019, 1, 4, 21, 0, tzinfo=UTC)) == "4 Jan 2019 21:00"
    assert show_when(dt.datetime(2025, 7, 15, 13, 30, tzinfo=UTC)) == "15 Jul 2025 14:30"
    start, end = day_bounds(dt.date(2025, 10, 20), dt.date(2025, 10, 20))
    assert (start, end) == (
        dt.datetime(2025, 10, 19, 23, tzinfo=UTC),
        dt.datetime(2025, 10, 20, 23, tzinfo=UTC),
    )


def test_imported_dates_keep_their_day_in_cases_and_the_case_list(
    db: Database, meeting: int, capsys: pytest.CaptureFixture[str]
) -> None:
    sampling.draw_sample(db, meeting, len(CELLS), seed=1)
    assert main(["cases", "--db", db.location, "--meeting", str(meeting), "--json"]) == 0
    shown = {r["reference"]: r for r in json.loads(capsys.readouterr().out)}
    for ref, _, day in CELLS:
        assert shown[ref]["date"] == day.isoformat(), ref
    assert shown["D-4"]["time"] is None  # a date with no time has none
    assert shown["D-7"]["time"] == "00:30"  # UK time, not 23:30 the day before
    assert shown["D-8"]["time"] == "00:30"
    rows = case_list.rows_by_id(
        db, case_list.case_ids(db, case_list.CaseListQuery(meeting_id=meeting))
    )
    by_ref = {r.reference: r for r in rows.values()}
    for ref, _, day in CELLS:
        assert calendar_date(by_ref[ref].occurred_at) == day, ref
    assert show_when(by_ref["D-4"].occurred_at) == "20 Oct 2025"


def test_the_report_period_and_the_sample_filter_use_uk_days(db: Database, meeting: int) -> None:
    text = " ".join(str(build_document(db, meeting)).split())
    assert "30 March 2025 to 1 December 2025" in text
    spec = sampling.SampleSpec(
        size=3, seed=1, date_from=dt.date(2025, 10, 20), date_to=dt.date(2025, 10, 26)
    )
    drawn = sampling.draw_sample(db, meeting, spec=spec)
    assert drawn.population_size == 3
    assert set(drawn.references) == {"D-2", "D-4", "D-8"}  # not D-5 (14th) nor D-1 (March)


def test_tracker_dates_keep_their_day(db: Database, meeting: int, tmp_path: Path) -> None:
    pid = panels.panel_of_meeting(db, meeting).id
    rec = recommendations.add_recommendation(
        db, pid, "Check dates.", meeting_id=meeting, response_due=dt.date(2025, 10, 26)
    )
    recommendations.issue_recommendations(db, references=[rec.reference])
    out = tracker.export_tracker(db, tmp_path / "t.xlsx")
    wb = load_workbook(out)
    ws = wb["Recommendations"]
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("Response due") + 1).value.date() == dt.date(2025, 10, 26)
    ws.cell(2, head.index("Response date") + 1, dt.datetime(2025, 10, 20))
    ws.cell(2, head.index("Target date") + 1, "30/03/2025")
    ws.cell(2, head.index("Status") + 1, "Response received")
    wb.save(out)
    apply_tracker_import(db, preview_tracker_import(db, out))
    back = recommendations.get_recommendation(db, rec.id)
    assert (back.response_date, back.target_date) == (dt.date(2025, 10, 20), dt.date(2025, 3, 30))


def test_migration_0005_repairs_summer_dates_written_before(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0004.db", path)
    with sqlite3.connect(path) as conn:
        batch = conn.execute(
            "select import_batch_id from batch_sort_ranks where key = 'occurred_at'"
        ).fetchone()[0]
        panel, first = conn.execute(
            "select panel_id, min(id) from cases where import_batch_id = ?", (batch,)
        ).fetchone()
        conn.executemany(
            "insert into cases (uuid, panel_id, import_batch_id, reference, occurred_at, area,"
            " age_band, gender, self_defined_ethnicity, officer_defined_ethnicity,"
            " ethnicity_group, fields) values (?, ?, ?, ?, ?, '', '', '', '', '', '', '{}')",
            [
                ("u-bst", panel, batch, "OLD-BST", "2025-10-19 23:00:00.000000"),  # 20 Oct
                ("u-gmt", panel, batch, "OLD-GMT", "2025-12-01 00:00:00.000000"),  # 1 Dec
                ("u-real", panel, batch, "OLD-REAL", "2025-12-01 23:00:00.000000"),  # 23:00 GMT
            ],
        )
        ranked = conn.execute(
            "select count(*) from batch_sort_ranks where import_batch_id = ? and key = 'occurred_at'",
            (batch,),
        ).fetchone()[0]
    assert first is not None
    Database.open(path).close()
    with sqlite3.connect(path) as conn:
        got = dict(
            conn.execute("select reference, occurred_at from cases where reference like 'OLD-%'")
        )
        left = conn.execute(
            "select count(*) from batch_sort_ranks where import_batch_id = ? and key = 'occurred_at'",
            (batch,),
        ).fetchone()[0]
    assert got == {
        "OLD-BST": "2025-10-20 00:00:00.000000",
        "OLD-GMT": "2025-12-01 00:00:00.000000",
        "OLD-REAL": "2025-12-01 23:00:00.000000",
    }
    assert (ranked, left) == (1, 0)  # the batch's date ranks no longer match: dropped
