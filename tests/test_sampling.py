"""Sampling at full depth: strata, filters, exclusions, purposive additions, carry-over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import FILE_2019_01, STOP_SEARCH_FILES, ranks_set_aside
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from scrutiny_app.errors import UserError
from scrutiny_app.services import cases, importer, panels, sampling, session
from scrutiny_app.services.sampling import SampleSpec, allocate, floyd_sample
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import Case, ImportBatch, MeetingCase, Sample


@pytest.fixture
def populated(db: Database, stop_search_meeting: int) -> int:
    for path in STOP_SEARCH_FILES:
        importer.import_file(db, stop_search_meeting, path)
    return stop_search_meeting


def case_rows(db: Database, references) -> list[Case]:
    with db.session() as s:
        return list(s.scalars(select(Case).where(Case.reference.in_(list(references)))))


# --------------------------------------------------------------------------- allocation


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_proportional_allocation_is_within_one_case_of_each_exact_share(sizes, fraction):
    strata = {f"s{i}": n for i, n in enumerate(sizes)}
    population = sum(sizes)
    total = int(population * fraction)
    out = allocate(strata, total, "proportional")
    assert sum(out.values()) == total
    for name, n in strata.items():
        assert out[name] <= n
        if population:
            assert abs(out[name] - total * n / population) < 1


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6),
    total=st.integers(min_value=0, max_value=300),
)
def test_equal_allocation_is_as_even_as_the_strata_allow(sizes, total):
    strata = {f"s{i}": n for i, n in enumerate(sizes)}
    total = min(total, sum(sizes))
    out = allocate(strata, total, "equal")
    assert sum(out.values()) == total
    assert all(out[k] <= strata[k] for k in strata)
    # a stratum short of the others is short only because it ran out
    top = max(out.values())
    assert all(out[k] >= top - 1 or out[k] == strata[k] for k in strata)


def test_allocation_refuses_more_than_the_population() -> None:
    with pytest.raises(UserError, match="population of 3"):
        allocate({"a": 1, "b": 2}, 4)


# --------------------------------------------------------------------------- draws


def test_fast_simple_draw_matches_drawing_over_the_ordered_population(
    db: Database, populated: int
) -> None:
    result = sampling.preview_sample(db, populated, SampleSpec(50, seed=40213))
    with db.session() as s:
        ordered = s.scalars(
            select(Case.reference)
            .join(ImportBatch, Case.import_batch_id == ImportBatch.id)
            .order_by(ImportBatch.sha256, Case.source_row)
        ).all()
    assert result.references == tuple(ordered[i] for i in floyd_sample(len(ordered), 50, 40213))


def test_stratified_sample_is_pinned_and_spread_proportionally(db: Database, populated: int):
    spec = SampleSpec(24, seed=40213, stratify_by="ethnicity_group")
    result = sampling.preview_sample(db, populated, spec)
    assert result.strata == {
        "(not recorded)": (372, 5),
        "Asian": (33, 0),
        "Black": (125, 1),
        "Mixed": (47, 1),
        "Not stated": (226, 3),
        "Other": (8, 0),
        "White": (1098, 14),
    }
    groups = [c.ethnicity_group or "(not recorded)" for c in case_rows(db, result.references)]
    assert sorted(groups) == sorted(g for g, (_, n) in result.strata.items() for _ in range(n))
    assert result.references[:3] == PINNED_STRATIFIED


PINNED_STRATIFIED = ("SOPP-EF03BD-00042", "SOPP-EF03BD-00112", "SOPP-EF03BD-00149")


def test_stratified_draw_is_the_same_in_another_database(tmp_path: Path) -> None:
    seen = []
    for name, files in (("a", STOP_SEARCH_FILES), ("b", STOP_SEARCH_FILES[::-1])):
        with Database.open(tmp_path / f"{name}.db") as db:
            pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
            mid = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "x")
            for f in files:
                importer.import_file(db, mid, f)
            spec = SampleSpec(30, seed=7, stratify_by="gender", allocation="equal")
            seen.append(sampling.draw_sample(db, mid, spec=spec).references)
    assert seen[0] == seen[1]


def test_filters_limit_the_population(db: Database, populated: int) -> None:
    spec = SampleSpec(
        10,
        seed=3,
        date_from=dt.date(2019, 1, 1),
        date_to=dt.date(2019, 1, 31),
        where={"object_of_search": ["Controlled drugs"], "gender": ["Male"]},
    )
    result = sampling.preview_sample(db, populated, spec)
    assert 0 < result.population_size < 519
    for case in case_rows(db, result.references):
        assert case.occurred_at.year == 2019 and case.occurred_at.month == 1
        assert case.fields["object_of_search"] == "Controlled drugs"
        assert case.gender == "Male"
    assert "dated 1 January 2019 to 31 January 2019" in result.method_statement


def test_preview_writes_nothing(db: Database, populated: int) -> None:
    sampling.preview_sample(db, populated, SampleSpec(10, seed=1))
    with db.session() as s:
        assert s.scalars(select(Sample)).all() == []
        assert s.scalars(select(MeetingCase)).all() == []


def test_purposive_additions_and_unknown_references(db: Database, populated: int) -> None:
    everyone = sampling.preview_sample(db, populated, SampleSpec(1, seed=1))
    with db.session() as s:
        refs = s.scalars(select(Case.reference).order_by(Case.id).limit(2)).all()
    result = sampling.draw_sample(db, populated, spec=SampleSpec(5, seed=9, purposive=tuple(refs)))
    assert result.references[-2:] == tuple(refs)
    assert "2 cases were added by the panel (purposive)" in result.method_statement
    rows = cases.meeting_cases(db, populated).rows
    assert [r.selection for r in rows] == ["random"] * 5 + ["purposive"] * 2
    assert everyone.size == 1
    with pytest.raises(UserError, match="No case 'NOPE'"):
        sampling.preview_sample(db, populated, SampleSpec(5, purposive=("NOPE",)))


def test_no_consensus_carries_over_and_recent_cases_are_excluded(db: Database) -> None:
    pid = panels.create_panel(db, "stop_search", "Powers", code="SOPP")
    first = panels.create_meeting(db, pid, dt.date(2019, 3, 1), "March")
    importer.import_file(db, first, FILE_2019_01)
    sampling.draw_sample(db, first, 6, seed=11)
    rows = cases.meeting_cases(db, first).rows
    session.save_decision(db, rows[0].item_id, outcome_code="no_consensus")
    for row in rows[1:]:
        session.save_decision(db, row.item_id, outcome_code="green")

    second = panels.create_meeting(db, pid, dt.date(2019, 6, 1), "June")
    importer.import_file(db, second, STOP_SEARCH_FILES[0])
    result = sampling.draw_sample(
        db, second, spec=SampleSpec(8, seed=12, exclude_recent_meetings=1)
    )
    agenda = cases.meeting_cases(db, second).rows
    assert agenda[-1].reference == rows[0].reference
    assert agenda[-1].selection == "carried_over"
    assert "1 no-consensus case was carried over from the meeting of 1 March 2019" in (
        result.method_statement
    )
    with db.session() as s:
        item = s.get(MeetingCase, agenda[-1].item_id)
        assert item.carried_from_id == rows[0].item_id
    assert not {r.reference for r in agenda[:-1]} & {r.reference for r in rows}


@pytest.mark.parametrize("path", STOP_SEARCH_FILES, ids=lambda p: p.name[:7])
def test_stratified_draw_from_stored_ranks_is_the_full_draw(
    db: Database, stop_search_meeting: int, path: Path
) -> None:
    """A one-file population is stratified from the ranks stored at import, without reading
    it: the same cases, order and spread as the full path, for every column and field."""
    importer.import_file(db, stop_search_meeting, path)
    keys = [*sampling.CASE_COLUMNS, "outcome", "legislation", "type", "object_of_search"]
    specs = [
        SampleSpec(size, seed=seed, stratify_by=key, allocation=allocation)
        for key in keys
        for size, seed, allocation in ((24, 40213, "proportional"), (30, 7, "equal"))
    ]
    fast = [sampling.preview_sample(db, stop_search_meeting, spec) for spec in specs]
    with ranks_set_aside(db) as saved:
        assert saved
        full = [sampling.preview_sample(db, stop_search_meeting, spec) for spec in specs]
    for spec, a, b in zip(specs, fast, full, strict=True):
        assert (a.references, a.strata, a.population_size) == (
            b.references,
            b.strata,
            b.population_size,
        ), spec
        assert [d.stratum for d in a.drawn] == [d.stratum for d in b.drawn]
