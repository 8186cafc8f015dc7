"""Values are tidied, not just kept (issue 9, item 6): a force's F/Female, ethnicity codes, ages
in years, disposal initials and blank-like entries are read into the panel's vocabulary as they
are imported, through value maps that are suggested, editable (``--mapping-file``, the wizard),
saved with a mapping and named in the report."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from test_import_files import MAPPING, force_workbook, oocd_rows

from scrutiny_app.cli import main
from scrutiny_app.importing import values
from scrutiny_app.services import importer, panels, population, sampling
from scrutiny_app.services.report.content import build_document
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ColumnMapping, ImportBatch

POWERS_MAPPING = {
    "Ref": "column:reference",
    "Date": "column:occurred_at",
    "Sex": "column:gender",
    "Age": "column:age_band",
    "Ethnicity": "column:self_defined_ethnicity",
    "Officer ethnicity": "column:officer_defined_ethnicity",
    "Object": "field:object_of_search",
}
# (sex, age, self-defined, officer-defined, object)
ROWS = [
    ("F", "17 yrs", "W1", "IC1", "Controlled drugs"),
    ("Female", "17", "B2", "IC3", "Offensive weapons"),
    ("female", "aged 23", "A1", "IC4", "Controlled drugs"),
    ("M", "over 34", "(M1)", "IC5", "N/A"),
    ("Male", "31", "NS", "IC0", "Stolen goods"),
    ("m", "n/a", "unknown", "-", "Controlled drugs"),
    ("M", "9", "O1", "IC6", "Controlled drugs"),
    ("Male", "18-24", "W4", "IC2", "Controlled drugs"),
]


def powers_csv(path: Path, rows: list[tuple[str, ...]] = ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(list(POWERS_MAPPING))
        for i, row in enumerate(rows):
            w.writerow([f"SS/{1000 + i}", f"{1 + i:02d}/03/2025", *row])
    return path


@pytest.fixture
def powers_meeting(db: Database) -> int:
    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon and Somerset", code="PP")
    return panels.create_meeting(db, pid, dt.date(2025, 4, 10), "Drugs")


def _stored(db: Database, column: str) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(getattr(Case, column)).order_by(Case.source_row)))


def test_genders_codes_and_ages_are_read_into_the_standard_categories(
    db: Database, powers_meeting: int, tmp_path: Path
) -> None:
    result = importer.import_file(
        db, powers_meeting, powers_csv(tmp_path / "f.csv"), mapping=POWERS_MAPPING
    )
    assert result.rows_imported == 8
    assert _stored(db, "gender") == ["Female"] * 3 + ["Male"] * 5
    assert _stored(db, "age_band") == [
        "10-17", "10-17", "18-24", "over 34", "25-34", "", "under 10", "18-24"
    ]  # fmt: skip
    sde = _stored(db, "self_defined_ethnicity")
    assert sde[0] == values.CODES_18["W1"]
    assert sde[1] == "Black/African/Caribbean/Black British - Caribbean"  # B2 in 18+1
    assert sde[3] == values.CODES_18["M1"]  # "(M1)"
    assert sde[5] == ""  # "unknown" is not recorded
    assert sde[6] == "Other ethnic group - Arab"  # O1 in 18+1
    assert _stored(db, "officer_defined_ethnicity") == [
        "White", "Black", "Asian", "Asian", "", "", "Other", "White"
    ]  # fmt: skip
    assert _stored(db, "ethnicity_group") == [
        "White", "Black", "Asian", "Mixed", "Not stated", "", "Other", "White"
    ]  # fmt: skip
    with db.session() as s:
        objects = [c.fields.get("object_of_search") for c in s.scalars(select(Case))]
    assert "N/A" not in objects
    # One stratum per gender: F/Female/female are one.
    gender = population.meeting_breakdown(db, powers_meeting, "gender")
    assert dict(gender.categories) == {"Female": 3, "Male": 5}
    drawn = sampling.draw_sample(
        db, powers_meeting, spec=sampling.SampleSpec(size=4, seed=5, stratify_by="gender")
    )
    assert set(drawn.strata) == {"Female", "Male"}
    assert not any(e == "" for e in _stored(db, "gender"))
    # What was changed is kept with the file and summed in the result.
    changed = {(c, raw): (clean, n) for c, raw, clean, n in result.tidied}
    assert changed[("Sex", "F")] == ("Female", 1) and changed[("Sex", "m")] == ("Male", 1)
    assert ("Sex", "Male") not in changed  # already standard: not a change
    assert changed[("Age", "17 yrs")] == ("10-17", 1)
    assert changed[("Object", "N/A")] == ("", 1)
    assert "value(s) tidied" in result.summary
    with db.session() as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert batch.value_maps["Sex"]["F"] == ["Female", 1]


def test_the_older_16_plus_1_codes_are_read_as_that_scheme() -> None:
    # W9 exists only in the 16+1 scheme, where B1 is Caribbean, B2 African, O1 Chinese.
    column = ["W1", "W9", "B1", "B2", "O1", "A9"]
    assert values.ethnicity_scheme(column) == "16+1"
    tidy = values.suggest("column:self_defined_ethnicity", column)
    assert tidy["B1"].endswith("Caribbean") and tidy["B2"].endswith("African")
    assert tidy["O1"] == "Asian/Asian British - Chinese"
    assert tidy["W9"] == values.CODES_18["W4"]
    # Without a 16+1-only code, the current 18+1 meanings.
    assert values.suggest("column:self_defined_ethnicity", ["B1"])["B1"].endswith("African")


def test_disposal_initials_and_blank_like_values_in_a_choice_field(
    db: Database, tmp_path: Path
) -> None:
    pid = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    mid = panels.create_meeting(db, pid, dt.date(2026, 10, 14), "Harassment")
    rows = oocd_rows(6)
    for row, disposal in zip(
        rows, ["CR", "N/A", "conditional caution", "cr", "-", "YCC"], strict=True
    ):
        row["Disposal"] = disposal
    path = force_workbook(tmp_path / "oocd.xlsx", rows, list(MAPPING), "OOCD extract")
    preview = importer.import_file(db, mid, path, mapping=MAPPING, dry_run=True)
    assert preview.distinct["Disposal"] == {
        "CR": 1, "N/A": 1, "conditional caution": 1, "cr": 1, "-": 1, "YCC": 1
    }  # fmt: skip
    assert preview.value_maps["Disposal"] == {
        "CR": "Community resolution",
        "cr": "Community resolution",
        "N/A": "",
        "-": "",
        "conditional caution": "Conditional caution",
        "YCC": "Youth conditional caution",
    }
    importer.import_file(db, mid, path, mapping=MAPPING)
    disposals = population.meeting_breakdown(db, mid, "disposal_type")
    assert dict(disposals.categories) == {
        "Community resolution": 2, "Conditional caution": 1, "Youth conditional caution": 1, "": 2
    }  # fmt: skip


def test_a_mapping_file_with_values_overrides_and_the_mapping_is_saved_with_them(
    db: Database, powers_meeting: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "mapping.json"
    spec.write_text(
        json.dumps(
            {
                "columns": POWERS_MAPPING,
                "values": {
                    "Object": {"N/A": "Nothing stated"},  # the user's own choice wins
                    "Sex": {"m": "m"},  # a value mapped to itself turns the tidying off
                },
            }
        ),
        encoding="utf-8",
    )
    args = ["import", "--db", db.location, "--meeting", str(powers_meeting)]
    code = main(
        [*args, str(powers_csv(tmp_path / "a.csv")), "--mapping-file", str(spec),
         "--save-mapping", "Force CSV"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "tidied: Sex: 'F' -> 'Female' (1 row(s))" in out
    assert "tidied: Object: 'N/A' -> 'Nothing stated'" in out
    assert _stored(db, "gender")[5] == "m"
    with db.session() as s:
        saved = s.scalars(select(ColumnMapping)).one()
        assert saved.value_maps == {"Object": {"N/A": "Nothing stated"}, "Sex": {"m": "m"}}
    # The next month's file through the saved mapping: the same values the same way.
    second = panels.create_meeting(db, panels.panel_of_meeting(db, powers_meeting).id,
                                   dt.date(2025, 5, 8), "Weapons")  # fmt: skip
    rows = [("m", "16", "W1", "IC1", "N/A")]
    path = tmp_path / "b.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(list(POWERS_MAPPING))
        w.writerow(["SS/2000", "02/04/2025", *rows[0]])
    result = importer.import_file(db, second, path, mapping_name="Force CSV")
    assert result.rows_imported == 1
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.import_batch_id == result.batch_id)).one()
    assert (case.gender, case.fields["object_of_search"]) == ("m", "Nothing stated")
    # A malformed values part is one clear message.
    spec.write_text(json.dumps({"columns": POWERS_MAPPING, "values": {"Sex": "F"}}))
    assert main([*args, str(path), "--mapping-file", str(spec)]) == 2
    assert '"values" is a JSON object' in capsys.readouterr().err


def test_the_report_says_which_value_maps_were_used(
    db: Database, powers_meeting: int, tmp_path: Path
) -> None:
    importer.import_file(db, powers_meeting, powers_csv(tmp_path / "f.csv"), mapping=POWERS_MAPPING)
    document = build_document(db, powers_meeting, generated_on=dt.date(2025, 4, 11))
    [context] = [s for s in document.sections if s.key == "performance_context"]
    text = " ".join(str(context).split())
    assert "How the force's values were read" in text
    assert "'Sex'" in text and "'F'" in text and "'Female'" in text
    assert "'17 yrs'" in text and "'10-17'" in text
    # A data.police.uk file holds the standard values already: nothing to say.
    pid = panels.create_panel(db, "stop_search", "Powers 2", code="P2")
    other = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    from conftest import FILE_2019_01

    importer.import_file(db, other, FILE_2019_01)
    document = build_document(db, other, generated_on=dt.date(2019, 4, 1))
    assert "How the force's values were read" not in str(document)
