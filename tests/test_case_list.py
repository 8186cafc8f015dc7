"""The case list: file order without reading ids, SQL sort and filter, rows fetched by page."""

from __future__ import annotations

import pytest
from conftest import STOP_SEARCH_FILES, ranks_set_aside
from sqlalchemy import select

from scrutiny_app.services import importer
from scrutiny_app.services.case_list import (
    COLUMNS,
    CaseList,
    CaseListQuery,
    _ranked_ids,
    case_ids,
)
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import BatchSortRanks, Case, ImportBatch


@pytest.fixture
def listed(db: Database, stop_search_meeting: int) -> CaseList:
    for path in STOP_SEARCH_FILES:
        importer.import_file(db, stop_search_meeting, path)
    return CaseList(db, CaseListQuery(meeting_id=stop_search_meeting))


def test_file_order_without_reading_ids(db: Database, listed: CaseList) -> None:
    assert listed.ids is None and len(listed) == 1909
    with db.session() as s:
        ordered = s.scalars(
            select(Case.reference)
            .join(ImportBatch, Case.import_batch_id == ImportBatch.id)
            .order_by(ImportBatch.sha256, Case.source_row)
        ).all()
    picks = [0, 1, 499, 500, 1000, 1908]
    assert [listed.row(i).reference for i in picks] == [ordered[i] for i in picks]
    with pytest.raises(IndexError):
        listed.row(1909)


def test_sort_in_sql_by_column_and_by_field(listed: CaseList) -> None:
    listed.resort("occurred_at", descending=True)
    dates = [listed.row(i).occurred_at for i in range(len(listed))]
    assert dates == sorted(dates, reverse=True)
    listed.resort("outcome")
    outcomes = [listed.row(i).value("outcome") or "" for i in range(len(listed))]
    assert outcomes == sorted(outcomes)


def test_filter_text_matches_reference_and_fields(listed: CaseList) -> None:
    listed.refilter("Firearms")
    assert 0 < len(listed) < 1909
    assert all(listed.row(i).fields["object_of_search"] == "Firearms" for i in range(len(listed)))
    listed.refilter("")
    assert len(listed) == 1909


def sql_sorted(db: Database, query: CaseListQuery) -> list[int]:
    """The ids as SQLite sorts them, with the stored ranks put out of reach."""
    with ranks_set_aside(db):
        return case_ids(db, query)


@pytest.mark.parametrize("path", STOP_SEARCH_FILES, ids=lambda p: p.name[:7])
def test_sorting_by_stored_ranks_is_sqls_order(
    db: Database, stop_search_meeting: int, path
) -> None:
    """Every sortable column and field, both ways, with and without a filter: the ranks the
    import stored give exactly the ids SQLite's ORDER BY key, id gives (NULLs first, numbers
    as numbers, text by code point)."""
    importer.import_file(db, stop_search_meeting, path)
    with db.session() as s:
        keys = s.scalars(select(BatchSortRanks.key)).all()
    fields = {k.removeprefix("field:") for k in keys if k.startswith("field:")}
    assert {"outcome", "latitude", "legislation", "part_of_operation"} <= fields
    assert set(COLUMNS) <= set(keys)
    for key in [*COLUMNS, *sorted(fields)]:
        for descending in (False, True):
            for text in ("", "arrest"):
                query = CaseListQuery(
                    meeting_id=stop_search_meeting, sort=key, descending=descending, text=text
                )
                ranked = case_ids(db, query)
                assert ranked == _ranked_ids(db, query)  # the ranks were used
                assert ranked == sql_sorted(db, query), (key, descending, text)


def test_numbers_sort_as_numbers(db: Database, stop_search_meeting: int) -> None:
    importer.import_file(db, stop_search_meeting, STOP_SEARCH_FILES[0])
    for ranked in (True, False):
        query = CaseListQuery(meeting_id=stop_search_meeting, sort="latitude")
        ids = case_ids(db, query) if ranked else sql_sorted(db, query)
        listed = CaseList(db, query)
        listed.ids = ids
        values = [listed.row(i).fields.get("latitude") for i in range(len(ids))]
        numbers = [v for v in values if v is not None]
        assert values[: len(values) - len(numbers)] == [None] * (len(values) - len(numbers))
        assert numbers == sorted(numbers) and len(set(numbers)) > 10


