"""Retention: case-level data removed a panel's period after the report is published, its
bytes gone from the file, the meeting's figures and published report kept, all audited."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.services import audit_trail, cases, importer, panels, population, retention
from scrutiny_app.services.demo import create_demo
from scrutiny_app.services.report.content import build_document
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, MeetingCase

DATA = Path(__file__).parent / "data"
JAN = DATA / "2019-01-avon-and-somerset-stop-and-search.csv"
OOCD = 1  # the demo's held meeting, published on 16 Sep 2026
DUE = dt.date(2027, 9, 16)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    with Database.open(path) as db:
        create_demo(db)
    return path


def case_level_values(db: Database, meeting_id: int) -> set[bytes]:
    """The meeting's case references, the panel's observations and the cases' own values."""
    found: set[str] = set()
    for row in cases.meeting_cases(db, meeting_id).rows:
        found.add(row.reference)
        if len(row.observations) > 12:
            found.add(row.observations[:60])
    with db.session() as s:  # values that single a case out (a category is not one)
        seen = Counter(
            v for c in s.scalars(select(Case)) for v in c.fields.values() if isinstance(v, str)
        )
        refs = {r.reference for r in cases.meeting_cases(db, meeting_id).rows}
        for case in s.scalars(select(Case).where(Case.reference.in_(refs))):
            found.update(
                v
                for v in case.fields.values()
                if isinstance(v, str) and len(v) > 8 and seen[v] == 1
            )
    return {f.encode() for f in found}


def file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def texts_of(section) -> str:
    from scrutiny_app.services.report.model import _block_texts

    return " ".join(t for b in section.blocks for t in _block_texts(b))


def test_nothing_is_due_before_the_period_ends_and_the_list_says_what_would_go(demo: Path):
    with Database.open(demo) as db:
        assert retention.due_meetings(db, DUE - dt.timedelta(days=1)) == []
        [due] = retention.due_meetings(db, DUE)
    assert due.meeting_id == OOCD and due.due_on == DUE
    assert (due.agenda_cases, due.case_records) == (24, 96)  # 24 sampled of a population of 96
    assert due.notes == 24 and due.field_values > 96


def test_applying_removes_the_bytes_and_keeps_the_figures(demo: Path):
    with Database.open(demo) as db:
        values = case_level_values(db, OOCD)
        public_before = build_document(db, OOCD, public=True, generated_on=dt.date(2026, 9, 16))
        other_before = build_document(db, 2, generated_on=DUE)
        counts_before = [(c.outcome.code, c.count) for c in cases.meeting_cases(db, OOCD).counts()]
    assert len(values) > 50
    with sqlite3.connect(demo) as conn:  # the positive control: readable in the plain file now
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert sum(v in file_bytes(demo) for v in values) > 40

    with Database.open(demo) as db:
        result = retention.apply_retention(db, DUE, actor="officer")
        assert [m.meeting_id for m in result.meetings] == [OOCD]
        assert result.reports_kept == 1 and result.bytes_after < result.bytes_before
        assert cases.meeting_cases(db, OOCD).rows == ()
        with db.session() as s:
            assert s.scalar(select(MeetingCase).where(MeetingCase.meeting_id == OOCD)) is None
        kept = retention.archive_of(db, OOCD)
        assert kept is not None and [o[2] for o in kept.results["outcomes"]] == [
            n for _, n in counts_before
        ]
        assert kept.results["population"] == 96
        public_after = build_document(db, OOCD, public=True, generated_on=DUE)
        before = {s.key: s for s in public_before.sections}
        for section in public_after.sections:  # the same report, figures and all ...
            if section.key in ("findings", "good_practice"):  # ... but each case's own text
                assert "removed under the panel's retention policy" in texts_of(section)
            else:
                assert section == before[section.key], section.key
        assert public_after.cover.details == public_before.cover.details
        assert "removed on" in public_after.cover.notice[0][0].text
        assert build_document(db, 2, generated_on=DUE) == other_before  # others untouched
        assert retention.due_meetings(db, dt.date(2030, 1, 1)) == []
        rows = audit_trail.audit_rows(db, meeting_id=OOCD)
        assert rows[-1].what == "removed case-level data under the retention policy"
        assert audit_trail.verify(db).ok
    found = [v for v in values if v in file_bytes(demo)]
    assert found == []


def test_a_case_another_meeting_still_needs_is_kept(tmp_path: Path):
    with Database.open(tmp_path / "x.db") as db:
        pid = panels.create_panel(db, "stop_search", "Police Powers Panel", code="SOPP")
        first = panels.create_meeting(db, pid, dt.date(2019, 2, 1), "Drugs")
        second = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "Weapons")
        importer.import_file(db, first, JAN)
        importer.import_file(db, second, JAN)  # the same file: the same cases, linked
        from scrutiny_app.services import sampling

        sampling.draw_sample(db, first, 10, seed=1)
        retention.mark_published(db, first, dt.date(2019, 3, 1))
        [due] = retention.due_meetings(db, dt.date(2020, 3, 1))
        assert due.case_records == 0  # the second meeting's population holds them all
        retention.apply_retention(db, dt.date(2020, 3, 1))
        with db.session() as s:
            assert population.size(s, second) == 519
        assert cases.meeting_cases(db, first).rows == ()


def test_the_commands_mark_published_list_apply_and_regenerate(demo: Path, tmp_path, capsys):
    out = tmp_path / "public.pdf"
    args = ["report", "--db", str(demo), "--meeting", "3", "--out", str(out), "--public"]
    assert main([*args, "--mark-published", "2026-10-30"]) == 0
    assert "Marked published on 30 Oct 2026" in capsys.readouterr().out
    assert main(["retention", "--db", str(demo), "--as-of", "2027-10-30"]) == 0
    listed = capsys.readouterr().out
    assert "meeting 1:" in listed and "meeting 3:" in listed and "Nothing was removed" in listed
    argv = ["retention", "--db", str(demo), "--as-of", "2027-10-30", "--meeting", "3", "--apply"]
    assert main(argv) == 0
    assert "Removed the case data of 1 meeting(s)" in capsys.readouterr().out
    again = tmp_path / "again.pdf"
    assert main(["report", "--db", str(demo), "--meeting", "3", "--out", str(again)]) == 0
    text = " ".join(p.extract_text() for p in PdfReader(again).pages)
    assert "Case-level detail was removed" in " ".join(text.split())
    assert "25" in text and "Handled in a timely way" in text  # the criteria are still there
    assert main(["retention", "--db", str(demo), "--panel", "1", "--set-months", "24"]) == 0
    assert main(["retention", "--db", str(demo), "--as-of", "2027-10-30"]) == 0
    assert "No meeting" in capsys.readouterr().out.splitlines()[-1]  # OOCD now kept 24 months
