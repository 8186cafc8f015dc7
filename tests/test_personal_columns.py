"""Personal columns are not kept by suggestion (issue 10: under faults and hostile files).

A force extract with an Address, a Postcode, free-text Notes full of names and phone numbers and
a harmless column the template does not know: in a pseudonymised panel the suggested mapping
keeps none of them in clear; keeping Notes takes an explicit mapping, which the import's audit
event records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from test_import_files import force_workbook

from scrutiny_app.importing import mapping as mapping_mod
from scrutiny_app.services import importer, panels
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent, Case

COLUMNS = ["Crime Ref", "Offence", "Date of Offence", "Address", "Postcode", "Notes", "Reviewed"]
POSTCODES = ["BS1 4DJ", "BS5 6XX", "TA1 3QZ", "BA2 4AH"]
PHONES = ["07700 900123", "0117 496 0451", "07700 900987", "0117 496 0999"]
NAMES = ["Jane Smith", "Ahmed Khan", "Olu Adeyemi", "Kasia Nowak"]
OOCD_PERSONAL = ["subject_name", "date_of_birth", "address", "force_reference"]
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
PHONE = re.compile(r"\b0\d{3,4} ?\d{3} ?\d{3,4}\b")


def rows(n: int) -> list[dict]:
    return [
        {
            "Crime Ref": f"AS/26/{60000 + i}",
            "Offence": "Harassment",
            "Date of Offence": dt.datetime(2026, 8, 1 + i % 28, 10, 0),
            "Address": f"{10 + i} Acacia Avenue, Bristol",
            "Postcode": POSTCODES[i % 4],
            "Notes": f"Spoke to {NAMES[i % 4]} on {PHONES[i % 4]}; she will call back.",
            "Reviewed": ["Yes", "No"][i % 2],
        }
        for i in range(n)
    ]


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return force_workbook(tmp_path / "extract.xlsx", rows(12), COLUMNS, "OOCD extract")


def meeting(db: Database, access_mode: str = "pseudonymised") -> int:
    pid = panels.create_panel(db, "oocd", "OOCD panel", code="OOCD", access_mode=access_mode)
    return panels.create_meeting(db, pid, dt.date(2026, 10, 14), "Harassment")


def test_the_suggestion_keeps_no_personal_or_unknown_column_in_a_pseudonymised_panel(
    db: Database, extract: Path
) -> None:
    plan = importer.plan_import(db, meeting(db), extract)
    assert plan.mapping_source.startswith("suggested")
    assert plan.mapping == {
        "Crime Ref": "column:reference",
        "Offence": "field:offence",
        "Date of Offence": "column:occurred_at",
        "Address": "field:address",  # the template's personal field: dropped here
        "Postcode": "ignore",  # was "extra:Postcode": Address had taken field:address
        "Notes": "ignore",  # was kept as an extra field
        "Reviewed": "ignore",  # harmless, but the template does not know it
    }
    treatment = {c.column: c.treatment for c in plan.columns}
    assert treatment["Address"] == "dropped (personal)"
    assert {treatment[c] for c in ("Postcode", "Notes", "Reviewed")} == {"ignored"}


def test_an_import_with_the_suggested_mapping_stores_no_postcode_or_phone_number(
    db: Database, extract: Path, tmp_path: Path
) -> None:
    mid = meeting(db)
    plan = importer.plan_import(db, mid, extract)
    result = importer.import_file(db, mid, extract, mapping=plan.mapping)
    assert result.rows_imported == 12
    with db.session() as s:
        stored = json.dumps([c.fields for c in s.scalars(select(Case))])
    assert "Harassment" in stored
    assert not POSTCODE.search(stored) and not PHONE.search(stored)
    assert not any(name in stored for name in NAMES)
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    for text in (*POSTCODES, *PHONES, *NAMES):
        assert text.encode() not in raw


def test_keeping_notes_takes_an_explicit_mapping_that_the_audit_records(
    db: Database, extract: Path
) -> None:
    mid = meeting(db)
    plan = importer.plan_import(db, mid, extract)
    chosen = plan.mapping | {"Notes": "extra:Notes"}  # the user's explicit choice
    assert mapping_mod.personal_columns(
        chosen, COLUMNS, plan.preview, personal_fields=OOCD_PERSONAL
    ) == ["Notes"]
    importer.import_file(db, mid, extract, mapping=chosen)
    with db.session() as s:
        notes = [c.fields.get("Notes") for c in s.scalars(select(Case).order_by(Case.source_row))]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        details = event.details
    assert notes[0] == f"Spoke to {NAMES[0]} on {PHONES[0]}; she will call back."
    assert details["kept_personal"] == ["Notes"]


def test_a_full_access_panel_keeps_a_harmless_unknown_column_but_not_a_personal_one() -> None:
    labels = {"subject_name": "Subject name", "address": "Address", "offence": "Offence"}
    samples = {
        "Reviewed": ["Yes", "No", "Yes"],
        "Info": [f"Call {p}" for p in PHONES],  # a bland header, personal values
        "Contact": ["jane.smith@example.org", ""],
        "Offence": [f"Harassment of {n}" for n in NAMES],  # a field, names in every value
        "Name": NAMES,
    }
    columns = ["Reviewed", "Info", "Contact", "Offence", "Name", "Notes", "Postcode", "Address"]
    full = mapping_mod.suggest(
        columns,
        labels,
        keep_unknown=True,
        samples=samples,
        personal_fields=["subject_name", "address"],
    )
    assert full == {
        "Reviewed": "extra:Reviewed",
        "Info": "ignore",
        "Contact": "ignore",
        "Offence": "ignore",
        "Name": "field:subject_name",  # the template's personal field: kept in full access
        "Notes": "ignore",
        "Postcode": "field:address",
        "Address": "ignore",  # field:address is taken
    }
    pseudonymised = mapping_mod.suggest(columns, labels, samples=samples)
    assert pseudonymised["Reviewed"] == "ignore"


@pytest.mark.parametrize(
    "header",
    ["Name", "Offender Name", "OFFENDERNAME", "Forename", "Surname", "Post Code", "Home address",
     "Street", "Tel", "Mobile No", "Phone number", "E-mail", "DOB", "Date of birth", "Notes",
     "Officer comments", "Free text", "Narrative", "Description"],
)  # fmt: skip
def test_personal_headers(header: str) -> None:
    assert mapping_mod.personal_reason(header) == "its header"


@pytest.mark.parametrize(
    "header", ["Crime Ref", "Offence", "Disposal", "Gravity", "Area", "Outcome", "Hotel", "Intel"]
)
def test_harmless_headers(header: str) -> None:
    assert mapping_mod.personal_reason(header) == ""
