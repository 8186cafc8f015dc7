"""The force's returned tracker: preview, reject, apply, and import the same file again.

The round trip: export the tracker, edit it as a force would with openpyxl (responses typed in,
one status misspelt, a bad date and decision, a status jump that is not allowed, a row added,
the Id of one row cleared, columns reordered, a panel column edited), then import it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from scrutiny_app.cli import main
from scrutiny_app.errors import UserError
from scrutiny_app.services import panels, recommendations
from scrutiny_app.services.recommendations import RecommendationRow, get_recommendation
from scrutiny_app.services.tracker.export import TRACKER_COLUMNS, export_tracker
from scrutiny_app.services.tracker.returned import (
    apply_tracker_import,
    parse_date,
    preview_tracker_import,
)
from scrutiny_app.storage import Database

TODAY = dt.date(2026, 11, 1)
APPLIED_ON = dt.date(2026, 11, 2)
# The returned file's column order: the force moved its columns to the front.
REORDERED = [
    "Status",
    "Force response",
    "Decision",
    "Response date",
    "Target date",
    "Action owner",
    "Evidence",
    *[c for c in TRACKER_COLUMNS if c not in {
        "Status", "Force response", "Decision", "Response date", "Target date", "Action owner",
        "Evidence",
    }],
]  # fmt: skip


@dataclass(frozen=True)
class Setup:
    db: Database
    path: Path
    r1: RecommendationRow  # answered in full
    r2: RecommendationRow  # answered, with three bad cells; its Id cleared
    r3: RecommendationRow  # a draft the force tries to complete
    r4: RecommendationRow  # untouched


def letter(header: str) -> str:
    return get_column_letter(REORDERED.index(header) + 1)


def _rows(path: Path) -> tuple[list[str], list[list[object]]]:
    ws = openpyxl.load_workbook(path)["Recommendations"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(v) for v in values[0]], values[1:]


@pytest.fixture
def setup(db: Database, tmp_path: Path) -> Iterator[Setup]:
    pid = panels.create_panel(db, "oocd", "OOCD Scrutiny Panel", force="Avon", code="OOCD")
    mid = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Stalking")
    recs = []
    for i, to in enumerate(("Force Crime Registrar", "Head of Criminal Justice", "ACC", "DCC")):
        rec = recommendations.add_recommendation(
            db,
            pid,
            f"Recommendation {i + 1}.",
            meeting_id=mid,
            addressed_to=to,
            response_due=dt.date(2026, 11, 30),
        )
        if i != 2:
            recommendations.change_status(db, rec.id, "issued", on=dt.date(2026, 9, 20))
        recs.append(get_recommendation(db, rec.id))
    r1, r2, r3, r4 = recs
    exported = export_tracker(db, tmp_path / "sent.xlsx", today=TODAY)

    # The force's edits, made with openpyxl on a copy with the columns reordered.
    header, rows = _rows(exported)
    by_ref = {row[header.index("Reference")]: dict(zip(header, row, strict=True)) for row in rows}
    a, b, c = by_ref[r1.reference], by_ref[r2.reference], by_ref[r3.reference]
    a.update(
        {
            "Force response": "Accepted. Guidance will be reissued.\nBriefings in December.",
            "Response date": dt.datetime(2026, 10, 20),
            "Decision": "Accepted",
            "Action owner": "Detective Superintendent, Crime Standards",
            "Target date": "31/01/2027",
            "Status": "Response received",
            "Evidence": "Draft guidance v0.3",
            "Recommendation": "The force rewrote our recommendation.",  # a panel column
            "Addressed to": "Someone else",  # a panel column
        }
    )
    b.update(
        {
            "Force response": "We will consider this.",
            "Status": "Responce recieved",  # misspelt
            "Target date": "sometime next year",  # not a date
            "Decision": "Maybe",  # not a decision
            "Id": None,  # matched by its reference instead
        }
    )
    c.update({"Status": "Completed"})  # a draft cannot jump to completed
    added = dict.fromkeys(header)
    added.update({"Reference": "OOCD-2026-09-R9", "Recommendation": "A row the force added."})
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Recommendations"
    ws.append(REORDERED)
    for row in [*by_ref.values(), added]:
        ws.append([row[h] for h in REORDERED])
    returned = tmp_path / "returned.xlsx"
    wb.save(returned)
    yield Setup(db, returned, r1, r2, r3, r4)
    db.close()


def test_preview_lists_the_valid_changes_and_writes_nothing(setup: Setup) -> None:
    preview = preview_tracker_import(setup.db, setup.path, today=TODAY)
    assert preview.rows_read == 5 and preview.matched == 4
    changes = preview.by_recommendation()
    assert list(changes) == [setup.r1.reference, setup.r2.reference]
    r1 = {c.header: (c.old, c.new, c.row, c.column) for c in changes[setup.r1.reference]}
    assert r1 == {
        "Status": ("issued", "response_received", 2, letter("Status")),
        "Force response": (
            "",
            "Accepted. Guidance will be reissued.\nBriefings in December.",
            2,
            letter("Force response"),
        ),
        "Decision": (None, "accepted", 2, letter("Decision")),
        "Response date": (None, dt.date(2026, 10, 20), 2, letter("Response date")),
        "Target date": (None, dt.date(2027, 1, 31), 2, letter("Target date")),
        "Action owner": (
            "",
            "Detective Superintendent, Crime Standards",
            2,
            letter("Action owner"),
        ),
        "Evidence": ("", "Draft guidance v0.3", 2, letter("Evidence")),
    }
    assert [(c.header, c.new) for c in changes[setup.r2.reference]] == [
        ("Force response", "We will consider this.")
    ]
    # Nothing was written.
    assert get_recommendation(setup.db, setup.r1.id).force_response == ""
    assert get_recommendation(setup.db, setup.r1.id).status == "issued"


def test_bad_cells_are_rejected_with_row_and_column(setup: Setup) -> None:
    preview = preview_tracker_import(setup.db, setup.path, today=TODAY)
    rejected = {(r.reference, r.header): r for r in preview.rejected}
    assert set(rejected) == {
        (setup.r2.reference, "Status"),
        (setup.r2.reference, "Target date"),
        (setup.r2.reference, "Decision"),
        (setup.r3.reference, "Status"),
    }
    status = rejected[(setup.r2.reference, "Status")]
    assert (status.row, status.column) == (3, letter("Status"))
    assert "did you mean 'Response received'" in status.message
    assert status.describe().startswith(f"row 3, column {letter('Status')} (Status): ")
    assert "not a date" in rejected[(setup.r2.reference, "Target date")].message
    assert "not a decision" in rejected[(setup.r2.reference, "Decision")].message
    jump = rejected[(setup.r3.reference, "Status")]
    assert "is 'Draft': it cannot become 'Completed'" in jump.message
    assert preview.has_rejections


def test_panel_columns_and_added_rows_are_reported_and_ignored(setup: Setup) -> None:
    preview = preview_tracker_import(setup.db, setup.path, today=TODAY)
    assert {(i.reference, i.header, i.row, i.column) for i in preview.ignored} == {
        (setup.r1.reference, "Recommendation", 2, letter("Recommendation")),
        (setup.r1.reference, "Addressed to", 2, letter("Addressed to")),
    }
    [added] = preview.unmatched
    assert (added.row, added.reference) == (6, "OOCD-2026-09-R9")
    assert "added to the sheet" in added.reason
    text = "\n".join(preview.report_lines())
    assert "Rejected cells:" in text and "Ignored edits to the Panel's columns:" in text
    assert "row 6 (OOCD-2026-09-R9)" in text


def test_a_file_with_a_rejected_cell_applies_nothing(setup: Setup) -> None:
    preview = preview_tracker_import(setup.db, setup.path, today=TODAY)
    with pytest.raises(UserError, match="nothing was applied: 4 cells were rejected"):
        apply_tracker_import(setup.db, preview, on=APPLIED_ON)
    assert get_recommendation(setup.db, setup.r1.id).updates == setup.r1.updates


def test_apply_changes_the_valid_ones_only_and_again_changes_nothing(setup: Setup) -> None:
    db = setup.db
    preview = preview_tracker_import(db, setup.path, today=TODAY)
    result = apply_tracker_import(db, preview, on=APPLIED_ON, actor="officer", skip_rejected=True)
    assert (result.recommendations_changed, result.fields_changed) == (2, 8)
    r1 = get_recommendation(db, setup.r1.id)
    assert r1.status == "response_received"
    assert r1.force_response == "Accepted. Guidance will be reissued.\nBriefings in December."
    assert (r1.decision, r1.response_date, r1.target_date) == (
        "accepted",
        dt.date(2026, 10, 20),
        dt.date(2027, 1, 31),
    )
    assert r1.action_owner == "Detective Superintendent, Crime Standards"
    assert r1.evidence == "Draft guidance v0.3"
    # The panel's columns are unchanged.
    assert r1.text == "Recommendation 1." and r1.addressed_to == "Force Crime Registrar"
    # Each change is a dated update in the history.
    new = r1.updates[len(setup.r1.updates) :]
    assert len(new) == 7 and all(u.on == APPLIED_ON and u.author == "officer" for u in new)
    assert new[-1].status_from == "issued" and new[-1].status_to == "response_received"
    assert "returned.xlsx" in new[-1].note
    r2 = get_recommendation(db, setup.r2.id)
    assert r2.force_response == "We will consider this."
    assert (r2.status, r2.decision, r2.target_date) == ("issued", None, None)
    assert get_recommendation(db, setup.r3.id).status == "draft"
    assert get_recommendation(db, setup.r4.id).updates == setup.r4.updates  # untouched

    again = preview_tracker_import(db, setup.path, today=TODAY)
    assert again.changes == ()
    assert len(again.rejected) == 4  # the same bad cells, reported again
    assert apply_tracker_import(db, again, on=APPLIED_ON, skip_rejected=True).fields_changed == 0
    assert len(get_recommendation(db, setup.r1.id).updates) == len(r1.updates)


def test_a_preview_gone_stale_is_refused(setup: Setup) -> None:
    preview = preview_tracker_import(setup.db, setup.path, today=TODAY)
    recommendations.update_recommendation(setup.db, setup.r1.id, {"evidence": "From the app"})
    with pytest.raises(UserError, match="changed since the preview"):
        apply_tracker_import(setup.db, preview, skip_rejected=True)
    assert get_recommendation(setup.db, setup.r1.id).force_response == ""  # nothing applied


def test_an_unchanged_export_imports_as_no_change(setup: Setup, tmp_path: Path) -> None:
    out = export_tracker(setup.db, tmp_path / "same.xlsx", today=TODAY)
    preview = preview_tracker_import(setup.db, out, today=TODAY)
    assert (preview.changes, preview.rejected, preview.ignored, preview.unmatched) == (
        (),
        (),
        (),
        (),
    )
    assert preview.matched == 4


def test_csv_round_trip(setup: Setup, tmp_path: Path) -> None:
    out = export_tracker(setup.db, tmp_path / "t.csv", today=TODAY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("Reference")] == setup.r4.reference:
            row[header.index("Force response")] = "=Not a formula"
            row[header.index("Response date")] = "2026-10-30"
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    preview = preview_tracker_import(setup.db, out, today=TODAY)
    assert [(c.reference, c.field, c.new) for c in preview.changes] == [
        (setup.r4.reference, "force_response", "=Not a formula"),
        (setup.r4.reference, "response_date", dt.date(2026, 10, 30)),
    ]
    assert preview.ignored == () and preview.rejected == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 1, 31, 0, 0), dt.date(2026, 1, 31)),
        ("2026-01-31", dt.date(2026, 1, 31)),
        ("31/01/2026", dt.date(2026, 1, 31)),
        ("31/1/26", dt.date(2026, 1, 31)),
        ("31 Jan 2026", dt.date(2026, 1, 31)),
        ("31 January 2026", dt.date(2026, 1, 31)),
        ("31.01.2026", dt.date(2026, 1, 31)),
        (46053, dt.date(2026, 1, 31)),  # an Excel serial number
        ("", None),
        (None, None),
    ],
)
def test_dates(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["01/31/2026", "soon", "31-13-2026", 12, "2026"])
def test_not_dates(value: object) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(value)


def test_not_a_tracker(db: Database, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Value"])  # type: ignore[union-attr]
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(UserError, match="not a recommendation tracker"):
        preview_tracker_import(db, tmp_path / "x.xlsx")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(UserError, match=r"must be an \.xlsx"):
        preview_tracker_import(db, tmp_path / "x.txt")
    with pytest.raises(UserError, match="No such file"):
        preview_tracker_import(db, tmp_path / "missing.xlsx")


# --------------------------------------------------------------------------- the command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_preview_apply_and_exit_codes(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = setup.db.location
    code, out, err = run(capsys, "tracker", "--db", db, "--import", str(setup.path))
    assert code == 2
    assert f"row 3, column {letter('Status')} (Status)" in out
    assert "Force response: (empty) -> 'Accepted. Guidance will be reissued." in out
    assert "run again with --apply" in out
    assert "3 cells were rejected" not in err and "4 cells were rejected" in err
    assert get_recommendation(setup.db, setup.r1.id).status == "issued"  # nothing applied

    code, out, err = run(capsys, "tracker", "--db", db, "--import", str(setup.path), "--apply")
    assert code == 2 and "nothing was applied" in err and "--skip-rejected" in err
    assert get_recommendation(setup.db, setup.r1.id).status == "issued"  # all or nothing

    args = ("tracker", "--db", db, "--import", str(setup.path), "--apply", "--skip-rejected")
    code, out, err = run(capsys, *args)
    assert code == 2  # applied the valid changes, but cells were rejected
    assert "Applied: returned.xlsx: 8 changes applied to 2 recommendations." in out
    assert get_recommendation(setup.db, setup.r1.id).status == "response_received"

    clean = tmp_path / "clean.xlsx"
    assert run(capsys, "tracker", "--db", db, "--out", str(clean))[0] == 0
    code, out, err = run(capsys, "tracker", "--db", db, "--import", str(clean), "--apply")
    assert code == 0 and "No changes." in out and err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "Say what to do"),
        (["--apply"], "--apply goes with --import"),
        (["--out", "x.xlsx", "--import", "y.xlsx"], "not both"),
        (["--out", "x.txt"], "must end in .xlsx or .csv"),
        (["--import", "missing.xlsx"], "No such file"),
    ],
)
def test_cli_tracker_mistakes_exit_2(
    setup: Setup,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, _, err = run(capsys, "tracker", "--db", setup.db.location, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_cli_exports_csv(setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.csv"
    assert run(capsys, "tracker", "--db", setup.db.location, "--out", str(out))[0] == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == TRACKER_COLUMNS and len(rows) == 5


def test_a_lost_row_is_named_and_a_changed_id_is_an_error(setup: Setup, tmp_path: Path) -> None:
    sent = export_tracker(setup.db, tmp_path / "sent.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(sent)
    ws = wb["Recommendations"]
    head = [c.value for c in ws[1]]
    refs = [ws.cell(r, head.index("Reference") + 1).value for r in range(2, ws.max_row + 1)]
    lost = refs[1]
    ws.delete_rows(refs.index(lost) + 2)  # the force deleted a row
    changed_row = refs.index(setup.r4.reference) + 2 - (refs.index(setup.r4.reference) > 1)
    ws.cell(changed_row, head.index("Id") + 1, "not-an-id-at-all")
    ws.cell(changed_row, head.index("Force response") + 1, "Done.")
    wb.save(tmp_path / "back.xlsx")
    preview = preview_tracker_import(setup.db, tmp_path / "back.xlsx", today=TODAY)
    assert lost in preview.missing_rows
    assert any(lost in line for line in preview.report_lines() if "missing from the file" in line)
    [bad] = [r for r in preview.rejected if r.header == "Id"]
    assert bad.reference == setup.r4.reference and "hidden Id was changed" in bad.message
    assert not [c for c in preview.changes if c.reference == setup.r4.reference]
    with pytest.raises(UserError, match="nothing was applied"):
        apply_tracker_import(setup.db, preview)
