"""The recommendation tracker: the filtered view the app shows, and its export for the force.

**Export** (:func:`export_tracker`), to XLSX or CSV by the file's suffix. One row per
recommendation with the docs/DOMAIN.md columns and a last, hidden "Id" column holding the
recommendation's stable UUID, so a sheet sent to the force and returned can be matched back row
by row (:mod:`~scrutiny_app.services.tracker.returned`). The workbook has a formatted header,
frozen panes, real Excel dates, drop-down lists for Decision and Status (from a hidden "Lists"
sheet, since status labels contain commas), and sheet protection with only the force's columns
(:data:`FORCE_COLUMNS`) unlocked: the panel's columns are locked against slips, not secured (there
is no password; the import never takes the panel's columns from a returned file anyway).
A CSV has the same columns, ISO dates, UTF-8 with a byte order mark (Excel reads it right).

**View** (:func:`tracker_rows`): the rows filtered by open, overdue, panel, addressed to,
meeting and a search text, for the app's tracker view.

Files are written beside ``out_path`` under a temporary name and renamed at the end, so a
failed export never leaves a half-written file.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from scrutiny_app.domain.vocab import (
    Classification,
    Decision,
    RecommendationStatus,
    force_choices,
)
from scrutiny_app.errors import UserError
from scrutiny_app.services import logins
from scrutiny_app.services.audit import record_export
from scrutiny_app.services.files import atomic_output
from scrutiny_app.services.recommendations import (
    DECISION_LABELS,
    RecommendationRow,
    UpdateRow,
    decision_label,
    list_recommendations,
    status_label,
)
from scrutiny_app.storage.database import Database

__all__ = [
    "COLUMN_FIELDS",
    "FORCE_COLUMNS",
    "SHEET_TITLE",
    "TRACKER_COLUMNS",
    "TrackerFilter",
    "addressed_to_options",
    "export_tracker",
    "tracker_rows",
    "update_line",
]

SHEET_TITLE = "Recommendations"
LISTS_TITLE = "Lists"
HELP_TITLE = "How to fill in"
DATE_FORMAT = "d mmm yyyy"

# (header, width in characters). The order is docs/DOMAIN.md's; "Id" is the hidden last column.
_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Reference", 20),
    ("Panel", 24),
    ("Meeting", 26),
    ("Date raised", 12),
    ("Linked cases", 22),
    ("Theme", 20),
    ("Recommendation", 50),
    ("Addressed to", 22),
    ("Priority", 9),
    ("Response due", 12),
    ("Force response", 40),
    ("Response date", 12),
    ("Decision", 18),
    ("Action owner", 20),
    ("Target date", 12),
    ("Status", 26),
    ("Overdue", 9),
    ("Updates", 50),
    ("Evidence", 30),
    ("Date closed", 12),
    ("Where published", 24),
    ("Id", 38),
)
TRACKER_COLUMNS: list[str] = [name for name, _ in _COLUMNS]
# The columns the force fills in (unlocked in the workbook, read back by the import).
FORCE_COLUMNS: tuple[str, ...] = (
    "Force response",
    "Response date",
    "Decision",
    "Action owner",
    "Target date",
    "Status",
    "Evidence",
)
# Header -> RecommendationRow attribute (or the computed value's name).
COLUMN_FIELDS: dict[str, str] = {
    "Reference": "reference",
    "Panel": "panel",
    "Meeting": "meeting",
    "Date raised": "date_raised",
    "Linked cases": "linked_cases",
    "Theme": "theme",
    "Recommendation": "text",
    "Addressed to": "addressed_to",
    "Priority": "priority",
    "Response due": "response_due",
    "Force response": "force_response",
    "Response date": "response_date",
    "Decision": "decision",
    "Action owner": "action_owner",
    "Target date": "target_date",
    "Status": "status",
    "Overdue": "overdue",
    "Updates": "updates",
    "Evidence": "evidence",
    "Date closed": "date_closed",
    "Where published": "published_in",
    "Id": "uuid",
}
_DATE_COLUMNS = frozenset(
    {"Date raised", "Response due", "Response date", "Target date", "Date closed"}
)

_HEADER_FONT = Font(bold=True, color="1D3557")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_FORCE_HEADER_FILL = PatternFill("solid", fgColor="FFE699")
_FORCE_CELL_FILL = PatternFill("solid", fgColor="FFF8E1")
_HEADER_BORDER = Border(bottom=Side(style="medium", color="1D3557"))
_OVERDUE_FONT = Font(bold=True, color="C62828")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class TrackerFilter:
    """What the tracker view shows. Empty values do not filter."""

    panel_id: int | None = None
    meeting_id: int | None = None
    open_only: bool = False  # not closed or superseded
    overdue_only: bool = False  # past due with no response
    addressed_to: str = ""  # the force role, any case
    text: str = ""  # words to find in the reference, text, addressee or response


def tracker_rows(
    db: Database, flt: TrackerFilter | None = None, *, today: dt.date | None = None
) -> list[RecommendationRow]:
    """The tracker's rows, filtered (panel, then date raised, then number)."""
    flt = flt or TrackerFilter()
    rows = list_recommendations(
        db, panel_id=flt.panel_id, meeting_id=flt.meeting_id, today=today or dt.date.today()
    )
    if flt.open_only:
        rows = [r for r in rows if r.is_open]
    if flt.overdue_only:
        rows = [r for r in rows if r.overdue]
    if flt.addressed_to.strip():
        who = flt.addressed_to.strip().casefold()
        rows = [r for r in rows if r.addressed_to.casefold() == who]
    words = flt.text.casefold().split()
    if words:

        def haystack(r: RecommendationRow) -> str:
            return " ".join(
                (r.reference, r.text, r.addressed_to, r.force_response, r.theme, r.action_owner)
            ).casefold()

        rows = [r for r in rows if all(w in haystack(r) for w in words)]
    return rows


