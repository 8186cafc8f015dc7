"""Issuing recommendations (issue 9, item 3): one or all of a meeting's drafts, dated and
audited, from the service and the command line; the returned tracker can then move them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.errors import UserError
from scrutiny_app.services import panels, recommendations
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent


@pytest.fixture
def meeting(db: Database) -> int:
    pid = panels.create_panel(db, "oocd", "OOCD Panel", code="OOCD", force="Avon and Somerset")
    mid = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Stalking")
    for text in ("Issue guidance.", "Record the victim's views."):
        recommendations.add_recommendation(db, pid, text, meeting_id=mid, actor="Olu")
    return mid


def test_issuing_a_meetings_drafts_dates_and_audits_each(db: Database, meeting: int) -> None:
    issued = recommendations.issue_recommendations(
        db, meeting_id=meeting, on=dt.date(2026, 9, 23), actor="Olu"
    )
    assert [r.status for r in issued] == ["issued", "issued"]
    for r in issued:
        last = r.updates[-1]
        assert (last.on, last.status_from, last.status_to) == (
            dt.date(2026, 9, 23),
            "draft",
            "issued",
        )
        assert last.author == "Olu"
    with db.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action == "issue")).all()
    assert len(actions) == 2
    # Nothing left to issue: a second call issues nothing and changes nothing.
    assert recommendations.issue_recommendations(db, meeting_id=meeting) == []


def test_a_named_recommendation_that_is_not_a_draft_is_refused(db: Database, meeting: int) -> None:
    [first, second] = recommendations.list_recommendations(db, meeting_id=meeting)
    recommendations.issue_recommendations(db, references=[first.reference])
    with pytest.raises(UserError, match="Only a draft can be issued"):
        recommendations.issue_recommendations(db, references=[first.reference, second.reference])
    assert recommendations.get_recommendation(db, second.id).status == "draft"  # all or nothing


def test_issue_and_recommend_issue_on_the_command_line(
    db: Database, meeting: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = db.location
    assert main(["issue", "--db", path, "--meeting", str(meeting), "--on", "2026-09-23"]) == 0
    out = capsys.readouterr().out
    assert "OOCD-2026-09-R1: issued" in out and "OOCD-2026-09-R2: issued" in out
    assert main(["issue", "--db", path, "--reference", "OOCD-2026-09-R1"]) == 2
    assert "Only a draft can be issued" in capsys.readouterr().err
    args = ["recommend", "--db", path, "--meeting", str(meeting), "--text", "Audit BWV."]
    assert main([*args, "--issue", "--due", "2026-12-01"]) == 0
    assert "OOCD-2026-09-R3: issued to the force" in capsys.readouterr().out
    statuses = {r.reference: r.status for r in recommendations.list_recommendations(db)}
    assert set(statuses.values()) == {"issued"}


def test_the_panels_statuses_are_not_the_forces(db: Database, meeting: int) -> None:
    [rec, _] = recommendations.list_recommendations(db, meeting_id=meeting)
    problem = recommendations.status_change_problem(
        rec.reference, "issued", "closed", by_force=True
    )
    assert problem == "only the Panel can set 'Closed (verified by the panel)'"
    assert (
        recommendations.status_change_problem(
            rec.reference, "issued", "response_received", by_force=True
        )
        is None
    )
    # The same rule in the app: a jump is refused with the allowed moves named.
    with pytest.raises(UserError, match="allowed: Issued"):
        recommendations.change_status(db, rec.id, "completed")
