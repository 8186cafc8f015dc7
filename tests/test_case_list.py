"""The case list: file order without reading ids, SQL sort and filter, rows fetched by page."""

from __future__ import annotations

import pytest
from conftest import STOP_SEARCH_FILES
from sqlalchemy import select

from scrutiny_app.services import importer
from scrutiny_app.services.case_list import CaseList, CaseListQuery
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ImportBatch


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
