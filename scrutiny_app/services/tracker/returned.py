"""Read back the tracker the force returns: preview what would change, then apply it.

The force fills in its columns of the exported workbook (:data:`tracker.FORCE_COLUMNS`: force
response, response date, decision, action owner, target date, status, evidence) and sends the
file back. :func:`preview_tracker_import` reads it without writing anything and says, per
recommendation and field, what would change (old -> new), which cells are rejected and why (with
their row, and the column's letter and header), which edits to the panel's own columns are
ignored, and which rows match nothing. :func:`apply_tracker_import` then applies the valid
changes in one transaction, each changed field a dated update in the recommendation's history.

Rules:

- Rows are matched by the hidden Id column (the recommendation's UUID), or by the Reference when
  the Id cell is blank. A row whose Id or Reference matches nothing (a row the force added) is
  reported and ignored; so is a second row for the same recommendation.
- Columns are found by their header, so reordered (or extra) columns are fine.
- The panel's columns are never taken from the file: an edited one is reported as ignored.
- An empty cell changes nothing (it never erases what the app holds).
- A status must be a status label or code, one the force may set (only the panel closes or
  supersedes a recommendation, or issues one), and an allowed move from the current status
  (:data:`~scrutiny_app.domain.vocab.ALLOWED_TRANSITIONS`); a decision must be a decision; a date
  must read as a date (Excel dates, ``2026-09-30``, ``30/09/2026`` (day first), ``30 Sep 2026``).
- Importing the same file again changes nothing.
- A row whose Reference and hidden Id name different recommendations (an answer moved to
  another row, an Id copied) is refused whole: nothing in it is taken.
- A formula in a force column is rejected ("type the value"), never read as its last result.

XLSX is the format sent to the force; a CSV export edited and returned is read the same way.

A returned file is untrusted: before openpyxl opens it, the archive's declared sizes and
compression ratios are checked and its sheets' rows and cells counted (:func:`_check_archive`),
so a zip bomb or a sheet of a million rows is refused in a second with the file and the limit
(:class:`TrackerTooLarge`); a cell longer than :data:`MAX_CELL_CHARS` is a rejected cell; and the
report lists at most :data:`MAX_LINES_PER_LIST` lines per list.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select

from scrutiny_app.domain.vocab import RecommendationStatus
from scrutiny_app.errors import UserError
from scrutiny_app.services import audit, logins
from scrutiny_app.services.files import sha256_of
from scrutiny_app.services.recommendations import (
    FIELD_LABELS,
    RecommendationRow,
    apply_changes,
    decision_label,
    list_recommendations,
    parse_decision,
    parse_status,
    status_change_problem,
    status_label,
)
from scrutiny_app.services.tracker.export import (
    COLUMN_FIELDS,
    EXPORTED_HEADER,
    FORCE_COLUMNS,
    LISTS_TITLE,
    SHEET_TITLE,
    TRACKER_COLUMNS,
    column_value,
)
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Recommendation

__all__ = [
    "FieldChange",
    "IgnoredEdit",
    "ImportPreview",
    "ImportResult",
    "RejectedCell",
    "TrackerTooLarge",
    "UnmatchedRow",
    "apply_tracker_import",
    "parse_date",
    "preview_tracker_import",
]

# Limits on a returned tracker. A real one is a few hundred rows and well under 1 MB; these
# are generous and keep the worst file to seconds and a few hundred MB.
MAX_FILE_BYTES = 20 << 20  # the file as returned (XLSX or CSV)
MAX_UNPACKED_BYTES = 50 << 20  # XLSX: all its parts unpacked, as the archive declares them
MAX_RATIO = 100  # XLSX: unpacked / packed size of one part (real sheets: 5 to 20) ...
RATIO_FROM_BYTES = 1 << 20  # ... checked for parts over 1 MB unpacked
MAX_PARTS = 1_000  # XLSX: files in the archive (an exported tracker has 11)
MAX_ROWS = 10_000  # sheet rows; or the database's recommendations + EXTRA_ROWS if more
EXTRA_ROWS = 1_000
MAX_COLUMNS = 100  # cells in a row (the tracker has 22 columns)
MAX_CELLS = 300_000  # XLSX: cells in a sheet (30 a row with a higher row limit)
MAX_TAGS = 1_000_000  # XLSX: XML tags in the parts read whole (shared strings, styles...)
MAX_CELL_CHARS = 10_000  # a force cell; longer is a rejected cell
MAX_LINES_PER_LIST = 200  # report lines per list, then "... and N more"
QUOTE_CHARS = 80  # a message quotes at most this much of a cell

# Statuses the force may set from its sheet; issuing, closing and superseding are the panel's.

# Columns computed by the app: their cells in a returned file are neither read nor reported.
_COMPUTED = frozenset({"Overdue", "Updates"})
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d %b %y",
    "%d-%b-%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)
# Excel serial day numbers from 1 Jan 2000 to 31 Dec 2099: a bare number in a date column.
_SERIAL_RANGE = (36526, 73050)


# --------------------------------------------------------------------------- results


class TrackerTooLarge(UserError):
    """A returned file over one of the limits above: refused before it is read."""

    def __init__(self, file: str, what: str, limit: str) -> None:
        self.file, self.what, self.limit = file, what, limit
        super().__init__(
            f"{file} was not imported: {what} (the limit for a returned tracker is {limit}). "
            "A returned tracker is the exported file with the force's answers typed in: export "
            "the tracker again and copy the answers into it."
        )


@dataclass(frozen=True)
class FieldChange:
    """One field of one recommendation that the file changes."""

    recommendation_id: int
    reference: str
    row: int  # the spreadsheet row
    column: str  # the column letter in the returned file
    header: str
    field: str  # the Recommendation attribute ("status" for the status)
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.reference}: {self.header}: {_show(self.field, self.old)} -> {_show(self.field, self.new)}"


@dataclass(frozen=True)
class RejectedCell:
    """A cell the import will not take, and why."""

    row: int
    column: str
    header: str
    value: Any
    reference: str
    message: str

    def describe(self) -> str:
        return f"row {self.row}, column {self.column} ({self.header}): {self.message}"


@dataclass(frozen=True)
class IgnoredEdit:
    """A panel column edited in the returned file: never taken back."""

    row: int
    column: str
    header: str
    reference: str
    current: Any
    value: Any

    def describe(self) -> str:
        return (
            f"row {self.row}, column {self.column} ({self.header}): the Panel's column was "
            f"edited ({_cut(_plain(self.value))!r}); ignored"
        )


@dataclass(frozen=True)
class UnmatchedRow:
    row: int
    reference: str
    id: str
    reason: str

    def describe(self) -> str:
        what = _cut(self.reference or self.id) or "no reference"
        return f"row {self.row} ({what}): {self.reason}; ignored"


@dataclass(frozen=True)
class ImportPreview:
    """What importing the file would do. Nothing has been written."""

    file: Path
    sha256: str
    sheet: str
    rows_read: int
    matched: int
    changes: tuple[FieldChange, ...]
    rejected: tuple[RejectedCell, ...]
    ignored: tuple[IgnoredEdit, ...]
    unmatched: tuple[UnmatchedRow, ...]
    unknown_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    missing_rows: tuple[str, ...] = ()  # references exported but not in the returned file

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def has_rejections(self) -> bool:
        return bool(self.rejected)

    def by_recommendation(self) -> dict[str, list[FieldChange]]:
        """The changes grouped by recommendation reference, in file order."""
        out: dict[str, list[FieldChange]] = {}
        for c in self.changes:
            out.setdefault(c.reference, []).append(c)
        return out

    def summary(self) -> str:
        recs = len(self.by_recommendation())
        parts = [
            f"{self.rows_read} rows read, {self.matched} matched",
            f"{len(self.changes)} change{'s' if len(self.changes) != 1 else ''} to "
            f"{recs} recommendation{'s' if recs != 1 else ''}",
        ]
        if self.rejected:
            parts.append(
                f"{len(self.rejected)} rejected cell{'s' if len(self.rejected) != 1 else ''}"
            )
        if self.ignored:
            parts.append(
                f"{len(self.ignored)} edit{'s' if len(self.ignored) != 1 else ''} to the Panel's columns ignored"
            )
        if self.unmatched:
            parts.append(
                f"{len(self.unmatched)} unmatched row{'s' if len(self.unmatched) != 1 else ''} ignored"
            )
        return f"{self.file.name}: " + "; ".join(parts) + "."

    def report_lines(self) -> list[str]:
        """The preview as lines of text (for the command line and a message box); each list
        shows its first :data:`MAX_LINES_PER_LIST` entries and says how many more there are."""
        lines = [self.summary()]
        if self.changes:
            lines.append("Changes:")
            groups = list(self.by_recommendation().items())
            for ref, changes in groups[:MAX_LINES_PER_LIST]:
                lines.append(f"  {ref} (row {changes[0].row})")
                lines += [
                    f"    {c.header}: {_show(c.field, c.old)} -> {_show(c.field, c.new)}"
                    for c in changes
                ]
            lines += _more(len(groups), "recommendations changed")
        else:
            lines.append("No changes.")
        for title, entries in (
            ("Rejected cells:", self.rejected),
            ("Ignored edits to the Panel's columns:", self.ignored),
            ("Unmatched rows:", self.unmatched),
        ):
            if entries:
                lines.append(title)
                lines += [f"  {e.describe()}" for e in entries[:MAX_LINES_PER_LIST]]
                lines += _more(len(entries))
        if self.unknown_columns:
            lines.append(
                "Columns not in the tracker (ignored): "
                + ", ".join(_cut(c) for c in self.unknown_columns)
            )
        if self.missing_columns:
            lines.append("Force columns missing from the file: " + ", ".join(self.missing_columns))
        if self.missing_rows:
            more = len(self.missing_rows) - MAX_LINES_PER_LIST
            lines.append(
                "Recommendations exported but missing from the file (rows deleted?): "
                + ", ".join(self.missing_rows[:MAX_LINES_PER_LIST])
                + (f" ... and {more} more" if more > 0 else "")
            )
        return lines


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    recommendations_changed: int
    fields_changed: int
    references: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> str:
        if not self.fields_changed:
            return f"{self.preview.file.name}: nothing to change."
        recs = self.recommendations_changed
        return (
            f"{self.preview.file.name}: {self.fields_changed} change"
            f"{'s' if self.fields_changed != 1 else ''} applied to {recs} recommendation"
            f"{'s' if recs != 1 else ''}."
        )


# --------------------------------------------------------------------------- values


def _more(n: int, noun: str = "") -> list[str]:
    """The line that ends a list cut at :data:`MAX_LINES_PER_LIST` (none if it was not)."""
    left = n - MAX_LINES_PER_LIST
    return [f"  ... and {left} more{' ' + noun if noun else ''}"] if left > 0 else []


def _cut(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut at ``limit`` characters for a message, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


@dataclass(frozen=True)
class _Formula:
    """A cell holding a formula (its text, e.g. ``=TODAY()+30``), not a value."""

    text: str

    def __str__(self) -> str:
        return self.text


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(field_name: str, value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "(empty)"
    if field_name == "status":
        return status_label(value)
    if field_name == "decision":
        return decision_label(value)
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    text = str(value).replace("\n", " ")
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _text(value: Any) -> str:
    """A cell as text: line breaks normalised, outer space trimmed, the CSV guard removed."""
    text = _plain(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if text[:2] in ("'=", "'+", "'-", "'@"):
        text = text[1:]
    return text


def parse_date(value: Any) -> dt.date | None:
    """A cell as a date (None when empty); ValueError when it does not read as one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return from_excel(value).date()
        raise ValueError(f"{_plain(value)!r} is not a date")
    text = " ".join(str(value).split())
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (type it as e.g. 30/09/2026)")


