"""The recommendation tracker XLSX export (no Qt)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from scrutiny_app.domain.vocab import force_choices
from scrutiny_app.errors import UserError
from scrutiny_app.services import files, panels, recommendations
from scrutiny_app.services.recommendations import parse_status
from scrutiny_app.services.tracker.export import TRACKER_COLUMNS, export_tracker
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Recommendation

TODAY = dt.date(2019, 6, 1)
EXPECTED_COLUMNS = [
    "Reference",
    "Panel",
    "Meeting",
    "Date raised",
    "Linked cases",
    "Theme",
    "Recommendation",
    "Addressed to",
    "Priority",
    "Response due",
    "Force response",
    "Response date",
    "Decision",
    "Action owner",
    "Target date",
    "Status",
    "Overdue",
    "Updates",
    "Evidence",
    "Date closed",
    "Where published",
    "Id",
]
DATE_COLUMNS = ["Date raised", "Response due", "Response date", "Target date", "Date closed"]


@dataclass(frozen=True)
class Tracked:
    db: Database
    oocd_panel: int
    powers_panel: int
    overdue: recommendations.RecommendationRow
    answered: recommendations.RecommendationRow
    draft: recommendations.RecommendationRow
    other_panel: recommendations.RecommendationRow


@pytest.fixture
def tracked(db: Database) -> Iterator[Tracked]:
    """Two panels' recommendations: one overdue, one answered and in progress, one draft."""
    oocd = panels.create_panel(db, "oocd", "OOCD Scrutiny Panel", force="Avon and Somerset")
    meeting = panels.create_meeting(db, oocd, dt.date(2019, 3, 1), "Stalking and harassment")
    overdue = recommendations.add_recommendation(
        db,
        oocd,
        "Issue guidance on recognising a course of conduct as stalking.",
        meeting_id=meeting,
        addressed_to="Force Crime Registrar",
        priority="high",
        response_due=dt.date(2019, 5, 1),
    )
    recommendations.change_status(db, overdue.id, "issued", on=dt.date(2019, 3, 8), note="Sent")
    answered = recommendations.add_recommendation(
        db,
        oocd,
        "=Record the victim's views in their own words.",  # must stay text, never a formula
        meeting_id=meeting,
        addressed_to="Head of Criminal Justice",
        response_due=dt.date(2019, 5, 1),
    )
    for status, on, note in (
        ("issued", dt.date(2019, 3, 8), ""),
        ("response_received", dt.date(2019, 4, 20), "Letter from the ACC"),
        ("in_progress", dt.date(2019, 4, 22), "Accepted"),
    ):
        recommendations.change_status(db, answered.id, status, on=on, note=note)
    # recommendations.py has no service for the force's answer yet: set it on the model.
    with db.transaction() as s:
        rec = s.get(Recommendation, answered.id)
        assert rec is not None
        rec.force_response = "Accepted: a briefing note goes to all supervisors."
        rec.response_date = dt.date(2019, 4, 20)
        rec.decision = "partially_accepted"
        rec.action_owner = "Criminal Justice Manager"
        rec.target_date = dt.date(2019, 9, 30)
        rec.evidence = "Briefing note v2"
        rec.published_in = "OPCC website, April 2019"
    draft = recommendations.add_recommendation(db, oocd, "A draft, not yet issued.")
    powers = panels.create_panel(db, "stop_search", "Police Powers Panel", code="SOPP")
    other = recommendations.add_recommendation(
        db, powers, "Switch body-worn video on early.", date_raised=dt.date(2019, 2, 1)
    )
    get = recommendations.get_recommendation
    yield Tracked(
        db, oocd, powers, get(db, overdue.id), get(db, answered.id), get(db, draft.id), other
    )
    db.close()


def test_columns_are_the_domain_columns_in_order() -> None:
    assert TRACKER_COLUMNS == EXPECTED_COLUMNS


def test_sheet_layout(tracked: Tracked, tmp_path: Path) -> None:
    out = export_tracker(tracked.db, tmp_path / "tracker.xlsx", today=TODAY)
    assert out == tmp_path / "tracker.xlsx"
    assert [p.name for p in tmp_path.iterdir() if "test.db" not in p.name] == ["tracker.xlsx"]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Recommendations", "How to fill in", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Recommendations"]
    assert [c.value for c in ws[1]] == EXPECTED_COLUMNS
    assert all(c.font.bold for c in ws[1])
    assert ws["A1"].fill.fgColor.rgb.endswith("DCE6F1")
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["V"].hidden
    assert not any(ws.column_dimensions[col].hidden for col in "ABCDEFGHIJKLMNOPQRSTU")
    assert ws.column_dimensions["G"].width >= 40  # the recommendation text has room
    assert ws["G2"].alignment.wrap_text
    assert ws.max_row == 1 + 4


