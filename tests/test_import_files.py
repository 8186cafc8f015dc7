"""Force extracts other than data.police.uk: XLSX with title rows, saved mappings, bad input."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from scrutiny_app.cli import main
from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.importing.reader import read_table
from scrutiny_app.services import importer, panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ImportBatch

NAMES = ["Jane Smith", "Ahmed Khan", "Olu Adeyemi", "Kasia Nowak"]


def force_workbook(path: Path, rows: list[dict], columns: list[str], title: str) -> Path:
    """An extract as forces send them: title lines above the table, their own column names."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append([f"Produced {dt.date(2026, 10, 1):%d/%m/%Y} - OFFICIAL-SENSITIVE"])
    ws.append([])
    ws.append(columns)
    for row in rows:
        ws.append([row.get(c, "") for c in columns])
    wb.save(path)
    return path


def oocd_rows(n: int, start: int = 0) -> list[dict]:
    rows = []
    for i in range(start, start + n):
        rows.append(
            {
                "Crime Ref": f"AS/26/{50000 + i}",
                "Offender Name": NAMES[i % len(NAMES)],
                "Offence": "Harassment (s.2 PHA 1997)",
                "Disposal": ["Community resolution", "conditional caution"][i % 2],
                "Date of Offence": dt.datetime(2026, 8, 1 + i % 28, 14, 30),
                "Gravity": i % 4 + 1,
                "Area": "Bristol",
                "Officer notes": f"note {i}",
            }
        )
    return rows


MAPPING = {
    "Crime Ref": "column:reference",
    "Offender Name": "field:subject_name",
    "Offence": "field:offence",
    "Disposal": "field:disposal_type",
    "Date of Offence": "column:occurred_at",
    "Gravity": "field:gravity_score",
    "Area": "column:area",
    "Officer notes": "extra:Officer notes",
}


@pytest.fixture
def oocd_meeting(db: Database) -> int:
    pid = panels.create_panel(db, "oocd", "OOCD panel", code="OOCD")
    return panels.create_meeting(db, pid, dt.date(2026, 10, 14), "Harassment")


