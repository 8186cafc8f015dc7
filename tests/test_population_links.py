"""An extract can be the population of any meeting (issue 9, item 5): a file imported before,
or a cumulative extract whose cases are partly held, becomes the new meeting's whole
population without storing any case twice; excluding recently reviewed cases stays a choice
of the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from sqlalchemy import func, select
from test_import_files import MAPPING, force_workbook, oocd_rows

from scrutiny_app.cli import main
from scrutiny_app.services import cases, importer, panels, population, sampling, session
from scrutiny_app.services.case_list import CaseListQuery, case_ids
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case


def _cases_held(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Case.id))) or 0


def _size(db: Database, meeting_id: int) -> int:
    with db.session() as s:
        return population.size(s, meeting_id)


def test_the_same_file_for_a_second_meeting_is_its_population_too(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon and Somerset", code="PP")
    first = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    second = panels.create_meeting(db, pid, dt.date(2019, 6, 13), "Weapons")
    importer.import_file(db, first, FILE_2019_01)
    sampling.draw_sample(db, first, 10, seed=1)
    again = importer.import_file(db, second, FILE_2019_01)
    assert again.duplicate_of is not None and again.linked == 519
    assert "now this meeting's population too" in again.summary
    assert (_size(db, first), _size(db, second), _cases_held(db)) == (519, 519, 519)
    drawn = sampling.draw_sample(db, second, 10, seed=2)
    assert drawn.population_size == 519 and len(drawn.references) == 10
    assert len(case_ids(db, CaseListQuery(meeting_id=second))) == 519
    # Leaving out the cases the first meeting reviewed stays a choice of the sample.
    spec = sampling.SampleSpec(size=5, seed=3, exclude_recent_meetings=1)
    fresh = sampling.preview_sample(db, second, spec)
    assert fresh.population_size == 509
    # The same file for the same meeting again changes nothing.
    again = importer.import_file(db, second, FILE_2019_01)
    assert again.linked == 0 and "nothing was changed" in again.summary
    assert main(["import", "--db", db.location, "--meeting", str(second), str(FILE_2019_01)]) == 0
    assert "nothing was changed" in capsys.readouterr().out


def test_a_cumulative_extract_is_the_whole_population(db: Database, tmp_path: Path) -> None:
    pid = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    first = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "September")
    second = panels.create_meeting(db, pid, dt.date(2026, 10, 14), "October")
    three = force_workbook(tmp_path / "sep.xlsx", oocd_rows(3), list(MAPPING), "Sep")
    five = force_workbook(tmp_path / "oct.xlsx", oocd_rows(5), list(MAPPING), "Sep + Oct")
    importer.import_file(db, first, three, mapping=MAPPING)
    result = importer.import_file(db, second, five, mapping=MAPPING)
    assert (result.rows_imported, result.already_held) == (2, 3)
    assert "population too" in result.summary
    assert (_size(db, first), _size(db, second), _cases_held(db)) == (3, 5, 5)
    drawn = sampling.draw_sample(db, second, 5, seed=9)
    assert drawn.population_size == 5 and len(set(drawn.references)) == 5
    rows = cases.meeting_cases(db, second).rows
    session.save_decision(db, rows[0].item_id, outcome_code="appropriate")
    assert len(case_ids(db, CaseListQuery(meeting_id=second))) == 5
    assert len(case_ids(db, CaseListQuery(meeting_id=second, sort="occurred_at"))) == 5
