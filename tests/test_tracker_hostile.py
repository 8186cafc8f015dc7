"""A returned tracker that is wrong or hostile: moved answers, formulas, bombs, huge sheets.

Everything goes through the functions the command line uses (``tracker --import F [--apply]``):
a row whose visible Reference and hidden Id name different recommendations is refused; a
formula in a force column is reported, not dropped; a zip bomb, a sheet of 200,000 added rows
and an oversized cell are refused (or rejected) quickly with the file and the limit named.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from scrutiny_app.cli import main
from scrutiny_app.errors import UserError
from scrutiny_app.services import panels, recommendations
from scrutiny_app.services.recommendations import RecommendationRow, get_recommendation
from scrutiny_app.services.tracker.export import export_tracker
from scrutiny_app.services.tracker.returned import (
    MAX_CELL_CHARS,
    MAX_LINES_PER_LIST,
    MAX_RATIO,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    TrackerTooLarge,
    apply_tracker_import,
    preview_tracker_import,
)
from scrutiny_app.storage import Database

TODAY = dt.date(2026, 11, 1)
SHEET = "xl/worksheets/sheet1.xml"  # the Recommendations sheet of an exported tracker


@dataclass(frozen=True)
class Sent:
    db: Database
    path: Path  # the tracker as exported
    r1: RecommendationRow
    r2: RecommendationRow
    r3: RecommendationRow


@pytest.fixture
def sent(db: Database, tmp_path: Path) -> Iterator[Sent]:
    pid = panels.create_panel(db, "oocd", "OOCD Scrutiny Panel", force="Avon", code="OOCD")
    mid = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Stalking")
    recs = []
    for i in range(3):
        rec = recommendations.add_recommendation(
            db, pid, f"Recommendation {i + 1}.", meeting_id=mid, addressed_to="ACC",
            response_due=dt.date(2026, 11, 30),
        )  # fmt: skip
        recommendations.change_status(db, rec.id, "issued", on=dt.date(2026, 9, 20))
        recs.append(get_recommendation(db, rec.id))
    path = export_tracker(db, tmp_path / "sent.xlsx", today=TODAY)
    yield Sent(db, path, *recs)
    db.close()


def edited(sent: Sent, out: Path, edit: Callable[[Any, dict[str, int], dict[str, int]], None]):
    """The exported tracker edited as a force would in Excel: ``edit(ws, column, row)`` with
    the column number of each header and the row number of each reference."""
    wb = openpyxl.load_workbook(sent.path)
    ws = wb["Recommendations"]
    column = {str(c.value): c.column for c in ws[1]}
    row = {
        str(ws.cell(r, column["Reference"]).value): r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, column["Reference"]).value
    }
    edit(ws, column, row)
    wb.save(out)
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- moved answers


def test_swapped_ids_refuse_both_rows_and_apply_nothing(
    sent: Sent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r1, r2 = sent.r1, sent.r2

    def swap(ws: Any, column: dict[str, int], row: dict[str, int]) -> None:
        a, b = row[r1.reference], row[r2.reference]
        ws.cell(a, column["Id"], r2.uuid)
        ws.cell(b, column["Id"], r1.uuid)
        ws.cell(a, column["Force response"], "Accepted: the answer typed on the R1 row.")
        ws.cell(a, column["Status"], "Response received")
        ws.cell(row[sent.r3.reference], column["Force response"], "A fine answer for R3.")

    path = edited(sent, tmp_path / "swapped.xlsx", swap)
    preview = preview_tracker_import(sent.db, path, today=TODAY)
    refused = [r for r in preview.rejected if r.header == "Reference"]
    assert len(refused) == 2
    by_row = {r.row: r.describe() for r in refused}
    assert r1.reference in by_row[2] and r2.reference in by_row[2] and "hidden Id" in by_row[2]
    assert r2.reference in by_row[3] and r1.reference in by_row[3]
    assert not [c for c in preview.changes if c.reference in (r1.reference, r2.reference)]
    assert not preview.missing_rows  # the refused rows are there, not lost

    with pytest.raises(UserError, match="nothing was applied"):
        apply_tracker_import(sent.db, preview)
    code, out, err = run(
        capsys, "tracker", "--db", sent.db.location, "--import", str(path), "--apply"
    )
    assert code == 2 and "nothing was applied" in err
    assert f"row 2, column A (Reference): the Reference says '{r1.reference}'" in out
    assert f"hidden Id is {r2.reference}'s" in out
    for rec in (r1, r2, sent.r3):
        after = get_recommendation(sent.db, rec.id)
        assert after.force_response == "" and after.status == "issued"

    # Told to apply the valid changes only, the refused rows still give nothing.
    code, out, err = run(
        capsys, "tracker", "--db", sent.db.location, "--import", str(path), "--apply",
        "--skip-rejected",
    )  # fmt: skip
    assert code == 2 and "1 change applied to 1 recommendation" in out
    assert get_recommendation(sent.db, sent.r3.id).force_response == "A fine answer for R3."
    assert get_recommendation(sent.db, r1.id).force_response == ""
    assert get_recommendation(sent.db, r2.id).force_response == ""


def test_a_formula_in_a_force_column_is_reported(sent: Sent, tmp_path: Path) -> None:
    def formulas(ws: Any, column: dict[str, int], row: dict[str, int]) -> None:
        ws.cell(row[sent.r1.reference], column["Force response"], '=CONCAT("Acc", "epted")')
        ws.cell(row[sent.r2.reference], column["Target date"], "=TODAY()+30")

    path = edited(sent, tmp_path / "formulas.xlsx", formulas)
    preview = preview_tracker_import(sent.db, path, today=TODAY)
    lines = {r.row: r.describe() for r in preview.rejected}
    assert lines[2] == "row 2, column K (Force response): a formula, not a value; type the value"
    assert lines[3] == "row 3, column O (Target date): a formula, not a value; type the value"
    assert not preview.changes
    with pytest.raises(UserError, match="nothing was applied"):
        apply_tracker_import(sent.db, preview)


def test_an_oversized_cell_is_rejected_not_stored(sent: Sent, tmp_path: Path) -> None:
    def long(ws: Any, column: dict[str, int], row: dict[str, int]) -> None:
        ws.cell(row[sent.r1.reference], column["Force response"], "x" * (MAX_CELL_CHARS + 1))

    preview = preview_tracker_import(sent.db, edited(sent, tmp_path / "long.xlsx", long))
    [bad] = preview.rejected
    assert bad.row == 2 and f"more than {MAX_CELL_CHARS:,}" in bad.message
    assert not preview.changes


# --------------------------------------------------------------------------- bombs


def _copy_except_sheet(src: Path, zout: zipfile.ZipFile) -> None:
    with zipfile.ZipFile(src) as zin:
        for info in zin.infolist():
            if info.filename != SHEET:
                zout.writestr(info, zin.read(info))


def bomb(sent: Sent, out: Path, unpacked: int) -> Path:
    """The exported tracker with a sheet of ``unpacked`` bytes of identical rows, streamed
    through the compressor so that neither this test nor the disk holds it (about 1:1000)."""
    row = b'<row><c t="inlineStr"><is><t>OOCD-2026-09-R1</t></is></c></row>' * 1000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        _copy_except_sheet(sent.path, zout)
        with zout.open(SHEET, "w", force_zip64=True) as fh:
            fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/')
            fh.write(b'2006/main"><sheetData>')
            written = 0
            while written < unpacked:
                fh.write(row)
                written += len(row)
            fh.write(b"</sheetData></worksheet>")
    return out


def test_a_zip_bomb_is_refused_quickly_with_the_limit(sent: Sent, tmp_path: Path) -> None:
    path = bomb(sent, tmp_path / "bomb.xlsx", 300 << 20)
    assert path.stat().st_size < 3 << 20
    start = time.perf_counter()
    with pytest.raises(TrackerTooLarge) as info:
        preview_tracker_import(sent.db, path, today=TODAY)
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert "bomb.xlsx" in message and f"{MAX_UNPACKED_BYTES >> 20} MB" in message


def test_a_part_that_unpacks_too_far_is_refused(sent: Sent, tmp_path: Path) -> None:
    """Under the total, but one part unpacks more than MAX_RATIO times its packed size."""
    path = bomb(sent, tmp_path / "ratio.xlsx", 20 << 20)
    with pytest.raises(TrackerTooLarge, match=rf"ratio.xlsx.*{MAX_RATIO}"):
        preview_tracker_import(sent.db, path, today=TODAY)


def declared(src: Path, out: Path, member: str, size: int) -> Path:
    """A copy of ``src`` whose central directory says ``member`` unpacks to ``size`` bytes
    (a few kB on disk that declare a gigabyte)."""
    data = bytearray(src.read_bytes())
    for m in re.finditer(rb"PK\x01\x02", data):
        at = m.start()
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, at + 24, size)
            out.write_bytes(bytes(data))
            return out
    raise AssertionError(f"no {member} in {src}")


def test_declared_sizes_are_checked_before_anything_is_unpacked(
    sent: Sent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = declared(sent.path, tmp_path / "declared.xlsx", SHEET, 1_170_000_000)
    assert path.stat().st_size < 100_000
    start = time.perf_counter()
    code, _out, err = run(capsys, "tracker", "--db", sent.db.location, "--import", str(path))
    assert time.perf_counter() - start < 5
    assert code == 2 and "Traceback" not in err
    assert "declared.xlsx" in err and "1,116 MB" in err and "50 MB" in err


def added_rows(sent: Sent, out: Path, n: int) -> Path:
    """The exported tracker with ``n`` rows the force added under the exported ones."""
    with zipfile.ZipFile(sent.path) as zin:
        sheet = zin.read(SHEET)
    head, tail = sheet.split(b"</sheetData>")
    # Excel's dimension says how far the sheet goes (openpyxl reads no further by itself).
    head = re.sub(
        rb'<dimension ref="A1:([A-Z]+)\d+"', rb'<dimension ref="A1:\g<1>%d"' % (4 + n), head
    )
    rows = (
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>OOCD-2026-09-R{r}</t></is></c>'
        f'<c r="K{r}" t="inlineStr"><is><t>Answer number {r}</t></is></c></row>'
        for r in range(5, 5 + n)
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        _copy_except_sheet(sent.path, zout)
        with zout.open(SHEET, "w", force_zip64=True) as fh:
            fh.write(head)
            for r in rows:
                fh.write(r.encode())
            fh.write(b"</sheetData>" + tail)
    return out


def test_200_000_added_rows_are_refused_quickly_with_the_row_limit(
    sent: Sent, tmp_path: Path
) -> None:
    path = added_rows(sent, tmp_path / "rows.xlsx", 200_000)
    start = time.perf_counter()
    with pytest.raises(TrackerTooLarge) as info:
        preview_tracker_import(sent.db, path, today=TODAY)
    assert time.perf_counter() - start < 5
    assert "rows.xlsx" in str(info.value) and f"{MAX_ROWS:,} rows" in str(info.value)


def test_the_report_lists_at_most_so_many_lines_per_list(sent: Sent, tmp_path: Path) -> None:
    extra = MAX_LINES_PER_LIST + 50
    path = added_rows(sent, tmp_path / "some.xlsx", extra)
    preview = preview_tracker_import(sent.db, path, today=TODAY)
    assert len(preview.unmatched) == extra  # all kept for the caller ...
    lines = preview.report_lines()
    unmatched = [line for line in lines if "a row added to the sheet?" in line]
    assert len(unmatched) == MAX_LINES_PER_LIST  # ... not all printed
    assert "  ... and 50 more" in lines


def test_a_row_of_200_000_cells_is_refused_before_openpyxl_parses_it(
    sent: Sent, tmp_path: Path
) -> None:
    with zipfile.ZipFile(sent.path) as zin:
        head, tail = zin.read(SHEET).split(b"</sheetData>")
    out = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        _copy_except_sheet(sent.path, zout)
        with zout.open(SHEET, "w") as fh:
            fh.write(head + b'<row r="5">')
            for i in range(20):
                fh.write(b"".join(b"<c><v>%d</v></c>" % (i * 10_000 + j) for j in range(10_000)))
            fh.write(b"</row></sheetData>" + tail)
    start = time.perf_counter()
    with pytest.raises(
        TrackerTooLarge, match=r"wide.xlsx was not imported: a row has more than 100 cells"
    ):
        preview_tracker_import(sent.db, out, today=TODAY)
    assert time.perf_counter() - start < 5


def test_a_csv_of_200_000_rows_is_refused_with_the_row_limit(sent: Sent, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Reference,Force response\n")
        fh.writelines(f"OOCD-2026-09-R{r},Answer {r}\n" for r in range(200_000))
    start = time.perf_counter()
    with pytest.raises(TrackerTooLarge, match=rf"rows.csv.*{MAX_ROWS:,} rows"):
        preview_tracker_import(sent.db, path, today=TODAY)
    assert time.perf_counter() - start < 5


def test_a_million_shared_strings_are_refused(sent: Sent, tmp_path: Path) -> None:
    """Excel keeps a sheet's text in a shared strings part, which openpyxl reads whole."""
    out = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        with zipfile.ZipFile(sent.path) as zin:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == "xl/_rels/workbook.xml.rels":
                    data = data.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas'
                        b'.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                        b"</Relationships>",
                    )
                zout.writestr(info, data)
        with zout.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            fh.write(b"".join(b"<si><t>%d</t></si>" % i for i in range(300_000)))
            fh.write(b"</sst>")
    start = time.perf_counter()
    with pytest.raises(TrackerTooLarge, match=r"strings.xlsx .*1,000,000 XML elements"):
        preview_tracker_import(sent.db, out, today=TODAY)
    assert time.perf_counter() - start < 5