def test_values_and_real_dates(tracked: Tracked, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export_tracker(tracked.db, tmp_path / "t.xlsx", today=TODAY))[
        "Recommendations"
    ]
    rows = {
        r[0]: dict(zip(EXPECTED_COLUMNS, r, strict=True))
        for r in ws.iter_rows(min_row=2, values_only=True)
    }
    late = rows[tracked.overdue.reference]
    assert late["Panel"] == "OOCD Scrutiny Panel"
    assert late["Meeting"] == "01 Mar 2019 - Stalking and harassment"
    assert late["Theme"] == "Stalking and harassment"
    assert late["Addressed to"] == "Force Crime Registrar"
    assert late["Priority"] == "High"
    assert late["Status"] == "Issued (awaiting response)"
    assert late["Overdue"] == "Yes"
    assert late["Updates"].splitlines() == [
        "2019-03-01 Draft: Raised",
        "2019-03-08 Draft -> Issued (awaiting response): Sent",
    ]
    assert late["Id"] == tracked.overdue.uuid
    assert late["Date raised"] == dt.datetime(2019, 3, 1)
    assert late["Response due"] == dt.datetime(2019, 5, 1)
    assert late["Force response"] is None and late["Date closed"] is None

    done = rows[tracked.answered.reference]
    assert done["Recommendation"] == "=Record the victim's views in their own words."
    assert done["Status"] == "Accepted, in progress"
    assert done["Overdue"] is None  # answered: never overdue
    assert done["Decision"] == "Partially accepted"
    assert done["Force response"].startswith("Accepted: a briefing note")
    assert done["Response date"] == dt.datetime(2019, 4, 20)
    assert done["Target date"] == dt.datetime(2019, 9, 30)
    assert done["Action owner"] == "Criminal Justice Manager"
    assert done["Evidence"] == "Briefing note v2"
    assert done["Where published"] == "OPCC website, April 2019"
    assert done["Updates"].splitlines()[-2:] == [
        "2019-04-20 Issued (awaiting response) -> Response received: Letter from the ACC",
        "2019-04-22 Response received -> Accepted, in progress: Accepted",
    ]

    draft = rows[tracked.draft.reference]
    assert draft["Meeting"] is None and draft["Response due"] is None
    assert draft["Status"] == "Draft"

    # The date columns hold Excel dates (numbers with a date format), not text.
    for col in DATE_COLUMNS:
        idx = EXPECTED_COLUMNS.index(col) + 1
        for row in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
            cell = row[0]
            if cell.value is not None:
                assert cell.is_date, (col, cell.value)
                assert cell.number_format == "d mmm yyyy"
    formula = ws.cell(
        [c.value for c in ws["A"]].index(tracked.answered.reference) + 1,
        EXPECTED_COLUMNS.index("Recommendation") + 1,
    )
    assert formula.data_type == "s"


def test_pandas_reads_it_back(tracked: Tracked, tmp_path: Path) -> None:
    out = export_tracker(tracked.db, tmp_path / "t.xlsx", today=TODAY)
    frame = pd.read_excel(out, sheet_name="Recommendations")
    assert list(frame.columns) == EXPECTED_COLUMNS
    assert len(frame) == 4
    for col in ("Date raised", "Response due"):
        assert pd.api.types.is_datetime64_any_dtype(frame[col]), col
    by_ref = frame.set_index("Reference")
    assert by_ref.loc[tracked.overdue.reference, "Response due"] == pd.Timestamp("2019-05-01")
    assert by_ref.loc[tracked.overdue.reference, "Overdue"] == "Yes"
    assert pd.isna(by_ref.loc[tracked.draft.reference, "Overdue"])
    assert set(frame["Id"]) == {
        tracked.overdue.uuid,
        tracked.answered.uuid,
        tracked.draft.uuid,
        tracked.other_panel.uuid,
    }
    assert set(frame["Status"]) == {"Issued (awaiting response)", "Accepted, in progress", "Draft"}


def test_one_panel_only(tracked: Tracked, tmp_path: Path) -> None:
    out = export_tracker(tracked.db, tmp_path / "p.xlsx", panel_id=tracked.powers_panel)
    frame = pd.read_excel(out)
    assert list(frame["Reference"]) == [tracked.other_panel.reference]
    assert list(frame["Panel"]) == ["Police Powers Panel"]


def test_overdue_depends_on_today(tracked: Tracked, tmp_path: Path) -> None:
    before = pd.read_excel(
        export_tracker(tracked.db, tmp_path / "a.xlsx", today=dt.date(2019, 4, 1))
    )
    assert before["Overdue"].isna().all()