def test_force_xlsx_imports_through_a_saved_mapping_with_names_dropped(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    columns = list(MAPPING)
    first = force_workbook(tmp_path / "sept.xlsx", oocd_rows(12), columns, "OOCD extract Sept")

    plan = importer.plan_import(db, oocd_meeting, first, mapping=MAPPING)
    assert plan.header_line == 4 and plan.kind == "xlsx"
    treatment = {c.column: c.treatment for c in plan.columns}
    assert treatment["Offender Name"] == "dropped (personal)"
    assert treatment["Crime Ref"] == "pseudonymised"
    assert treatment["Officer notes"] == "extra field"

    result = importer.import_file(
        db, oocd_meeting, first, mapping=MAPPING, save_mapping_as="Monthly OOCD extract"
    )
    assert result.rows_imported == 12
    # "conditional caution" is matched to the template's choice; nothing to warn about
    assert result.warnings == []

    # Next month: columns reordered, one more column; the saved mapping is used by name.
    october = [*reversed(columns), "Supervisor"]
    second = force_workbook(
        tmp_path / "oct.xlsx", oocd_rows(5, start=100), october, "OOCD extract Oct"
    )
    meeting2 = panels.create_meeting(db, panels.list_panels(db)[0].id, dt.date(2026, 11, 11), "x")
    plan2 = importer.plan_import(db, meeting2, second, mapping_name="Monthly OOCD extract")
    assert {c.column: c.target for c in plan2.columns}["Supervisor"] == "ignore"
    result2 = importer.import_file(db, meeting2, second, mapping_name="Monthly OOCD extract")
    assert result2.rows_imported == 5

    with db.session() as s:
        stored = s.scalars(select(Case).order_by(Case.id)).all()
    assert len(stored) == 17
    case = stored[0]
    assert case.reference.startswith("OOCD-") and "AS/26" not in case.reference
    assert case.fields["offence"] == "Harassment (s.2 PHA 1997)"
    assert case.fields["disposal_type"] == "Community resolution"
    assert stored[1].fields["disposal_type"] == "Conditional caution"
    assert case.fields["gravity_score"] == 1
    assert case.fields["Officer notes"] == "note 0"
    assert "subject_name" not in case.fields
    assert case.occurred_at == dt.datetime(2026, 8, 1, 13, 30, tzinfo=dt.UTC)  # BST -> UTC

    # The names are nowhere in the database file.
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    for name in NAMES:
        assert name.encode() not in raw
    assert b"AS/26/50000" not in raw


def test_the_same_force_reference_gets_the_same_pseudonym(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    path = force_workbook(tmp_path / "a.xlsx", oocd_rows(3), list(MAPPING), "A")
    importer.import_file(db, oocd_meeting, path, mapping=MAPPING)
    again = force_workbook(tmp_path / "b.xlsx", oocd_rows(4), list(MAPPING), "B (one more)")
    result = importer.import_file(db, oocd_meeting, again, mapping=MAPPING)
    assert (result.rows_imported, result.already_held) == (1, 3)


def test_unknown_values_are_reported_with_counts_not_dropped(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    rows = oocd_rows(6)
    for r in rows[:4]:
        r["Disposal"] = "Comunity resolution"  # a typo, four times
    path = force_workbook(tmp_path / "typo.xlsx", rows, list(MAPPING), "T")
    result = importer.import_file(db, oocd_meeting, path, mapping=MAPPING)
    assert result.warnings == [
        "column 'Disposal': unknown value 'Comunity resolution' in 4 rows (first at row 5); "
        "kept as it is"
    ]
    with db.session() as s:
        kept = s.scalars(select(Case.fields)).all()
    assert sum(1 for f in kept if f.get("disposal_type") == "Comunity resolution") == 4


def test_problems_refuse_the_file_or_skip_rows(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    rows = oocd_rows(5)
    rows[1]["Crime Ref"] = rows[0]["Crime Ref"]  # duplicate reference, sheet row 6
    rows[3]["Date of Offence"] = "31/02/2026"  # not a date, sheet row 8
    path = force_workbook(tmp_path / "bad.xlsx", rows, list(MAPPING), "Bad")
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_file(db, oocd_meeting, path, mapping=MAPPING)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (6, "Crime Ref"),
        (8, "Date of Offence"),
    ]
    with db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0
        assert s.scalar(select(func.count(ImportBatch.id))) == 0
    result = importer.import_file(db, oocd_meeting, path, mapping=MAPPING, skip_invalid=True)
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (5, 3, 2)


def test_cli_import_refuses_with_rows_and_columns_unless_skip_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.db")
    main(["new-panel", "--db", db, "--template", "oocd", "--name", "OOCD"])
    main(["new-meeting", "--db", db, "--panel", "1", "--date", "2026-10-14"])
    rows = oocd_rows(4)
    rows[2]["Date of Offence"] = "yesterday"
    path = force_workbook(tmp_path / "x.xlsx", rows, list(MAPPING), "X")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(MAPPING))
    capsys.readouterr()
    code = main(["import", "--db", db, "--meeting", "1", str(path), "--mapping-file", str(mapping)])
    err = capsys.readouterr().err
    assert code == 2
    assert "x.xlsx, row 7, column 'Date of Offence': not a date: 'yesterday'" in err
    assert "nothing was imported" in err
    code = main([
        "import", "--db", db, "--meeting", "1", str(path), "--mapping-file", str(mapping),
        "--skip-invalid", "--save-mapping", "OOCD monthly",
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "Imported 3 of 4 rows" in out and "skipped: x.xlsx, row 7" in out


def test_csv_variants_read_the_same(tmp_path: Path) -> None:
    """Windows-1252, semicolons, a BOM, title lines and CRLF all give the same table."""
    header = ["Crime Ref", "Offender Name", "Area"]
    rows = [["A1", "José Müller", "Bristol"], ["A2", "Zoë", "Bath"]]
    expected = None
    for name, encoding, sep, title, newline in [
        ("utf8.csv", "utf-8", ",", "", "\n"),
        ("bom.csv", "utf-8-sig", ",", "", "\r\n"),
        ("cp1252.csv", "cp1252", ";", "Force extract\nProduced today\n\n", "\r\n"),
        ("tab.txt", "utf-8", "\t", "Title\n", "\n"),
    ]:
        lines = [sep.join(header)] + [sep.join(r) for r in rows]
        path = tmp_path / name
        path.write_bytes((title + newline.join(lines) + newline).encode(encoding))
        table = read_table(path)
        got = table.frame.to_dict("records")
        assert table.info.columns == header
        expected = expected or got
        assert got == expected, name


def test_mixed_encodings_are_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Ref,Name\nA1,José\n".encode() + "A2,Zoë\n".encode("cp1252") + "A3,Zoë\n".encode()
    )
    with pytest.raises(InputProblem, match="mixes text encodings") as info:
        read_table(path)
    assert info.value.row == 3


def test_truncated_and_binary_files(tmp_path: Path) -> None:
    text = FILE_2019_01.read_text()
    truncated = tmp_path / "truncated.csv"
    truncated.write_text(text[: len(text) // 2])  # cut mid-row
    table = read_table(truncated)
    assert len(table.problems) == 1 and "fields where the header has 15" in str(table.problems[0])
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    with pytest.raises(UserError, match=r"binary data"):
        read_table(binary)


def test_a_million_character_cell_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("Ref,Notes\nA1,short\nA2," + "x" * 1_000_000 + "\n")
    table = read_table(path)
    assert [(p.row, p.column) for p in table.problems] == [(3, "Notes")]
    assert "1,000,000 characters" in str(table.problems[0])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_reader_never_fails_on_arbitrary_bytes_except_with_a_message(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        read_table(path)
    except UserError as exc:
        assert str(exc)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=4000),
    junk=st.binary(max_size=40),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_damaged_police_uk_files_import_whole_or_not_at_all(
    tmp_path: Path, cut: int, junk: bytes, delimiter: str
) -> None:
    text = FILE_2019_01.read_bytes()[: 200 + cut * 20]
    path = tmp_path / "damaged.csv"
    path.write_bytes(text.replace(b",", delimiter.encode()) + junk)
    with Database.open(tmp_path / f"fz-{uuid.uuid4().hex}.db") as db:  # one per example
        pid = panels.create_panel(db, "stop_search", "P", code="SOPP")
        mid = panels.create_meeting(db, pid, dt.date(2019, 1, 1), "x")
        try:
            result = importer.import_file(db, mid, path)
        except UserError as exc:
            assert str(exc)
            with db.session() as s:
                assert s.scalar(select(func.count(Case.id))) == 0
        else:
            with db.session() as s:
                assert s.scalar(select(func.count(Case.id))) == result.rows_imported


def test_field_values_keep_their_day_their_digits_and_no_infinity(tmp_path: Path) -> None:
    """A summer date stays on its UK day (UK midnight is 23:00 UTC the day before), an
    18-digit number keeps every digit, and "inf" is no number (JSON cannot hold it)."""
    db = Database.open(tmp_path / "full.db")
    pid = panels.create_panel(db, "oocd", "OOCD (full access)", access_mode="full")
    meeting = panels.create_meeting(db, pid, dt.date(2026, 10, 14), "t")
    path = tmp_path / "extract.csv"
    path.write_text(
        "Ref,Date,DOB,Gravity,Previous\n"
        "A1,01/08/2026,01/08/1990,123456789012345678,inf\n"
        "A2,02/01/2026,15/01/1990,2,Infinity\n"
    )
    mapping = {
        "Ref": "column:reference", "Date": "column:occurred_at", "DOB": "field:date_of_birth",
        "Gravity": "field:gravity_score", "Previous": "field:previous_oocds",
    }  # fmt: skip
    result = importer.import_file(db, meeting, path, mapping=mapping)
    with db.session() as s:
        rows = {c.reference: c.fields for c in s.scalars(select(Case))}
    assert rows["A1"]["date_of_birth"] == "1990-08-01"
    assert rows["A2"]["date_of_birth"] == "1990-01-15"
    assert rows["A1"]["gravity_score"] == 123456789012345678
    assert rows["A1"]["previous_oocds"] == "inf" and rows["A2"]["previous_oocds"] == "Infinity"
    assert any("not a number 'inf'" in w for w in result.warnings)
    db.close()
