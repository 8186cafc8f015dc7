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

XLSX is the format sent to the force; a CSV export edited and returned is read the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select

from scrutiny_app.domain.vocab import RecommendationStatus
from scrutiny_app.errors import UserError
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
from scrutiny_app.services.tracker import (
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
    "UnmatchedRow",
    "apply_tracker_import",
    "parse_date",
    "preview_tracker_import",
]

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
            f"edited ({_plain(self.value)!r}); ignored"
        )


@dataclass(frozen=True)
class UnmatchedRow:
    row: int
    reference: str
    id: str
    reason: str

    def describe(self) -> str:
        what = self.reference or self.id or "no reference"
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
        """The preview as lines of text (for the command line and a message box)."""
        lines = [self.summary()]
        if self.changes:
            lines.append("Changes:")
            for ref, changes in self.by_recommendation().items():
                lines.append(f"  {ref} (row {changes[0].row})")
                lines += [
                    f"    {c.header}: {_show(c.field, c.old)} -> {_show(c.field, c.new)}"
                    for c in changes
                ]
        else:
            lines.append("No changes.")
        if self.rejected:
            lines.append("Rejected cells:")
            lines += [f"  {r.describe()}" for r in self.rejected]
        if self.ignored:
            lines.append("Ignored edits to the Panel's columns:")
            lines += [f"  {i.describe()}" for i in self.ignored]
        if self.unmatched:
            lines.append("Unmatched rows:")
            lines += [f"  {u.describe()}" for u in self.unmatched]
        if self.unknown_columns:
            lines.append("Columns not in the tracker (ignored): " + ", ".join(self.unknown_columns))
        if self.missing_columns:
            lines.append("Force columns missing from the file: " + ", ".join(self.missing_columns))
        if self.missing_rows:
            lines.append(
                "Recommendations exported but missing from the file (rows deleted?): "
                + ", ".join(self.missing_rows)
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


def _exported(wb: Any) -> tuple[str, ...]:
    """The ids the app wrote into the hidden Lists sheet when it exported the file."""
    if LISTS_TITLE not in wb.sheetnames:
        return ()
    rows = list(wb[LISTS_TITLE].iter_rows(values_only=True))
    if not rows or EXPORTED_HEADER not in rows[0]:
        return ()
    i = list(rows[0]).index(EXPORTED_HEADER)
    return tuple(str(r[i]) for r in rows[1:] if i < len(r) and r[i])


def _read_rows(path: Path) -> tuple[str, Iterator[list[Any]], tuple[str, ...]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        fh = path.open(encoding="utf-8-sig", newline="")

        def rows() -> Iterator[list[Any]]:
            with fh:
                yield from csv.reader(fh)

        return path.name, rows(), ()
    if suffix not in (".xlsx", ".xlsm"):
        raise UserError(f"Cannot import {path.name}: the tracker must be an .xlsx (or .csv) file.")
    try:
        wb = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UserError(f"Cannot read {path.name} as an Excel workbook: {exc}") from exc
    ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
    exported = _exported(wb)

    def rows() -> Iterator[list[Any]]:
        try:
            for values in ws.iter_rows(values_only=True):
                yield list(values)
        finally:
            wb.close()

    return ws.title, rows(), exported


def _read(path: Path) -> _Sheet:
    if not path.is_file():
        raise UserError(f"No such file: {path}")
    name, rows_iter, exported = _read_rows(path)
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
    db: Database, path: str | Path, *, today: dt.date | None = None
) -> ImportPreview:
    """Read a returned tracker and say what importing it would change. Writes nothing."""
    path = Path(path)
    sheet = _read(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    recs = list_recommendations(db, today=today)
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
                        f"(the row says {ref!r}); export the tracker again and copy the answers",
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
            if _plain(value).strip() == "":
                continue  # an empty cell never erases anything
            old = getattr(rec, name)
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
    seen_ids = {r.id for r in recs if r.id in seen}
    missing_rows = tuple(
        by_uuid[u].reference
        for u in sheet.exported
        if u in by_uuid and by_uuid[u].id not in seen_ids
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
