"""Faults and hostile files: bombs refused cheaply, UTF-16, folders, unclosed quotes, long
cells in messages, impossible ages."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from openpyxl import Workbook
from sqlalchemy import select

from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.importing.limits import Limits, quoted
from scrutiny_app.importing.reader import read_table, read_table_head
from scrutiny_app.services import importer, panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case

MB = 1 << 20


# --------------------------------------------------------------------------- hostile files


def xlsx_bomb(path: Path, unpacked: int = 300 * MB) -> Path:
    """A real workbook whose sheet is ``unpacked`` bytes of repetitive rows packed about 150
    times (the issue's was 4.5 MB unpacking to 1.17 GB, 260 times); its other parts are those
    of a workbook openpyxl wrote, so calamine would set about reading it."""
    template = path.with_name("template.xlsx")
    wb = Workbook()
    wb.active.append(["Type", "Date"])
    wb.save(template)
    row = b'<row><c t="inlineStr"><is><t>Person search</t></is></c></row>'
    block = row * (4 * MB // len(row))
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):
        for part in source.infolist():
            data = source.read(part)
            if part.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(part.filename, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            with zf.open(part.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(unpacked // len(block)):
                    fh.write(block)
                fh.write(b"</sheetData>" + tail)
    template.unlink()
    return path


def one_long_line(path: Path, size: int = 100 * MB) -> Path:
    """A CSV whose second line is ``size`` bytes long, written in chunks."""
    with path.open("wb") as fh:
        fh.write(b"Ref,Notes\nA1,")
        for _ in range(size // MB):
            fh.write(b"x" * MB)
        fh.write(b"\nA2,short\n")
    return path


def sparse_sheet(path: Path) -> Path:
    """A 5 KB workbook whose range runs to O1000000: calamine would hold 15 million cells."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Notes"])
    ws.append(["A1", "x"])
    ws.cell(row=1_000_000, column=15, value="far away")
    wb.save(path)
    return path


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from scrutiny_app.errors import UserError
from scrutiny_app.importing.reader import read_table

def peak_kb():
    # VmHWM starts afresh at exec; ru_maxrss would carry the forked test run's own peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = peak_kb()
start = time.perf_counter()
try:
    read_table(Path(sys.argv[1]))
    error = ""
except UserError as exc:
    error = str(exc)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "peak_mb": peak_kb() / 1024,
    "before_mb": before / 1024,
    "error": error,
}))
"""


def _limit_memory() -> None:
    # A runaway allocation fails in the child (as it would have, before these checks), not in
    # the test run.
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def measured_read(path: Path) -> dict:
    """read_table(path) in a fresh interpreter: seconds, peak resident memory (MB), error."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path)],
            capture_output=True,
            text=True,
            timeout=90,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": 90.0, "peak_mb": -1, "before_mb": 0, "error": "timed out"}
    if proc.returncode != 0:
        return {"seconds": -1, "peak_mb": -1, "before_mb": 0, "error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("make", "name", "expected"),
    [
        (xlsx_bomb, "bomb.xlsx", ["would unpack", "the limit is 100 times (max_ratio)"]),
        (one_long_line, "one-line.csv", ["row 2", "longer than 1,048,576 bytes", "max_line_bytes"]),
        (sparse_sheet, "sparse.xlsx", ["range (A1:O1000000)", "15,000,000 cells"]),
    ],
    ids=["xlsx-bomb", "100MB-line", "sparse-range"],
)
def test_bombs_are_refused_in_seconds_and_little_memory(
    tmp_path: Path, make, name: str, expected: list[str]
) -> None:
    path = make(tmp_path / name)
    got = measured_read(path)
    assert got["error"].startswith(f"{name}"), got
    for part in expected:
        assert part in got["error"], got
    assert 0 <= got["seconds"] < 5, got
    assert 0 < got["peak_mb"] < 500, got
    # Nothing the size of the file (or of what it unpacks to) was ever held.
    assert got["peak_mb"] - got["before_mb"] < 40, got