def test_empty_tracker_has_the_header(db: Database, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export_tracker(db, tmp_path / "e.xlsx"))["Recommendations"]
    assert [c.value for c in ws[1]] == EXPECTED_COLUMNS
    assert ws.max_row == 1
    db.close()


def test_overwrites_an_existing_file(tracked: Tracked, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"old")
    export_tracker(tracked.db, out, today=TODAY)
    assert len(pd.read_excel(out)) == 4


def test_a_failed_write_is_a_user_error_and_leaves_nothing(
    tracked: Tracked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(UserError, match=r"Cannot save the tracker to .*Permission denied"):
        export_tracker(tracked.db, tmp_path / "t.xlsx")
    assert [p for p in tmp_path.iterdir() if "test.db" not in p.name] == []


def test_missing_folder_is_a_user_error(tracked: Tracked, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no folder"):
        export_tracker(tracked.db, tmp_path / "nope" / "t.xlsx")


# --------------------------------------------------------------------------- for the force

FORCE_COLUMNS = [
    "Force response",
    "Response date",
    "Decision",
    "Action owner",
    "Target date",
    "Status",
    "Evidence",
]


def _letter(column: str) -> str:
    return openpyxl.utils.get_column_letter(EXPECTED_COLUMNS.index(column) + 1)


def test_force_columns_open_panel_columns_locked(tracked: Tracked, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export_tracker(tracked.db, tmp_path / "t.xlsx", today=TODAY))[
        "Recommendations"
    ]
    assert ws.protection.sheet  # protected, so locked cells cannot be typed over
    assert not ws.protection.autoFilter and not ws.protection.formatColumns
    for row in range(2, ws.max_row + 1):
        for column in EXPECTED_COLUMNS:
            locked = ws[f"{_letter(column)}{row}"].protection.locked
            assert locked == (column not in FORCE_COLUMNS), (column, row)
    assert ws[f"{_letter('Force response')}1"].fill.fgColor.rgb.endswith("FFE699")


def test_drop_downs_for_decision_and_status(tracked: Tracked, tmp_path: Path) -> None:
    """Decision offers the three decisions; each row's Status offers only its current status
    and the moves the force may make from it (issue 9): never Draft, Issued or Closed."""
    wb = openpyxl.load_workbook(export_tracker(tracked.db, tmp_path / "t.xlsx", today=TODAY))
    ws = wb["Recommendations"]
    source = wb["Lists"]

    def items(dv: Any) -> list[str]:
        ref = dv.formula1.removeprefix("=").split("!")[1].replace("$", "")
        return [c.value for (c,) in source[ref] if c.value]

    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    last = ws.max_row
    decision = lists[f"{_letter('Decision')}2:{_letter('Decision')}{last}"]
    assert decision.type == "list" and decision.showErrorMessage
    assert items(decision) == ["Accepted", "Partially accepted", "Not accepted"]
    status_col = _letter("Status")
    seen = set()
    for row in range(2, last + 1):
        cell = f"{status_col}{row}"
        [dv] = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
        current = ws[cell].value
        offered = items(dv)
        assert dv.type == "list" and dv.showErrorMessage
        assert offered[0] == current
        expected = [s.label for s in force_choices(parse_status(current))]
        assert offered == expected
        assert not {"Draft", "Closed (verified by the panel)"} & set(offered[1:])
        seen.add(current)
    assert len(seen) >= 2, seen  # rows at different statuses get different lists


def test_help_sheet_and_properties(tracked: Tracked, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(export_tracker(tracked.db, tmp_path / "t.xlsx", today=TODAY))
    assert wb.active.title == "Recommendations"  # type: ignore[union-attr]
    assert "shaded columns" in wb["How to fill in"]["A3"].value
    assert wb.properties.keywords == "OFFICIAL-SENSITIVE"


def test_csv_export(tracked: Tracked, tmp_path: Path) -> None:
    import csv

    out = export_tracker(tracked.db, tmp_path / "t.csv", today=TODAY)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it right
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == EXPECTED_COLUMNS
    by_ref = {r["Reference"]: r for r in rows}
    late = by_ref[tracked.overdue.reference]
    assert late["Response due"] == "2019-05-01" and late["Overdue"] == "Yes"
    assert late["Id"] == tracked.overdue.uuid
    # Text that a spreadsheet would run as a formula is kept as text.
    assert by_ref[tracked.answered.reference]["Recommendation"].startswith("'=Record")


def test_export_needs_xlsx_or_csv(tracked: Tracked, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"must end in \.xlsx or \.csv"):
        export_tracker(tracked.db, tmp_path / "t.ods")
    assert [p for p in tmp_path.iterdir() if "test.db" not in p.name] == []