def _norm_header(text: Any) -> str:
    return " ".join(_plain(text).split()).casefold()


def _same(header: str, cell: Any, current: Any) -> bool:
    """Does a panel column's cell still say what the app holds?"""
    if header in ("Date raised", "Response due", "Date closed"):
        try:
            return parse_date(cell) == current
        except ValueError:
            return False
    return _text(cell).casefold() == _text(current).casefold()


# --------------------------------------------------------------------------- reading


@dataclass
class _Sheet:
    name: str
    headers: dict[str, int]  # tracker column -> 0-based position in the file
    unknown: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row, values)
    exported: tuple[str, ...] = ()  # the ids as exported (hidden Lists sheet); () if unknown


def _find_header(rows: list[list[Any]]) -> int:
    """The header row: the first (of the first 10) naming Reference or Id."""
    for i, values in enumerate(rows[:10]):
        names = {_norm_header(v) for v in values}
        if "reference" in names or "id" in names:
            return i
    raise UserError(
        "This is not a recommendation tracker: no row in the first ten names a 'Reference' or "
        "an 'Id' column."
    )


def _exported(wb: Any, name: str, max_rows: int) -> tuple[str, ...]:
    """The ids the app wrote into the hidden Lists sheet when it exported the file."""
    if LISTS_TITLE not in wb.sheetnames:
        return ()
    rows = list(_sheet_rows(wb[LISTS_TITLE], name, max_rows))
    if not rows or EXPORTED_HEADER not in rows[0]:
        return ()
    i = list(rows[0]).index(EXPORTED_HEADER)
    return tuple(str(r[i]) for r in rows[1:] if i < len(r) and r[i])


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def _too_many_rows(name: str, max_rows: int) -> TrackerTooLarge:
    return TrackerTooLarge(name, f"a sheet has more than {max_rows:,} rows", f"{max_rows:,} rows")