def addressed_to_options(db: Database, panel_id: int | None = None) -> list[str]:
    """The distinct force roles recommendations are addressed to (for the view's filter)."""
    seen: dict[str, str] = {}
    for r in list_recommendations(db, panel_id=panel_id):
        if r.addressed_to.strip():
            seen.setdefault(r.addressed_to.strip().casefold(), r.addressed_to.strip())
    return sorted(seen.values(), key=str.casefold)


# --------------------------------------------------------------------------- values


def _label(value: str | None) -> str:
    """A stored vocabulary value as a reader sees it: 'partially_accepted' -> 'Partially accepted'."""
    return (value or "").replace("_", " ").capitalize()


def update_line(u: UpdateRow) -> str:
    """One dated update: '2019-03-01 Draft -> Issued (awaiting response): note'."""
    if u.status_from and u.status_to:
        change = f"{status_label(u.status_from)} -> {status_label(u.status_to)}"
    else:
        change = status_label(u.status_to or u.status_from)
    text = f"{u.on:%Y-%m-%d}"
    if change:
        text += f" {change}"
    if u.note:
        text += f": {u.note}" if change else f" {u.note}"
    return text


def column_value(r: RecommendationRow, column: str) -> Any:
    """What the export writes in ``column`` for ``r`` (dates as dates, labels for codes)."""
    match column:
        case "Linked cases":
            return ", ".join(r.linked_cases)
        case "Priority":
            return _label(r.priority)
        case "Decision":
            return decision_label(r.decision)
        case "Status":
            return status_label(r.status)
        case "Overdue":
            return "Yes" if r.overdue else ""
        case "Updates":
            return "\n".join(update_line(u) for u in r.updates)
    return getattr(r, COLUMN_FIELDS[column])


def _values(r: RecommendationRow) -> list[Any]:
    return [column_value(r, c) for c in TRACKER_COLUMNS]


