"""The audit trail people can read: plain words, by meeting, to CSV; every export with its
SHA-256, refused files; append-only in use; a hash chain that names an edited or removed event."""

from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from scrutiny_app.cli import main
from scrutiny_app.services import audit_trail, panels
from scrutiny_app.services.audit import AuditTrailIsAppendOnly
from scrutiny_app.services.demo import create_demo
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent

FIXTURES = Path(__file__).parent / "fixtures" / "databases"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    with Database.open(path) as db:
        create_demo(db)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_trail_reads_in_plain_words_and_by_meeting(demo: Path):
    with Database.open(demo) as db:
        rows = audit_trail.audit_rows(db)
        meeting = audit_trail.audit_rows(db, meeting_id=2)
        first = panels.list_panels(db)[0]
    lines = [r.line() for r in rows]
    assert any(f"created the panel: {first.name}" in line for line in lines)
    decided = [r for r in meeting if r.what == "recorded the panel's decision"]
    assert len(decided) == 3 and all(r.about.startswith("SOPP-") for r in decided)
    assert {r.meeting_id for r in meeting} == {2}
    assert any(r.what == "drew the sample" and "seed 40213" in r.details for r in meeting)
    assert any("present yes" in r.details and "member " in r.details for r in rows)
    assert len(meeting) < len(rows)


def test_exports_are_recorded_with_their_sha256(demo: Path, tmp_path: Path, capsys):
    report = tmp_path / "report.pdf"
    tracker = tmp_path / "tracker.xlsx"
    assert main(["report", "--db", str(demo), "--meeting", "2", "--out", str(report)]) == 0
    assert main(["tracker", "--db", str(demo), "--out", str(tracker)]) == 0
    out_csv = tmp_path / "audit.csv"
    assert main(["audit", "--db", str(demo), "--csv", str(out_csv)]) == 0
    with Database.open(demo) as db:
        exports = [r for r in audit_trail.audit_rows(db) if r.entity == "export"]
        with db.session() as s:
            events = {e.action: e for e in s.scalars(select(AuditEvent)) if e.entity == "export"}
    assert [r.what for r in exports] == [
        "exported the report (internal)",
        "exported the recommendation tracker",
        "exported the audit trail",
    ]
    assert exports[0].meeting_id == 2 and exports[0].about == "report.pdf"
    assert events["report"].details["sha256"] == sha(report)
    assert events["tracker"].details["sha256"] == sha(tracker)
    assert events["audit"].details["sha256"] == sha(out_csv)
    with out_csv.open(encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        table = list(reader)
    assert tuple(reader.fieldnames or ()) == audit_trail.CSV_COLUMNS
    assert [r["what"] for r in table if r["table"] == "export"] == [
        "exported the report (internal)",
        "exported the recommendation tracker",
    ]  # the CSV's own export is recorded after it was written
    assert table[-1]["hash"] == events["tracker"].hash


def test_a_refused_extract_and_a_refused_tracker_are_recorded(demo: Path, tmp_path: Path):
    bad = tmp_path / "extract.csv"
    bad.write_text("Type,Date\n", encoding="utf-8")  # a header and no rows
    assert main(["import", "--db", str(demo), "--meeting", "2", str(bad)]) == 2
    not_xlsx = tmp_path / "returned.xlsx"
    not_xlsx.write_bytes(b"not a workbook at all")
    assert main(["tracker", "--db", str(demo), "--import", str(not_xlsx)]) == 2
    with Database.open(demo) as db:
        rows = audit_trail.audit_rows(db)
    refused = [r for r in rows if "refused" in r.what]
    assert [r.what for r in refused] == [
        "had a case extract refused",
        "had the force's returned tracker refused",
    ]
    assert refused[0].about == "extract.csv" and "why" in refused[0].details
    assert refused[0].meeting_id == 2


def test_no_service_can_change_or_remove_an_event(demo: Path):
    with Database.open(demo) as db:
        with pytest.raises(AuditTrailIsAppendOnly), db.transaction() as s:
            event = s.scalars(select(AuditEvent).limit(1)).one()
            event.actor = "someone else"
        with pytest.raises(AuditTrailIsAppendOnly), db.transaction() as s:
            s.delete(s.scalars(select(AuditEvent).limit(1)).one())
        with pytest.raises(IntegrityError, match="append-only"), db.transaction() as s:
            s.execute(update(AuditEvent).values(actor="x"))  # past the ORM: the trigger
        with pytest.raises(IntegrityError, match="append-only"), db.transaction() as s:
            s.execute(delete(AuditEvent))
        assert audit_trail.verify(db).ok


def tamper(path: Path, *statements: str) -> None:
    """What someone with a SQLite tool could do: drop the triggers, then edit."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_events_no_update")
        conn.execute("DROP TRIGGER audit_events_no_delete")
        for sql in statements:
            conn.execute(sql)


def test_verify_names_an_edited_and_a_deleted_event(demo: Path, tmp_path: Path, capsys):
    assert main(["audit", "--db", str(demo), "--verify"]) == 0
    assert "The audit trail is whole" in capsys.readouterr().out

    edited = tmp_path / "edited.db"
    shutil.copy(demo, edited)
    tamper(edited, "UPDATE audit_events SET actor = 'nobody' WHERE id = 10")
    assert main(["audit", "--db", str(edited), "--verify"]) == 3
    out = capsys.readouterr().out
    assert "event 10 (" in out and "changed after it was written" in out

    deleted = tmp_path / "deleted.db"
    shutil.copy(demo, deleted)
    tamper(deleted, "DELETE FROM audit_events WHERE id = 20")
    assert main(["audit", "--db", str(deleted), "--verify"]) == 3
    out = capsys.readouterr().out
    assert "event 21 (" in out and "the event before it was removed" in out

    newest = tmp_path / "newest.db"
    shutil.copy(demo, newest)
    tamper(newest, "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    assert main(["audit", "--db", str(newest), "--verify"]) == 3
    assert "1 of the newest were removed" in capsys.readouterr().out


def test_the_upgrade_seals_the_events_written_before_it(tmp_path: Path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0010.db", path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    with Database.open(path) as db:
        result = audit_trail.verify(db)
        panels.create_panel(db, "oocd", "Another panel")  # the chain goes on from there
        after = audit_trail.verify(db)
    assert before > 50 and result.ok and result.events == before
    assert after.ok and after.events == before + 1