# An element's start tag in a sheet's XML, with or without a namespace prefix.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _check_archive(path: Path, max_rows: int) -> None:
    """Refuse an XLSX that would take too long or too much memory to read, before openpyxl
    opens it: the archive's declared sizes (which also bound what unpacking yields), each
    part's compression ratio, and the rows and cells of each sheet (counted in its XML, which
    openpyxl would otherwise parse a whole row of at a time)."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(
            f"Cannot read {name} as an Excel workbook: it is not a zip archive, as an .xlsx file "
            f"is ({exc}). Save it from Excel as an .xlsx workbook."
        ) from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise TrackerTooLarge(name, f"it holds {len(parts):,} files", f"{MAX_PARTS:,} files")
        total = sum(p.file_size for p in parts)
        if total > MAX_UNPACKED_BYTES:
            raise TrackerTooLarge(
                name, f"its parts unpack to {_mb(total)}", f"{_mb(MAX_UNPACKED_BYTES)} unpacked"
            )
        for p in parts:
            if p.file_size > RATIO_FROM_BYTES and p.file_size > MAX_RATIO * max(p.compress_size, 1):
                ratio = p.file_size // max(p.compress_size, 1)
                raise TrackerTooLarge(
                    name,
                    f"its part {_cut(p.filename)} unpacks {ratio:,} times its size "
                    f"({_mb(p.file_size)}; a zip bomb?)",
                    f"{MAX_RATIO} times",
                )
        tags = 0
        for p in parts:
            if not p.filename.endswith((".xml", ".rels")):
                continue
            try:
                xml = archive.read(p)
            except Exception as exc:  # a damaged part: bad CRC, bad deflate stream
                raise UserError(
                    f"Cannot read {name} as an Excel workbook: its part {_cut(p.filename)} is "
                    f"damaged ({exc}). Save it from Excel again."
                ) from exc
            if p.filename.startswith("xl/worksheets/"):
                _check_sheet_xml(name, xml, max_rows)
            else:  # read whole by openpyxl, one object per element
                tags += xml.count(b"<")
                if tags > MAX_TAGS:
                    raise TrackerTooLarge(
                        name,
                        f"its parts other than the sheets hold more than {MAX_TAGS:,} XML "
                        "elements (shared strings, styles)",
                        f"{MAX_TAGS:,} elements",
                    )


def _check_sheet_xml(name: str, xml: bytes, max_rows: int) -> None:
    """Count a sheet's rows and cells, and each row's cells, in its XML (stopping at the
    limits)."""
    if _count(_ROW_TAG, xml, max_rows + 1) > max_rows:
        raise _too_many_rows(name, max_rows)
    max_cells = max(MAX_CELLS, 30 * max_rows)
    if _count(_CELL_TAG, xml, max_cells + 1) > max_cells:
        raise TrackerTooLarge(
            name, f"a sheet has more than {max_cells:,} cells", f"{max_cells:,} cells"
        )
    for row in _ROW_TAG.split(xml):
        if _count(_CELL_TAG, row, MAX_COLUMNS + 1) > MAX_COLUMNS:
            raise TrackerTooLarge(
                name, f"a row has more than {MAX_COLUMNS} cells", f"{MAX_COLUMNS} columns"
            )


def _count(pattern: re.Pattern[bytes], data: bytes, stop: int) -> int:
    """How many times ``pattern`` occurs in ``data``, counting no further than ``stop``."""
    return sum(1 for _ in islice(pattern.finditer(data), stop))


def _sheet_rows(ws: Any, name: str, max_rows: int) -> Iterator[list[Any]]:
    """A read-only sheet's rows as lists of values, a formula as a :class:`_Formula`.

    Every row of the sheet is read, whatever its stated dimension says (Excel's own, or a
    stale one), and at most :data:`MAX_COLUMNS` columns: a value past them, or more rows than
    ``max_rows`` (blank ones included), refuses the file."""
    ws.reset_dimensions()
    for n, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        if n > max_rows:
            raise _too_many_rows(name, max_rows)
        if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS].value not in (None, ""):
            raise TrackerTooLarge(
                name, f"row {n} has a value past column {MAX_COLUMNS}", f"{MAX_COLUMNS} columns"
            )
        yield [
            _Formula(str(getattr(c.value, "text", c.value))) if c.data_type == "f" else c.value
            for c in cells[:MAX_COLUMNS]
        ]


def _read_rows(path: Path, max_rows: int) -> tuple[str, Iterator[list[Any]], tuple[str, ...]]:
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TrackerTooLarge(path.name, f"it is {_mb(size)}", _mb(MAX_FILE_BYTES))
    if suffix == ".csv":
        return path.name, _csv_rows(path, max_rows), ()
    if suffix not in (".xlsx", ".xlsm"):
        raise UserError(f"Cannot import {path.name}: the tracker must be an .xlsx (or .csv) file.")
    _check_archive(path, max_rows)
    try:
        # Not data_only: a formula is seen as one (and reported), not as its cached result.
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UserError(f"Cannot read {path.name} as an Excel workbook: {exc}") from exc
    try:
        ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
        exported = _exported(wb, path.name, max_rows)
    except UserError:
        wb.close()
        raise
    except Exception as exc:
        wb.close()
        raise UserError(f"Cannot read {path.name} as an Excel workbook: {exc}") from exc

    def rows() -> Iterator[list[Any]]:
        try:
            yield from _sheet_rows(ws, path.name, max_rows)
        except UserError:
            raise
        except Exception as exc:  # a damaged sheet, found while reading it
            raise UserError(f"Cannot read {path.name} as an Excel workbook: {exc}") from exc
        finally:
            wb.close()

    return ws.title, rows(), exported


def _csv_rows(path: Path, max_rows: int) -> Iterator[list[Any]]:
    """A CSV's rows (UTF-8, with or without a byte order mark), within the limits."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            for n, row in enumerate(reader, start=1):
                if n > max_rows:
                    raise _too_many_rows(path.name, max_rows)
                if len(row) > MAX_COLUMNS:
                    raise TrackerTooLarge(
                        path.name, f"line {reader.line_num} has {len(row):,} columns",
                        f"{MAX_COLUMNS} columns",
                    )  # fmt: skip
                yield row
        except csv.Error as exc:  # e.g. a field over the csv module's 131,072 characters
            raise UserError(
                f"Cannot read {path.name} as CSV: line {reader.line_num}: {exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise UserError(
                f"Cannot read {path.name}: it is not UTF-8 text (byte {exc.start}). Save it "
                'from Excel as "CSV UTF-8", or return the .xlsx file.'
            ) from exc


