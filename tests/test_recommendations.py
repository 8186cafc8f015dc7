"""Recommendations: raising them, the force's answer, status changes and the history."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FILE_2019_01

from scrutiny_app.domain.vocab import ALLOWED_TRANSITIONS, Decision, RecommendationStatus
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import cases, importer, panels, recommendations, sampling
from scrutiny_app.services.recommendations import (
    allowed_statuses,
    parse_decision,
    parse_status,
    update_recommendation,
)
from scrutiny_app.services.tracker.export import TrackerFilter, addressed_to_options, tracker_rows
from scrutiny_app.storage import Database

S = RecommendationStatus


@pytest.fixture
def meeting(db: Database) -> tuple[int, int]:
    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon and Somerset", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drug searches")
    return pid, mid


def test_raise_from_a_case(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    importer.import_stop_search(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, 5, seed=7)
    row = cases.meeting_cases(db, mid).rows[2]
    rec = recommendations.raise_from_case(
        db, row.item_id, "Record the grounds in full.", addressed_to="Stop and search lead"
    )
    assert rec.reference == "SOPP-2019-03-R1"
    assert rec.meeting_id == mid and rec.panel_id == pid
    assert rec.linked_cases == (row.reference,)
    assert rec.status == "draft" and rec.updates[0].note == "Raised"
    with pytest.raises(NotFound):
        recommendations.raise_from_case(db, 99999, "x")


def test_cases_of_another_panel_are_refused(db: Database, meeting: tuple[int, int]) -> None:
    _, mid = meeting
    importer.import_stop_search(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, 2, seed=7)
    case_id = cases.meeting_cases(db, mid).rows[0].case_id
    other = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    with pytest.raises(NotFound, match="not a case of 'OOCD'"):
        recommendations.add_recommendation(db, other, "x", case_ids=[case_id])


def test_two_panels_with_one_code_get_a_clear_error(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    recommendations.add_recommendation(db, pid, "First", meeting_id=mid)
    twin = panels.create_panel(db, "stop_search", "Twin", code="SOPP")
    twin_meeting = panels.create_meeting(db, twin, dt.date(2019, 3, 20), "")
    with pytest.raises(UserError, match="already used by 'Powers'"):
        recommendations.add_recommendation(db, twin, "Second", meeting_id=twin_meeting)


def test_force_answer_each_change_a_dated_update(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    rec = recommendations.add_recommendation(db, pid, "Switch video on early.", meeting_id=mid)
    recommendations.change_status(db, rec.id, "issued", on=dt.date(2019, 3, 20))
    day = dt.date(2019, 4, 20)
    after = update_recommendation(
        db,
        rec.id,
        {
            "force_response": "  Accepted in part.\r\nBriefing to follow. ",
            "response_date": dt.datetime(2019, 4, 20, 9, 30),
            "decision": "Partially accepted",
            "action_owner": "Body-worn video lead",
            "target_date": dt.date(2019, 9, 30),
            "evidence": "Briefing note",
            "status": "Response received",
        },
        on=day,
        note="Letter from the ACC",
        actor="officer",
    )
    assert after.force_response == "Accepted in part.\nBriefing to follow."
    assert after.response_date == dt.date(2019, 4, 20)
    assert after.decision == "partially_accepted" and after.decision_label == "Partially accepted"
    assert after.status == "response_received"
    new = after.updates[2:]
    assert [u.on for u in new] == [day] * 7
    assert [u.note for u in new[:-1]] == [
        "Force response recorded",
        "Response date: 20 Apr 2019",
        "Decision: Partially accepted",
        "Action owner: Body-worn video lead",
        "Target date: 30 Sep 2019",
        "Evidence recorded",
    ]
    assert (new[-1].status_from, new[-1].status_to, new[-1].note) == (
        "issued",
        "response_received",
        "Letter from the ACC",
    )
    assert all(u.author == "officer" for u in new)
    # The same values again change nothing and add no update.
    again = update_recommendation(db, rec.id, {"decision": "partially_accepted"}, on=day)
    assert len(again.updates) == len(after.updates)


def test_status_changes_only_along_the_allowed_transitions(
    db: Database, meeting: tuple[int, int]
) -> None:
    pid, mid = meeting
    rec = recommendations.add_recommendation(db, pid, "x", meeting_id=mid)
    with pytest.raises(UserError, match="cannot become 'Completed'"):
        update_recommendation(db, rec.id, {"status": "completed"})
    assert recommendations.get_recommendation(db, rec.id).status == "draft"
    for step in ("issued", "response_received", "in_progress", "completed", "closed"):
        rec = update_recommendation(db, rec.id, {"status": step}, on=dt.date(2019, 5, 1))
    assert rec.status == "closed" and rec.date_closed == dt.date(2019, 5, 1)
    assert not rec.is_open and rec.allowed_statuses == ()


def test_bad_values_are_user_errors(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    rec = recommendations.add_recommendation(db, pid, "x", meeting_id=mid)
    with pytest.raises(UserError, match="not a decision; did you mean 'Accepted'"):
        update_recommendation(db, rec.id, {"decision": "acepted"})
    with pytest.raises(UserError, match="not a date"):
        update_recommendation(db, rec.id, {"target_date": "soon"})
    with pytest.raises(UserError, match="needs its text"):
        update_recommendation(db, rec.id, {"text": "  "})
    with pytest.raises(TypeError):
        update_recommendation(db, rec.id, {"colour": "red"})
    with pytest.raises(NotFound):
        update_recommendation(db, 999, {"evidence": "x"})


def test_panel_fields_and_internal_flag(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    rec = recommendations.add_recommendation(db, pid, "x", meeting_id=mid, internal=True)
    assert rec.internal
    rec = update_recommendation(
        db, rec.id, {"text": "Better text", "priority": "High", "internal": False}
    )
    assert (rec.text, rec.priority, rec.internal) == ("Better text", "high", False)
    assert rec.updates[-1].note == "No longer internal"


def test_vocabulary_parsing() -> None:
    assert parse_status("Accepted, in progress") is S.IN_PROGRESS
    assert parse_status("  accepted,   IN progress ") is S.IN_PROGRESS
    assert parse_status("in_progress") is S.IN_PROGRESS
    assert parse_status("Issued") is S.ISSUED
    with pytest.raises(ValueError, match="did you mean 'Accepted, in progress'"):
        parse_status("Acepted, in progres")
    with pytest.raises(ValueError, match=r"not a status$"):
        parse_status("banana")
    assert parse_decision("Not accepted") is Decision.NOT_ACCEPTED
    assert parse_decision("partially_accepted") is Decision.PARTIALLY_ACCEPTED
    for status in S:
        assert set(allowed_statuses(status)) == set(ALLOWED_TRANSITIONS[status])


def test_tracker_view_filters(db: Database, meeting: tuple[int, int]) -> None:
    pid, mid = meeting
    today = dt.date(2019, 6, 1)
    late = recommendations.add_recommendation(
        db, pid, "Late one", meeting_id=mid, addressed_to="Force Crime Registrar",
        response_due=dt.date(2019, 5, 1),
    )  # fmt: skip
    recommendations.change_status(db, late.id, "issued")
    done = recommendations.add_recommendation(
        db, pid, "Done one", meeting_id=mid, addressed_to="force crime registrar"
    )
    recommendations.change_status(db, done.id, "superseded")
    other_panel = panels.create_panel(db, "oocd", "OOCD", code="OOCD")
    recommendations.add_recommendation(
        db, other_panel, "Other panel's", addressed_to="Head of Criminal Justice"
    )

    def refs(**kw: object) -> list[str]:
        return [r.reference for r in tracker_rows(db, TrackerFilter(**kw), today=today)]  # type: ignore[arg-type]

    assert len(refs()) == 3
    assert refs(open_only=True) == [late.reference, refs(panel_id=other_panel)[0]]
    assert refs(overdue_only=True) == [late.reference]
    assert refs(panel_id=pid) == [late.reference, done.reference]
    assert refs(addressed_to="FORCE CRIME REGISTRAR") == [late.reference, done.reference]
    assert refs(text="late REGISTRAR") == [late.reference]
    assert refs(meeting_id=mid, open_only=True, overdue_only=True) == [late.reference]
    assert addressed_to_options(db) == ["Force Crime Registrar", "Head of Criminal Justice"]
    assert addressed_to_options(db, other_panel) == ["Head of Criminal Justice"]