def _excel_value(value: Any) -> Any:
    """None and '' become empty cells; control characters Excel cannot hold are dropped."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


# --------------------------------------------------------------------------- export


def export_tracker(
    db: Database,
    out_path: str | Path,
    *,
    panel_id: int | None = None,
    today: dt.date | None = None,
    rows: list[RecommendationRow] | None = None,
    actor: str = "",
) -> Path:
    """Write the recommendation tracker (one panel's, or every panel's) to ``out_path``.

    ``.xlsx`` gives the workbook for the force, ``.csv`` a plain table. ``rows`` exports those
    rows instead (e.g. the app's filtered view, from :func:`tracker_rows`).
    """
    logins.require_officer(db, "export the recommendations tracker")
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UserError(
            f"Cannot export the tracker as {out_path.name!r}: the file must end in .xlsx or .csv."
        )
    if rows is None:
        rows = list_recommendations(db, panel_id=panel_id, today=today or dt.date.today())
    if suffix == ".csv":
        written = _export_csv(rows, out_path)
    else:
        written = _export_xlsx(rows, out_path, panel_id=panel_id)
    record_export(db, actor, "tracker", written, recommendations=len(rows))
    return written


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ would be run as a formula by a spreadsheet: keep it text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def _export_csv(rows: list[RecommendationRow], out_path: Path) -> Path:
    with (
        atomic_output(out_path, "tracker") as tmp,
        tmp.open("w", encoding="utf-8-sig", newline="") as fh,
    ):
        writer = csv.writer(fh)
        writer.writerow(TRACKER_COLUMNS)
        for r in rows:
            writer.writerow([_csv_text(v) for v in _values(r)])
    return out_path


def _lists_sheet(wb: Workbook) -> tuple[str, dict[RecommendationStatus, str]]:
    """The hidden sheet the drop-downs read from: the decisions, and for each status the
    statuses the force may choose from it (the current one first). Returns the ranges."""
    ws = wb.create_sheet(LISTS_TITLE)
    ws["A1"] = "Decision"
    decisions = [DECISION_LABELS[d] for d in Decision]
    for i, text in enumerate(decisions, start=2):
        ws.cell(i, 1, text)
    status_ranges: dict[RecommendationStatus, str] = {}
    for j, status in enumerate(RecommendationStatus, start=2):
        letter = get_column_letter(j)
        ws.cell(1, j, f"From {status.label}")
        choices = force_choices(status)
        for i, choice in enumerate(choices, start=2):
            ws.cell(i, j, choice.label)
        status_ranges[status] = f"{LISTS_TITLE}!${letter}$2:${letter}${len(choices) + 1}"
    ws.sheet_state = "hidden"
    return f"{LISTS_TITLE}!$A$2:$A${len(decisions) + 1}", status_ranges


EXPORTED_HEADER = "Exported ids"


def _exported_ids(ws: Any, rows: list[RecommendationRow]) -> None:
    """The ids of the rows as exported, so a returned file that lost a row says which."""
    col = ws.max_column + 1
    ws.cell(1, col, EXPORTED_HEADER)
    for i, r in enumerate(rows, start=2):
        ws.cell(i, col, r.uuid)


_HELP = (
    "How to fill in the recommendation tracker",
    "",
    "Please fill in the shaded columns only: Force response, Response date, Decision, "
    "Action owner, Target date, Status and Evidence. The other columns are the Panel's and are "
    "locked; changes made to them are not taken back.",
    "Decision and Status: choose from the drop-down list. Each row's Status list offers only "
    "what the force may set from the recommendation's current status.",
    "Status moves one step at a time: Issued (awaiting response) -> Response received -> "
    "Accepted, in progress (or Partially accepted / Not accepted) -> Completed. "
    "Only the Panel closes a recommendation.",
    "Dates: type a date (e.g. 30/09/2026). Please do not add, delete or move rows, and do not "
    "change the Reference column: each row is matched back by a hidden identifier.",
    "Return the file to the Office of the Police and Crime Commissioner.",
)


def _help_sheet(wb: Workbook, marking: str) -> None:
    ws = wb.create_sheet(HELP_TITLE)
    ws.column_dimensions["A"].width = 110
    for i, text in enumerate(_HELP, start=1):
        cell = ws.cell(i, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=13, color="1D3557")
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking


def _export_xlsx(rows: list[RecommendationRow], out_path: Path, *, panel_id: int | None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    ws.append(TRACKER_COLUMNS)
    force_cols = {TRACKER_COLUMNS.index(c) + 1 for c in FORCE_COLUMNS}
    for col, cell in enumerate(ws[1], start=1):
        cell.font = _HEADER_FONT
        cell.fill = _FORCE_HEADER_FILL if col in force_cols else _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[1].height = 30

    for r in rows:
        ws.append([_excel_value(v) for v in _values(r)])
        for col, cell in enumerate(ws[ws.max_row], start=1):
            cell.alignment = _WRAP_TOP
            if cell.data_type == "f":  # text that starts with "=" is text, never a formula
                cell.data_type = "s"
            if TRACKER_COLUMNS[col - 1] in _DATE_COLUMNS:
                cell.number_format = DATE_FORMAT
            if col in force_cols:
                cell.protection = _UNLOCKED
                cell.fill = _FORCE_CELL_FILL
        if r.overdue:
            ws.cell(ws.max_row, TRACKER_COLUMNS.index("Overdue") + 1).font = _OVERDUE_FONT

    for i, (_, width) in enumerate(_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    id_letter = get_column_letter(len(TRACKER_COLUMNS))
    ws.column_dimensions[id_letter].hidden = True
    ws.freeze_panes = "B2"  # the header row and the reference column stay in view
    last_visible = get_column_letter(len(TRACKER_COLUMNS) - 1)
    last_row = max(ws.max_row, 2)
    ws.auto_filter.ref = f"A1:{last_visible}{max(ws.max_row, 1)}"

    # Drop-down lists and date checks on the force's columns.
    _help_sheet(wb, Classification.OFFICIAL_SENSITIVE.value)
    decision_range, status_ranges = _lists_sheet(wb)
    _exported_ids(wb[LISTS_TITLE], rows)

    def letter(column: str) -> str:
        return get_column_letter(TRACKER_COLUMNS.index(column) + 1)

    def drop_down(source: str, what: str) -> DataValidation:
        dv = DataValidation(
            type="list",
            formula1=f"={source}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {what}",
            error=f"Please choose a {what} from the list.",
        )
        ws.add_data_validation(dv)
        return dv

    at = letter("Decision")
    drop_down(decision_range, "decision").add(f"{at}2:{at}{last_row}")
    # Each row's Status list holds only what the force may set from where it is now.
    at = letter("Status")
    by_status: dict[RecommendationStatus, list[int]] = {}
    for i, r in enumerate(rows, start=2):
        by_status.setdefault(RecommendationStatus(r.status), []).append(i)
    for status, row_numbers in by_status.items():
        dv = drop_down(status_ranges[status], "status the force may set now")
        for n in row_numbers:
            dv.add(f"{at}{n}")
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a date",
        error="Please type a date, e.g. 30/09/2026.",
    )
    for column in ("Response date", "Target date"):
        dates.add(f"{letter(column)}2:{letter(column)}{last_row}")
    ws.add_data_validation(dates)

    # The panel's columns locked, the force's open; sorting, filtering and resizing allowed.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False

    # Printing: landscape, one page wide, header row on every page, and the marking.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    marking = Classification.OFFICIAL_SENSITIVE.value
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking
    ws.oddFooter.right.text = "Page &P of &N"

    wb.properties.title = "Recommendation tracker"
    wb.properties.creator = "Scrutiny app"
    wb.properties.subject = rows[0].panel if panel_id is not None and rows else "All panels"
    wb.properties.keywords = marking
    wb.active = 0

    with atomic_output(out_path, "tracker") as tmp:
        wb.save(tmp)
    return out_path