def _read(path: Path, max_rows: int) -> _Sheet:
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a file: choose the returned tracker inside it")
    if not path.is_file():
        raise UserError(f"No such file: {path}")
    name, rows_iter, exported = _read_rows(path, max_rows)
    all_rows = list(rows_iter)
    h = _find_header(all_rows)
    known = {_norm_header(c): c for c in TRACKER_COLUMNS}
    headers: dict[str, int] = {}
    unknown: list[str] = []
    for i, value in enumerate(all_rows[h]):
        key = _norm_header(value)
        if not key:
            continue
        if key in known and known[key] not in headers:
            headers[known[key]] = i
        else:
            unknown.append(_plain(value))
    if "Id" not in headers and "Reference" not in headers:
        raise UserError(f"{path.name}: no 'Reference' or 'Id' column to match the rows by.")
    data = [(h + 1 + n, values) for n, values in enumerate(all_rows[h + 1 :], start=1)]
    return _Sheet(name, headers, unknown, data, exported)


# --------------------------------------------------------------------------- preview


def preview_tracker_import(
    db: Database, path: str | Path, *, today: dt.date | None = None, actor: str = ""
) -> ImportPreview:
    """Read a returned tracker and say what importing it would change. Changes nothing but
    the audit trail, which records the preview (or the refusal) with the file's SHA-256."""
    logins.require_officer(db, "read the tracker the force returned")
    path = Path(path)
    try:
        preview = _preview(db, path, today=today)
    except UserError as exc:
        audit.record_refusal(db, actor, "tracker", "refused", path, str(exc))
        raise
    with db.transaction() as s:
        audit.record_event(
            s, actor, "preview", "tracker", None, file=path.name, sha256=preview.sha256,
            changes=len(preview.changes), rejected=len(preview.rejected),
        )  # fmt: skip
    return preview


