"""Export the recommendation tracker as an Excel workbook (openpyxl).

One row per recommendation with the DOMAIN.md columns, real Excel dates, a bold filled header,
frozen header row and first column, and a last, hidden "Id" column holding the recommendation's
stable UUID so a sheet sent to the force and returned can be matched back row by row.

The workbook is written beside ``out_path`` under a temporary name and renamed at the end, so a
failed export never leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from scrutiny_app.domain.vocab import Classification, RecommendationStatus
from scrutiny_app.services.files import atomic_output
from scrutiny_app.services.recommendations import (
    RecommendationRow,
    UpdateRow,
    list_recommendations,
)
from scrutiny_app.storage.database import Database

__all__ = ["SHEET_TITLE", "TRACKER_COLUMNS", "export_tracker"]

SHEET_TITLE = "Recommendations"
DATE_FORMAT = "d mmm yyyy"

# (header, width in characters). The order is DOMAIN.md's; "Id" is the hidden last column.
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
    ("Decision", 16),
    ("Action owner", 20),
    ("Target date", 12),
    ("Status", 22),
    ("Overdue", 9),
    ("Updates", 50),
    ("Evidence", 30),
    ("Date closed", 12),
    ("Where published", 24),
    ("Id", 38),
)
TRACKER_COLUMNS: list[str] = [name for name, _ in _COLUMNS]
_DATE_COLUMNS = frozenset(
    {"Date raised", "Response due", "Response date", "Target date", "Date closed"}
)

_HEADER_FONT = Font(bold=True, color="1D3557")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_HEADER_BORDER = Border(bottom=Side(style="medium", color="1D3557"))
_OVERDUE_FONT = Font(bold=True, color="C62828")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def _label(value: str | None) -> str:
    """A stored vocabulary value as a reader sees it: 'partially_accepted' -> 'Partially accepted'."""
    return (value or "").replace("_", " ").capitalize()


def _status_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return RecommendationStatus(value).label
    except ValueError:
        return _label(value)


def update_line(u: UpdateRow) -> str:
    """One dated update: '2019-03-01 Draft -> Issued (awaiting response): note'."""
    if u.status_from and u.status_to:
        change = f"{_status_label(u.status_from)} -> {_status_label(u.status_to)}"
    else:
        change = _status_label(u.status_to or u.status_from)
    text = f"{u.on:%Y-%m-%d}"
    if change:
        text += f" {change}"
    if u.note:
        text += f": {u.note}" if change else f" {u.note}"
    return text


def _values(r: RecommendationRow) -> list[Any]:
    return [
        r.reference,
        r.panel,
        r.meeting,
        r.date_raised,
        ", ".join(r.linked_cases),
        r.theme,
        r.text,
        r.addressed_to,
        _label(r.priority),
        r.response_due,
        r.force_response,
        r.response_date,
        _label(r.decision),
        r.action_owner,
        r.target_date,
        _status_label(r.status),
        "Yes" if r.overdue else "",
        "\n".join(update_line(u) for u in r.updates),
        r.evidence,
        r.date_closed,
        r.published_in,
        r.uuid,
    ]


def _excel_value(value: Any) -> Any:
    """None and '' become empty cells."""
    return None if value is None or value == "" else value


def export_tracker(
    db: Database,
    out_path: str | Path,
    *,
    panel_id: int | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write the recommendation tracker (one panel's, or every panel's) to ``out_path`` (XLSX)."""
    out_path = Path(out_path)
    rows = list_recommendations(db, panel_id=panel_id, today=today or dt.date.today())

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    ws.append(TRACKER_COLUMNS)
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
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
        if r.overdue:
            ws.cell(ws.max_row, TRACKER_COLUMNS.index("Overdue") + 1).font = _OVERDUE_FONT

    for i, (_, width) in enumerate(_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    id_letter = get_column_letter(len(TRACKER_COLUMNS))
    ws.column_dimensions[id_letter].hidden = True
    ws.freeze_panes = "B2"  # the header row and the reference column stay in view
    last_visible = get_column_letter(len(TRACKER_COLUMNS) - 1)
    ws.auto_filter.ref = f"A1:{last_visible}{max(ws.max_row, 1)}"

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

    with atomic_output(out_path, "tracker") as tmp:
        wb.save(tmp)
    return out_path