def test_an_xlsx_bomb_is_refused_by_the_import_within_five_seconds(
    db: Database, tmp_path: Path
) -> None:
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "x")
    path = xlsx_bomb(tmp_path / "extract.xlsx")
    start = time.perf_counter()
    with pytest.raises(InputProblem) as info:
        importer.import_file(db, mid, path)
    assert time.perf_counter() - start < 5
    assert info.value.file == "extract.xlsx"
    assert "part 'xl/worksheets/sheet1.xml'" in str(info.value)
    assert "max_ratio" in str(info.value)


def test_the_archive_limits_are_settings(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["Ref", "Notes"])
    wb.active.append(["A1", "x"])
    wb.save(tmp_path / "small.xlsx")
    assert len(read_table(tmp_path / "small.xlsx").frame) == 1
    with pytest.raises(InputProblem, match=r"unpack to [\d,]+ bytes; the limit is 1,000 bytes"):
        read_table(tmp_path / "small.xlsx", limits=Limits(max_unpacked_bytes=1000))
    (tmp_path / "not-a-zip.xlsx").write_bytes(b"Ref,Notes\nA1,x\n")
    with pytest.raises(InputProblem, match=r"not a valid XLSX \(zip\) archive"):
        read_table(tmp_path / "not-a-zip.xlsx")


def test_too_many_columns_are_refused(tmp_path: Path) -> None:
    csv_path = tmp_path / "wide.csv"
    header = [f"Column {i}" for i in range(501)]
    csv_path.write_text(",".join(header) + "\n" + ",".join("x" * 501) + "\n")
    with pytest.raises(InputProblem) as info:
        read_table(csv_path)
    assert str(info.value) == (
        "wide.csv, row 1: the header has 501 columns; the limit is 500 (max_columns)"
    )
    wb = Workbook()
    wb.active.append([f"Column {i}" for i in range(600)])
    wb.active.append(["x"] * 600)
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(InputProblem, match=r"600 columns wide; the limit is 500 columns"):
        read_table(tmp_path / "wide.xlsx")