def _preview(db: Database, path: Path, *, today: dt.date | None) -> ImportPreview:
    recs = list_recommendations(db, today=today)
    sheet = _read(path, max(MAX_ROWS, len(recs) + EXTRA_ROWS))
    digest = sha256_of(path)
    by_uuid = {r.uuid: r for r in recs}
    by_ref = {r.reference.casefold(): r for r in recs}
    col = sheet.headers

    def cell(values: list[Any], column: str) -> Any:
        i = col.get(column)
        return values[i] if i is not None and i < len(values) else None

    def letter(column: str) -> str:
        return get_column_letter(col[column] + 1)

    changes: list[FieldChange] = []
    rejected: list[RejectedCell] = []
    ignored: list[IgnoredEdit] = []
    unmatched: list[UnmatchedRow] = []
    seen: dict[int, int] = {}
    refused: set[int] = set()  # recommendations named by a refused row: not "missing"
    rows_read = matched = 0

    for row_no, values in sheet.rows:
        if all(_plain(v).strip() == "" for v in values):
            continue
        rows_read += 1
        rid = _text(cell(values, "Id"))
        ref = _text(cell(values, "Reference"))
        rec: RecommendationRow | None
        if rid:
            rec = by_uuid.get(rid)
            if rec is None:
                # The hidden Id was typed over: the row cannot be trusted to be the one its
                # Reference says, so it is an error that stops the import, never a skip.
                rejected.append(
                    RejectedCell(
                        row_no,
                        letter("Id"),
                        "Id",
                        rid,
                        ref,
                        "the hidden Id was changed and matches no recommendation "
                        f"(the row says {_cut(ref)!r}); export the tracker again and copy the "
                        "answers",
                    )
                )
                if ref.casefold() in by_ref:
                    refused.add(by_ref[ref.casefold()].id)
                continue
            if ref and ref.casefold() != rec.reference.casefold():
                # The Reference the force sees and the Id the import goes by name different
                # recommendations (rows moved, an Id copied): the answer would land elsewhere.
                named = by_ref.get(ref.casefold())
                refused |= {rec.id} | ({named.id} if named else set())
                rejected.append(
                    RejectedCell(
                        row_no,
                        letter("Reference"),
                        "Reference",
                        ref,
                        ref,
                        f"the Reference says {_cut(ref)!r} but the row's hidden Id is "
                        f"{rec.reference}'s: the row was moved or its Id copied, so nothing in "
                        "it is taken. Export the tracker again and copy this row's answers",
                    )
                )
                continue
        else:
            rec = by_ref.get(ref.casefold()) if ref else None
            if rec is None:
                reason = (
                    f"no recommendation {ref!r} in this database (a row added to the sheet?)"
                    if ref
                    else "no Id or Reference to match it by"
                )
                unmatched.append(UnmatchedRow(row_no, ref, rid, reason))
                continue
        if rec.id in seen:
            unmatched.append(
                UnmatchedRow(
                    row_no,
                    rec.reference,
                    rid,
                    f"{rec.reference} already read from row {seen[rec.id]}",
                )
            )
            continue
        seen[rec.id] = row_no
        matched += 1

        # The panel's columns: never read back, but say when they were edited.
        for column in TRACKER_COLUMNS:
            if (
                column in FORCE_COLUMNS
                or column in _COMPUTED
                or column == "Id"
                or column not in col
            ):
                continue
            value = cell(values, column)
            current = column_value(rec, column)
            if not _same(column, value, current):
                ignored.append(
                    IgnoredEdit(row_no, letter(column), column, rec.reference, current, value)
                )

        def reject(
            column: str,
            value: Any,
            message: str,
            rec: RecommendationRow = rec,
            row_no: int = row_no,
        ) -> None:
            rejected.append(
                RejectedCell(row_no, letter(column), column, value, rec.reference, message)
            )

        def change(
            column: str,
            name: str,
            old: Any,
            new: Any,
            rec: RecommendationRow = rec,
            row_no: int = row_no,
        ) -> None:
            changes.append(
                FieldChange(rec.id, rec.reference, row_no, letter(column), column, name, old, new)
            )

        for column in FORCE_COLUMNS:
            if column not in col:
                continue
            name = COLUMN_FIELDS[column]
            value = cell(values, column)
            if isinstance(value, _Formula):
                reject(column, value, "a formula, not a value; type the value")
                continue
            if _plain(value).strip() == "":
                continue  # an empty cell never erases anything
            if len(_plain(value)) > MAX_CELL_CHARS:
                reject(
                    column,
                    _cut(_plain(value)),
                    f"{len(_plain(value)):,} characters, more than {MAX_CELL_CHARS:,}; shorten "
                    "it, or put the full text in a document and give its name",
                )
                continue
            old = getattr(rec, name)
            new: Any
            if column in ("Response date", "Target date"):
                try:
                    new = parse_date(value)
                except ValueError as exc:
                    reject(column, value, str(exc))
                    continue
            elif column == "Decision":
                try:
                    new = parse_decision(_text(value)).value
                except ValueError as exc:
                    reject(column, value, str(exc))
                    continue
            elif column == "Status":
                try:
                    status = parse_status(_text(value))
                except ValueError as exc:
                    reject(column, value, str(exc))
                    continue
                if status == RecommendationStatus(rec.status):
                    continue
                problem = status_change_problem(rec.reference, rec.status, status, by_force=True)
                if problem:
                    reject(column, value, problem)
                    continue
                new = status.value
            else:
                new = _text(value)
                old = _text(old)
            if new != old:
                change(column, name, old, new)

    missing = tuple(c for c in FORCE_COLUMNS if c not in col)
    missing_rows = tuple(
        by_uuid[u].reference
        for u in sheet.exported
        if u in by_uuid and by_uuid[u].id not in seen and by_uuid[u].id not in refused
    )
    return ImportPreview(
        file=path,
        sha256=digest,
        sheet=sheet.name,
        rows_read=rows_read,
        matched=matched,
        changes=tuple(changes),
        rejected=tuple(rejected),
        ignored=tuple(ignored),
        unmatched=tuple(unmatched),
        unknown_columns=tuple(sheet.unknown),
        missing_columns=missing,
        missing_rows=missing_rows,
    )