def test_a_meeting_of_two_files_is_sorted_in_sql(listed: CaseList) -> None:
    listed.resort("gender")
    genders = [listed.row(i).gender for i in range(len(listed))]
    assert genders == sorted(genders) and len(genders) == 1909


def test_ranks_of_a_big_file_read_by_the_worker(
    db: Database, stop_search_meeting: int, tmp_path
) -> None:
    """Thousands of rows per chunk: dates and references take the bulk path, and the worker
    process sends the ranks back; they still order exactly as SQLite does."""
    from benchmarks import generate

    path = tmp_path / "big.csv"
    generate.write_csv(path, 4000)
    importer.import_file(db, stop_search_meeting, path, chunk_rows=1500, worker=True)
    for key in ("occurred_at", "reference", "outcome", "latitude"):
        for descending in (False, True):
            query = CaseListQuery(meeting_id=stop_search_meeting, sort=key, descending=descending)
            ranked = _ranked_ids(db, query)
            assert ranked is not None and len(ranked) == 4000
            assert ranked == sql_sorted(db, query), (key, descending)


def test_text_sorts_by_code_point_on_every_backend(
    db: Database, stop_search_meeting: int, tmp_path
) -> None:
    """Words that a British collation orders differently ("abbey" before "Bath", "Église" by
    its E) sort by code point, as SQLite does and as the stored ranks say, on a PostgreSQL
    server whose own collation is en-GB too (the tests' server is)."""
    import pandas as pd

    words = ["abbey", "Bath", "Église", "zeal", "Zed", "bath", "éclair", "", "10", "9"]
    frame = pd.read_csv(STOP_SEARCH_FILES[0], dtype=str, keep_default_na=False).head(200)
    frame["Object of search"] = [words[i % len(words)] for i in range(len(frame))]
    frame["Self-defined ethnicity"] = [words[(i * 7) % len(words)] for i in range(len(frame))]
    path = tmp_path / "2019-01-words-stop-and-search.csv"
    frame.to_csv(path, index=False)
    importer.import_file(db, stop_search_meeting, path)
    for key in ("object_of_search", "self_defined_ethnicity"):
        for descending in (False, True):
            query = CaseListQuery(meeting_id=stop_search_meeting, sort=key, descending=descending)
            ranked = case_ids(db, query)
            assert ranked == _ranked_ids(db, query)
            assert ranked == sql_sorted(db, query), (key, descending)
    listed = CaseList(db, CaseListQuery(meeting_id=stop_search_meeting, sort="object_of_search"))
    seen = [listed.row(i).value("object_of_search") for i in range(len(listed))]
    assert list(dict.fromkeys(seen)) == [
        None,
        "10",
        "9",
        "Bath",
        "Zed",
        "abbey",
        "bath",
        "zeal",
        "Église",
        "éclair",
    ]


def test_a_value_too_long_for_the_server_names_its_row_and_saves_nothing(
    db: Database, stop_search_meeting: int, tmp_path, backend: str
) -> None:
    """A SQLite file keeps a text of any length; a server holds each column to its size
    (self-defined ethnicity: 100). There the import stops with the row and column, and
    nothing of the file is kept."""
    import pandas as pd

    from scrutiny_app.errors import UserError
    from scrutiny_app.services.case_list import case_ids

    frame = pd.read_csv(STOP_SEARCH_FILES[0], dtype=str, keep_default_na=False).head(20)
    frame.loc[6, "Self-defined ethnicity"] = "Other ethnic group - " + "x" * 120
    path = tmp_path / "2019-01-long-stop-and-search.csv"
    frame.to_csv(path, index=False)
    if backend == "sqlite":
        assert importer.import_file(db, stop_search_meeting, path).rows_imported == 20
        return
    with pytest.raises(UserError, match=r"long-stop-and-search.csv: row 7, self_defined_ethnicity"):
        importer.import_file(db, stop_search_meeting, path)
    assert case_ids(db, CaseListQuery(meeting_id=stop_search_meeting)) == []