def test_too_many_rows_are_refused_per_setting(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row limit holds for the fast path, the quoted (csv module) path, and an import with
    the limit set in the environment."""
    plain = tmp_path / "plain.csv"
    plain.write_text("Ref,Notes\n" + "".join(f"A{i},x\n" for i in range(120)))
    quoted_file = tmp_path / "quoted.csv"
    quoted_file.write_text("Ref,Notes\n" + "".join(f'A{i},"x, y"\n' for i in range(120)))
    small = Limits(max_rows=100)
    for path in (plain, quoted_file):
        assert len(read_table(path).frame) == 120
        with pytest.raises(InputProblem, match=r"more than 100 data rows.*\(max_rows\)"):
            read_table(path, limits=small)
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "x")
    monkeypatch.setenv("SCRUTINY_IMPORT_LIMITS", "max_rows=500")
    with pytest.raises(InputProblem, match=r"the limit is 500 rows \(max_rows\)"):
        importer.import_file(db, mid, FILE_2019_01, worker=False)
    monkeypatch.setenv("SCRUTINY_IMPORT_LIMITS", "max_rowz=5")
    with pytest.raises(UserError, match="unknown limit 'max_rowz'"):
        read_table(plain)


# --------------------------------------------------------------------------- UTF-16


def _imported(db: Database, path: Path) -> list[tuple]:
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "x")
    result = importer.import_file(db, mid, path)
    assert result.rows_read == result.rows_imported
    with db.session() as s:
        return sorted(
            (
                c.source_row,
                c.occurred_at,
                c.age_band,
                c.gender,
                c.self_defined_ethnicity,
                c.officer_defined_ethnicity,
                json.dumps(c.fields, sort_keys=True),
            )
            for c in s.scalars(select(Case))
        )


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # BOM, little-endian here
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-le"),  # no BOM: told by the NUL bytes
        lambda t: t.encode("utf-16-be"),
    ],
    ids=["bom-le", "bom-be", "le", "be"],
)
def test_a_utf16_file_imports_like_the_utf8_one(tmp_path: Path, encode) -> None:
    text = FILE_2019_01.read_text(encoding="utf-8")
    utf16 = tmp_path / "2019-01-utf16.csv"
    utf16.write_bytes(encode(text))
    with Database.open(tmp_path / "a.db") as db_a, Database.open(tmp_path / "b.db") as db_b:
        expected = _imported(db_a, FILE_2019_01)
        got = _imported(db_b, utf16)
    assert len(got) == 519
    assert got == expected


def test_broken_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes("Ref,Notes\nA1,x\n".encode("utf-16") + b"\x00\xd8A\x00")  # lone surrogate
    with pytest.raises(InputProblem, match="not valid UTF-16"):
        read_table(path)


def test_a_character_cut_by_the_sniffers_window_is_no_crash(tmp_path: Path) -> None:
    head = ("Ref,Name\n" + "".join(f"A{i:05},x\n" for i in range(29_125))).encode()
    pad = 256 * 1024 - len(head) - 1  # the "é" straddles the 256 KB the sniffer reads
    assert 2 < pad < 100
    path = tmp_path / "cut.csv"
    path.write_bytes(head + b"B," + b"y" * (pad - 2) + "é\n".encode())
    table = read_table(path)
    assert (table.frame["Ref"].iloc[-1], table.frame["Name"].iloc[-1]) == (
        "B",
        "y" * (pad - 2) + "é",
    )


def test_a_long_cell_near_the_top_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """The sniffer parses the first lines with the csv module, whose own field limit is
    128 KB: a 200 KB cell there crashed the reader."""
    csv.field_size_limit(1 << 17)  # the csv module's default, as in a fresh process
    path = tmp_path / "long-top.csv"
    path.write_text("Ref,Notes\nA1," + "x" * 200_000 + "\nA2,short\n")
    table = read_table(path)
    assert [(p.row, p.column) for p in table.problems] == [(2, "Notes")]
    assert "cell of 200,000 characters (the limit is 32,767)" in str(table.problems[0])


# --------------------------------------------------------------------------- folders


def test_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "extracts.csv"
    folder.mkdir()
    for read in (read_table, read_table_head):
        with pytest.raises(InputProblem, match="is a folder, not a file") as info:
            read(folder)
        assert info.value.file == str(folder)
    with pytest.raises(InputProblem, match="no such file"):
        read_table(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- unclosed quotes


def _fifty_rows(row5: str, **others: str) -> str:
    rows = {i: f"A{i},N{i},note {i}" for i in range(1, 51)}
    rows[5] = row5
    rows.update({int(k[3:]): v for k, v in others.items()})
    return "Ref,Name,Notes\n" + "\n".join(rows[i] for i in range(1, 51)) + "\n"


def test_an_unclosed_quote_is_named_where_it_opens(tmp_path: Path) -> None:
    """Data row 5 is file row 6 (the header is row 1), as everywhere else in the app."""
    path = tmp_path / "unclosed.csv"
    path.write_text(_fifty_rows('A5,N5,"note 5 is never closed'))
    table = read_table(path)
    assert [(p.row, p.column) for p in table.problems] == [(6, None)]
    assert "quoted field opens on this row and is never closed" in str(table.problems[0])
    assert "to row 51" in str(table.problems[0])
    assert list(table.frame["Ref"]) == ["A1", "A2", "A3", "A4"]


def test_a_quote_opened_on_the_last_line_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "last.csv"
    for text in ('Ref,Name,Notes\nA1,N1,n\n"', 'Ref,Name,Notes\nA1,N1,n\nA2,"N2\n'):
        path.write_text(text)
        table = read_table(path)
        assert [p.row for p in table.problems] == [3], text
        assert "never closed" in str(table.problems[0])
        assert list(table.frame["Ref"]) == ["A1"]


def test_a_quote_closed_rows_later_is_named_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text(_fifty_rows('A5,"N5 has a stray quote,note 5', row9='A9,N9,"note 9"'))
    table = read_table(path)
    assert [p.row for p in table.problems] == [6]
    assert "2 fields where the header has 3" in str(table.problems[0])
    assert "runs to row 10" in str(table.problems[0])
    assert len(table.frame) == 45  # rows 5 to 9 are the one broken record


def test_an_unclosed_quote_in_a_big_file_is_refused_where_it_opens(tmp_path: Path) -> None:
    """The quoted field would swallow 2 MB: refused at the line limit, not read whole."""
    path = tmp_path / "big.csv"
    rows = [f"A{i},N{i},note {i}" for i in range(1, 60_000)]
    rows[4] = 'A5,N5,"never closed'
    path.write_text("Ref,Name,Notes\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputProblem) as info:
        read_table(path)
    assert info.value.row == 6
    assert "runs on past 1,048,576 characters" in str(info.value)


# --------------------------------------------------------------------------- long cells


OOCD_MAPPING = {
    "Ref": "column:reference",
    "Date": "column:occurred_at",
    "Disposal": "field:disposal_type",
    "Age": "column:age_band",
}


@pytest.fixture
def oocd_meeting(db: Database) -> int:
    pid = panels.create_panel(db, "oocd", "OOCD panel", code="OOCD")
    return panels.create_meeting(db, pid, dt.date(2026, 10, 14), "x")


def test_messages_quote_a_long_cell_cut_at_80_characters(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    long_value = "Community resolution " + "z" * 10_000
    path = tmp_path / "long.csv"
    path.write_text(
        "Ref,Date,Disposal,Age\n"
        f"A1,01/08/2026,{long_value},25\n"
        f"A2,{'9' * 10_000},Community resolution,25\n"
    )
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_file(db, oocd_meeting, path, mapping=OOCD_MAPPING)
    (problem,) = info.value.problems
    assert str(problem) == (
        "long.csv, row 3, column 'Date': not a date: '" + "9" * 80 + "…' (10,000 characters)"
    )
    result = importer.import_file(db, oocd_meeting, path, mapping=OOCD_MAPPING, skip_invalid=True)
    (warning,) = result.warnings
    assert warning == (
        f"column 'Disposal': unknown value {quoted(long_value)} in 1 row (first at row 2); "
        "kept as it is"
    )
    assert f"'{long_value[:80]}…' (10,021 characters)" in warning
    assert len(warning) < 200


# --------------------------------------------------------------------------- ages


def test_impossible_ages_are_problems_not_stored(
    db: Database, oocd_meeting: int, tmp_path: Path
) -> None:
    path = tmp_path / "ages.csv"
    ages = ["17", "-3", "250", "-3 yrs", "25-34", "aged 40", "121", "0"]
    path.write_text(
        "Ref,Date,Disposal,Age\n"
        + "".join(f"A{i},01/08/2026,Community resolution,{a}\n" for i, a in enumerate(ages))
    )
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_file(db, oocd_meeting, path, mapping=OOCD_MAPPING)
    assert [(p.file, p.row, p.column, p.detail) for p in info.value.problems] == [
        ("ages.csv", 3, "Age", "impossible age: '-3' (an age is 0 to 120 years)"),
        ("ages.csv", 4, "Age", "impossible age: '250' (an age is 0 to 120 years)"),
        ("ages.csv", 5, "Age", "impossible age: '-3 yrs' (an age is 0 to 120 years)"),
        ("ages.csv", 8, "Age", "impossible age: '121' (an age is 0 to 120 years)"),
    ]
    result = importer.import_file(db, oocd_meeting, path, mapping=OOCD_MAPPING, skip_invalid=True)
    assert (result.rows_read, result.rows_imported) == (8, 4)
    assert not any(raw in ("250", "121") for _col, raw, _clean, _n in result.tidied)
    with db.session() as s:
        stored = sorted(s.scalars(select(Case.age_band)))
    assert stored == ["10-17", "25-34", "over 34", "under 10"]


def test_an_impossible_age_in_a_police_uk_file_is_a_problem(db: Database, tmp_path: Path) -> None:
    lines = FILE_2019_01.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    age = header.index("Age range")
    row = lines[3].rstrip("\n").split(",")
    assert len(row) == len(header)
    row[age] = "-3"
    lines[3] = ",".join(row) + "\n"
    path = tmp_path / "2019-01-edited.csv"
    path.write_text("".join(lines), encoding="utf-8")
    pid = panels.create_panel(db, "stop_search", "Powers", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "x")
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_file(db, mid, path)
    assert [(p.row, p.column, p.detail) for p in info.value.problems] == [
        (4, "Age range", "impossible age: '-3' (an age is 0 to 120 years)")
    ]