# --------------------------------------------------------------------------- apply


def apply_tracker_import(
    db: Database,
    preview: ImportPreview,
    *,
    on: dt.date | None = None,
    actor: str = "",
    skip_rejected: bool = False,
) -> ImportResult:
    """Apply a preview's changes in one transaction (all or nothing).

    A file with a rejected cell applies nothing, like a case import with a bad row, unless
    ``skip_rejected`` says to apply the valid changes and leave the rejected cells out.

    Each changed field becomes a dated update (``on``, default today) noting the file. If a
    recommendation changed in the app since the preview was made, nothing is applied and a
    UserError asks for a new preview.
    """
    logins.require_officer(db, "apply the tracker the force returned")
    if preview.has_rejections and not skip_rejected:
        n = len(preview.rejected)
        raise UserError(
            f"{preview.file.name}: nothing was applied: {n} cell{'s' if n != 1 else ''} "
            f"{'was' if n == 1 else 'were'} rejected ({preview.rejected[0].describe()}"
            f"{'; ...' if n > 1 else ''}). Correct the file, or apply the valid changes only "
            "(--skip-rejected)."
        )
    day = on or dt.date.today()
    groups: dict[int, list[FieldChange]] = {}
    for c in preview.changes:
        groups.setdefault(c.recommendation_id, []).append(c)
    fields_changed = 0
    references: list[str] = []
    note = f"From the force's returned tracker ({preview.file.name})"
    with db.transaction() as s:
        recs = {
            r.id: r
            for r in s.scalars(select(Recommendation).where(Recommendation.id.in_(list(groups))))
        }
        for rec_id, changes in groups.items():
            rec = recs.get(rec_id)
            if rec is None:
                raise UserError(
                    "A recommendation in the preview has since been deleted; preview the file again."
                )
            for c in changes:
                current = getattr(rec, c.field)
                if c.field in ("force_response", "action_owner", "evidence"):
                    current = _text(current)
                if current != c.old:
                    raise UserError(
                        f"{rec.reference}: {FIELD_LABELS[c.field]} has changed since the preview; "
                        "preview the file again."
                    )
            done = apply_changes(
                s, rec, {c.field: c.new for c in changes}, on=day, note=note, actor=actor
            )
            if done:
                fields_changed += len(done)
                references.append(rec.reference)
    return ImportResult(preview, len(references), fields_changed, tuple(references))
