"""Import of the real data.police.uk files and reproducible sampling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import FILE_2019_01, STOP_SEARCH_FILES
from sqlalchemy import func, select

from scrutiny_app.errors import UserError
from scrutiny_app.services import cases, importer, panels, sampling
from scrutiny_app.services.progress import Cancelled, CancelToken
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ImportBatch


def data_rows(path: Path) -> int:
    return len(path.read_text().splitlines()) - 1


def case_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Case.id)))


@pytest.mark.parametrize("path", STOP_SEARCH_FILES, ids=lambda p: p.name[:7])
def test_each_real_file_imports_as_it_is(db: Database, stop_search_meeting: int, path: Path):
    result = importer.import_stop_search(db, stop_search_meeting, path)
    assert result.rows_read == result.rows_imported == data_rows(path)
    assert case_count(db) == data_rows(path)
    with db.session() as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert (batch.file_name, batch.rows_rejected) == (path.name, 0)
        assert len(batch.sha256) == 64
        first = s.scalars(select(Case).order_by(Case.source_row)).first()
    assert first.occurred_at.tzinfo is not None
    assert first.occurred_at.year == int(path.name[:4])


def test_fields_keep_the_raw_values_beside_the_normalised(
    db: Database, stop_search_meeting: int
) -> None:
    importer.import_stop_search(db, stop_search_meeting, STOP_SEARCH_FILES[0])  # 2016-11
    with db.session() as s:
        row = s.scalars(select(Case).where(Case.source_row == 1)).one()
    assert row.self_defined_ethnicity == "White - White British (W1)"
    assert row.ethnicity_group == "White"
    assert row.fields["outcome_raw"] == "Offender given penalty notice"
    assert row.fields["outcome"] == "Penalty notice"
    assert row.fields["legislation"] == "Misuse of Drugs Act 1971 (section 23)"
    assert row.fields["part_of_operation"] is False
    assert row.fields["latitude"] == pytest.approx(51.450768)
    assert (row.gender, row.age_band) == ("Male", "18-24")


def test_same_file_twice_is_a_no_op(db: Database, stop_search_meeting: int) -> None:
    importer.import_stop_search(db, stop_search_meeting, FILE_2019_01)
    again = importer.import_stop_search(db, stop_search_meeting, FILE_2019_01)
    assert again.duplicate_of is not None and again.rows_imported == 0
    assert "already imported" in again.summary
    assert case_count(db) == data_rows(FILE_2019_01)


def test_unknown_format_without_a_mapping_is_refused_with_a_suggestion(
    db: Database, stop_search_meeting: int, tmp_path: Path
) -> None:
    bad = tmp_path / "force-extract.csv"
    bad.write_text("Ref,Offence\nA1,Theft\n")
    with pytest.raises(importer.NeedsMapping) as info:
        importer.import_stop_search(db, stop_search_meeting, bad)
    assert "not in the data.police.uk format" in str(info.value)
    assert info.value.suggested == {"Ref": "column:reference", "Offence": "ignore"}
    assert case_count(db) == 0


def test_bad_dates_are_reported_by_row_and_column_and_nothing_is_written(
    db: Database, stop_search_meeting: int, tmp_path: Path
) -> None:
    lines = FILE_2019_01.read_text().splitlines()
    lines[5] = lines[5].replace("2019-01-", "2019-13-", 1)  # file line 6: month 13
    cells = lines[9].split(",")
    cells[1] = ""  # file line 10: blank date
    lines[9] = ",".join(cells)
    bad = tmp_path / "bad-dates.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_stop_search(db, stop_search_meeting, bad)
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(6, "Date"), (10, "Date")]
    assert "row 6" in str(info.value) and "blank date" in str(info.value)
    assert case_count(db) == 0


def test_non_utf8_file_gets_a_clear_message(
    db: Database, stop_search_meeting: int, tmp_path: Path
) -> None:
    bad = tmp_path / "binary.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    with pytest.raises(UserError, match=r"binary\.csv"):
        importer.import_stop_search(db, stop_search_meeting, bad)
    assert case_count(db) == 0


def test_cancelled_import_leaves_the_database_unchanged(
    db: Database, stop_search_meeting: int
) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        importer.import_stop_search(db, stop_search_meeting, FILE_2019_01, cancel=token)
    assert case_count(db) == 0
    with db.session() as s:
        assert s.scalar(select(func.count(ImportBatch.id))) == 0


def test_stop_search_file_into_an_oocd_panel_is_refused(db: Database) -> None:
    pid = panels.create_panel(db, "oocd", "OOCD panel")
    mid = panels.create_meeting(db, pid, dt.date(2026, 1, 1), "Theme")
    with pytest.raises(UserError, match="stop and search panel"):
        importer.import_stop_search(db, mid, FILE_2019_01)


# --------------------------------------------------------------------------- sampling


def test_floyd_sample_is_pinned() -> None:
    """A stored expected sample: this must never change, on any machine or later version."""
    assert sampling.floyd_sample(1000, 10, 40213) == [
        33,
        297,
        337,
        390,
        451,
        636,
        648,
        651,
        724,
        740,
    ]


def test_floyd_sample_is_uniform_enough() -> None:
    hits = [0] * 20
    for seed in range(2000):
        for i in sampling.floyd_sample(20, 5, seed):
            hits[i] += 1
    expected = 2000 * 5 / 20
    assert all(abs(h - expected) < 0.15 * expected for h in hits), hits


@pytest.mark.parametrize("n,k", [(1, 1), (5, 5), (10, 0), (100, 7)])
def test_floyd_sample_draws_distinct_in_range(n: int, k: int) -> None:
    picks = sampling.floyd_sample(n, k, 1)
    assert len(picks) == len(set(picks)) == k and all(0 <= i < n for i in picks)


def test_same_population_and_seed_give_the_same_sample_in_another_database(
    tmp_path: Path,
) -> None:
    refs = []
    for name in ("laptop-a", "laptop-b"):
        with Database.open(tmp_path / f"{name}.db") as db:
            pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
            mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
            # a different import order must not change the draw
            files = STOP_SEARCH_FILES if name == "laptop-a" else STOP_SEARCH_FILES[::-1]
            for f in files:
                importer.import_stop_search(db, mid, f)
            refs.append(sampling.draw_sample(db, mid, 24, seed=40213).references)
    assert refs[0] == refs[1] and len(set(refs[0])) == 24


def test_sample_records_its_method_and_fills_the_agenda(
    db: Database, stop_search_meeting: int
) -> None:
    importer.import_stop_search(db, stop_search_meeting, FILE_2019_01)
    result = sampling.draw_sample(db, stop_search_meeting, 12)
    assert 10_000 <= result.seed < 100_000
    assert result.population_size == 519
    assert f"seed {result.seed}" in result.method_statement
    assert "12 cases were drawn at random from a population of 519" in result.method_statement
    rows = cases.meeting_cases(db, stop_search_meeting).rows
    assert [r.reference for r in rows] == list(result.references)


def test_redraw_needs_replace_and_is_refused_once_judged(
    db: Database, stop_search_meeting: int
) -> None:
    from scrutiny_app.services import session

    importer.import_stop_search(db, stop_search_meeting, FILE_2019_01)
    sampling.draw_sample(db, stop_search_meeting, 5, seed=1)
    with pytest.raises(UserError, match="already has a sample"):
        sampling.draw_sample(db, stop_search_meeting, 5, seed=2)
    second = sampling.draw_sample(db, stop_search_meeting, 6, seed=2, replace=True)
    rows = cases.meeting_cases(db, stop_search_meeting).rows
    assert [r.reference for r in rows] == list(second.references)
    session.save_decision(db, rows[0].item_id, outcome_code="green")
    with pytest.raises(UserError, match="already have judgements"):
        sampling.draw_sample(db, stop_search_meeting, 6, seed=3, replace=True)


def test_sampling_without_population_or_too_large_is_refused(
    db: Database, stop_search_meeting: int
) -> None:
    with pytest.raises(UserError, match="no cases to sample from"):
        sampling.draw_sample(db, stop_search_meeting, 5)
    importer.import_stop_search(db, stop_search_meeting, FILE_2019_01)
    with pytest.raises(UserError, match="population of 519"):
        sampling.draw_sample(db, stop_search_meeting, 600)
