"""The panel session (issue 4), without a display: views, reveal, decision, attendance,
declarations, who is acting, time, progress and undo/redo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from scrutiny_app.domain.vocab import MeetingStatus, MemberRole
from scrutiny_app.errors import UserError
from scrutiny_app.services import cases, importer, panels, sampling, session
from scrutiny_app.services.cases import CaseState
from scrutiny_app.services.history import History
from scrutiny_app.services.sampling import SampleSpec
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent, MemberAssessment, PanelJudgement


def oocd_records(n: int, start: int = 0) -> list[dict]:
    offences = ("Harassment", "Stalking", "Malicious communications")
    return [
        {
            "force_reference": f"AS/26/{10000 + start + i}",
            "occurred_at": dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC) + dt.timedelta(days=i),
            "area": "Bristol",
            "age_band": "25-34",
            "gender": "Female" if i % 2 else "Male",
            "offence": offences[i % 3],
            "disposal_type": "Community resolution",
            "adult_or_youth": "Adult",
        }
        for i in range(n)
    ]


@dataclass
class Meeting:
    panel_id: int
    meeting_id: int
    chair: int
    alice: int
    bob: int
    officer: int
    absent: int
    items: list[int]


def make_meeting(db: Database) -> Meeting:
    """An OOCD meeting: chair, two members and the officer present, one member absent, six
    cases sampled. The other session test modules build their fixture with this."""
    pid = panels.create_panel(db, "oocd", "OOCD Panel", code="OOCD")
    chair = panels.add_member(db, pid, "Margaret Hale", role=MemberRole.CHAIR)
    alice = panels.add_member(db, pid, "Alice Moss")
    bob = panels.add_member(db, pid, "Bob Lane")
    officer = panels.add_member(db, pid, "Olu Officer", role=MemberRole.OFFICER)
    absent = panels.add_member(db, pid, "Ann Absent")
    mid = panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Stalking and harassment")
    for m in (chair, alice, bob, officer):
        panels.set_attendance(db, mid, m, present=True)
    panels.set_attendance(db, mid, absent, present=False)
    importer.import_records(db, mid, oocd_records(20), source_name="extract")
    sampling.draw_sample(db, mid, 6, seed=7)
    items = [r.item_id for r in cases.meeting_cases(db, mid).rows]
    return Meeting(pid, mid, chair, alice, bob, officer, absent, items)


@pytest.fixture
def meeting(db: Database) -> Meeting:
    return make_meeting(db)


def audit_events(db: Database, action: str | None = None) -> list[AuditEvent]:
    with db.session() as s:
        q = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            q = q.where(AuditEvent.action == action)
        return list(s.scalars(q))


# ============================================================================ attendance


def test_attendance_read_model_lists_every_member_with_role_and_presence(db, meeting):
    people = panels.meeting_attendance(db, meeting.meeting_id)
    assert [p.name for p in people] == [
        "Margaret Hale",  # chair first
        "Alice Moss",
        "Ann Absent",
        "Bob Lane",
        "Olu Officer",
    ]
    by_name = {p.name: p for p in people}
    assert by_name["Ann Absent"].present is False and by_name["Ann Absent"].recorded
    assert by_name["Olu Officer"].can_reveal and not by_name["Olu Officer"].can_judge
    assert by_name["Margaret Hale"].can_judge and by_name["Margaret Hale"].can_reveal
    assert by_name["Alice Moss"].warnings(dt.date(2026, 9, 16)) == [
        "no vetting recorded",
        "no confidentiality agreement recorded",
    ]
    users = session.session_users(db, meeting.meeting_id)
    assert "Ann Absent" not in [u.name for u in users]
    assert users[0].label == "Margaret Hale (Chair)"


def test_attendance_keeps_role_and_general_declarations(db, meeting):
    panels.set_attendance(
        db, meeting.meeting_id, meeting.bob, present=True, role="observer",
        declarations="Works with the Youth Justice Service", actor="Olu Officer",
    )  # fmt: skip
    bob = next(p for p in panels.meeting_attendance(db, meeting.meeting_id) if p.name == "Bob Lane")
    assert (bob.role, bob.declarations) == ("observer", "Works with the Youth Justice Service")
    # role None keeps it
    panels.set_attendance(db, meeting.meeting_id, meeting.bob, present=True)
    bob = next(p for p in panels.meeting_attendance(db, meeting.meeting_id) if p.name == "Bob Lane")
    assert bob.role == "observer"
    [event] = [e for e in audit_events(db, "attendance") if e.actor == "Olu Officer"]
    assert event.details["role"] == "observer"


def test_meeting_status_changes_are_audited(db, meeting):
    assert session.start_session(db, meeting.meeting_id, actor="Olu Officer")
    assert not session.start_session(db, meeting.meeting_id)  # only from planned
    assert panels.meeting_info(db, meeting.meeting_id).status == MeetingStatus.IN_SESSION
    assert panels.set_meeting_status(db, meeting.meeting_id, "held", actor="Olu Officer")
    assert not panels.set_meeting_status(db, meeting.meeting_id, "held")
    with pytest.raises(ValueError):
        panels.set_meeting_status(db, meeting.meeting_id, "adjourned")
    events = audit_events(db, "status")
    assert [(e.details["status_from"], e.details["status_to"]) for e in events] == [
        ("planned", "in_session"),
        ("in_session", "held"),
    ]


# ============================================================================ members' views


def test_a_member_records_a_view_with_outcome_note_and_answers(db, meeting):
    item = meeting.items[0]
    change = session.record_view(
        db, item, meeting.alice, outcome_code="inappropriate", note="Stalking, not harassment",
        answers={"victim_consulted": "no", "policy_followed": "no"}, actor="Alice Moss",
    )  # fmt: skip
    assert change is not None and change.label.startswith("Alice Moss's view on OOCD-")
    # a partial update changes only what is given
    session.record_view(db, item, meeting.alice, answers={"policy_followed": None})
    own = session.case_views(db, item, viewer_member_id=meeting.alice).own
    assert own is not None
    assert (own.outcome_code, own.note, own.answers) == (
        "inappropriate",
        "Stalking, not harassment",
        {"victim_consulted": "no"},
    )
    assert session.record_view(db, item, meeting.alice, note="Stalking, not harassment") is None
    [created] = [e for e in audit_events(db) if e.entity == "member_assessments"][:1]
    assert created.actor == "Alice Moss" and created.action == "create"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome_code": "brilliant"}, "not an outcome"),
        ({"answers": {"colour": "yes"}}, "not a question"),
        ({"answers": {"victim_consulted": "maybe"}}, "not an answer"),
    ],
)
def test_a_view_must_use_the_templates_outcomes_and_answers(db, meeting, kwargs, message):
    with pytest.raises(UserError, match=message):
        session.record_view(db, meeting.items[0], meeting.alice, **kwargs)


def test_a_member_not_marked_present_cannot_record_a_view(db, meeting):
    with pytest.raises(UserError, match="Ann Absent is not marked present"):
        session.record_view(db, meeting.items[0], meeting.absent, outcome_code="appropriate")
    outsider_panel = panels.create_panel(db, "oocd", "Other panel")
    outsider = panels.add_member(db, outsider_panel, "Not On This Panel")
    with pytest.raises(UserError, match="not on this meeting's panel"):
        session.record_view(db, meeting.items[0], outsider, outcome_code="appropriate")
    with pytest.raises(UserError, match="only panel members record a view"):
        session.record_view(db, meeting.items[0], meeting.officer, outcome_code="appropriate")
    # Not recorded at all: no attendance row.
    late = panels.add_member(db, meeting.panel_id, "Late Comer")
    with pytest.raises(UserError, match="Late Comer is not marked present"):
        session.record_view(db, meeting.items[0], late, outcome_code="appropriate")
    with db.session() as s:
        assert s.scalars(select(MemberAssessment)).all() == []


def test_a_member_with_a_declared_interest_cannot_record_a_view(db, meeting):
    item = meeting.items[1]
    session.record_view(db, item, meeting.bob, outcome_code="appropriate", note="fine")
    change = session.declare_interest(db, item, meeting.bob, "Knows the victim", actor="Bob Lane")
    views = session.case_views(db, item, viewer_member_id=meeting.bob)
    assert views.own is None  # the view already recorded is withdrawn
    assert [(i.name, i.reason) for i in views.interests] == [("Bob Lane", "Knows the victim")]
    assert meeting.bob not in views.expected
    with pytest.raises(UserError, match="Bob Lane declared an interest in OOCD-"):
        session.record_view(db, item, meeting.bob, outcome_code="appropriate")
    # Other cases are not affected.
    assert session.record_view(db, meeting.items[2], meeting.bob, outcome_code="appropriate")
    interests = panels.case_interests(db, meeting.meeting_id)
    assert list(interests) == [item]
    # Undo the declaration: the view comes back.
    history = History()
    history.push(change)
    history.undo(db, "Bob Lane")
    own = session.case_views(db, item, viewer_member_id=meeting.bob).own
    assert own is not None and (own.outcome_code, own.note) == ("appropriate", "fine")
    assert session.case_views(db, item).interests == ()
    history.redo(db, "Bob Lane")
    assert session.case_views(db, item, viewer_member_id=meeting.bob).own is None
    # Withdrawn in error: the member may record a view again.
    assert session.withdraw_interest(db, item, meeting.bob) is not None
    assert session.withdraw_interest(db, item, meeting.bob) is None
    session.record_view(db, item, meeting.bob, outcome_code="inappropriate")


def test_other_members_views_are_hidden_until_revealed(db, meeting):
    item = meeting.items[0]
    session.record_view(db, item, meeting.alice, outcome_code="inappropriate", note="A's note")
    session.record_view(db, item, meeting.bob, outcome_code="appropriate", note="B's note")
    session.record_view(db, item, meeting.chair, note="still thinking")  # no outcome yet

    for viewer in (meeting.alice, meeting.officer, None):
        v = session.case_views(db, item, viewer_member_id=viewer)
        assert not v.revealed
        assert v.views == ()
        assert sorted(v.recorded) == sorted([meeting.alice, meeting.bob])
        assert v.count_text == "2 of 3 views in"
    own = session.case_views(db, item, viewer_member_id=meeting.bob).own
    assert own is not None and own.note == "B's note"  # one's own view is always there
    assert session.case_views(db, item, viewer_member_id=meeting.officer).own is None
    row = cases.case_row(db, item)
    assert (row.views, row.state) == (2, CaseState.VIEWS_IN)

    with pytest.raises(UserError, match="Only the chair or the scrutiny officer"):
        session.reveal_views(db, item, by_member_id=meeting.alice)
    with pytest.raises(UserError, match="not marked present"):
        session.reveal_views(db, item, by_member_id=meeting.absent)
    assert session.reveal_views(db, item, by_member_id=meeting.officer, actor="Olu Officer")
    assert not session.reveal_views(db, item)  # already
    v = session.case_views(db, item, viewer_member_id=meeting.alice)
    assert v.revealed
    assert [(x.name, x.outcome_code, x.note) for x in v.views] == [
        ("Alice Moss", "inappropriate", "A's note"),
        ("Bob Lane", "appropriate", "B's note"),
        ("Margaret Hale", None, "still thinking"),
    ]
    # From now on the views are fixed.
    with pytest.raises(UserError, match="have been revealed"):
        session.record_view(db, item, meeting.alice, outcome_code="appropriate")
    [event] = audit_events(db, "reveal")
    assert event.actor == "Olu Officer" and event.details["views"] == 2


def test_reveal_all_reveals_every_undecided_case(db, meeting):
    session.save_decision(db, meeting.items[0], outcome_code="appropriate")
    assert session.reveal_all(db, meeting.meeting_id, by_member_id=meeting.chair) == 5
    assert session.reveal_all(db, meeting.meeting_id) == 0
    with pytest.raises(UserError):
        session.reveal_all(db, meeting.meeting_id, by_member_id=meeting.bob)


# ============================================================================ the decision


def three_views(db, meeting, item, a="inappropriate", b="inappropriate", c="appropriate"):
    session.record_view(db, item, meeting.alice, outcome_code=a, note="Met the stalking test",
                        answers={"victim_consulted": "no"})  # fmt: skip
    session.record_view(db, item, meeting.bob, outcome_code=b, answers={"victim_consulted": "no"})
    session.record_view(db, item, meeting.chair, outcome_code=c, note="First offence, admitted",
                        answers={"victim_consulted": "yes"})  # fmt: skip


def test_the_decision_suggests_consensus_and_keeps_the_dissenting_view(db, meeting):
    item = meeting.items[0]
    three_views(db, meeting, item)
    with pytest.raises(UserError, match="Choose the panel's outcome"):
        session.save_decision(db, item, observations="typed before choosing")
    change = session.save_decision(db, item, outcome_code="inappropriate", actor="Olu Officer")
    assert change is not None
    row = cases.case_row(db, item)
    assert (row.outcome_code, row.consensus, row.state) == (
        "inappropriate",
        "majority",
        CaseState.DECIDED,
    )
    assert row.dissent == "One member's view: Appropriate \u2014 First offence, admitted"
    assert "Margaret" not in row.dissent  # the report does not name members
    assert row.answers == {"victim_consulted": "no"}  # what most members answered
    assert row.recorded_by == "Olu Officer"
    assert row.revealed  # deciding shows the views it was made over
    # the views themselves are kept, unchanged
    views = session.case_views(db, item).views
    assert [v.outcome_code for v in views] == ["inappropriate", "inappropriate", "appropriate"]

    # Typed dissent is never overwritten by a change of outcome.
    session.save_decision(db, item, dissent="The chair thought a caution proportionate.")
    session.save_decision(db, item, outcome_code="appropriate_obs")
    row = cases.case_row(db, item)
    assert row.dissent == "The chair thought a caution proportionate."
    assert row.consensus == "split"  # nobody's view was this outcome: no majority for it


@pytest.mark.parametrize(
    ("views", "outcome", "consensus"),
    [
        (["a", "b"], "a", "split"),  # 1-1: a split, not a majority
        (["a", "a", "b"], "a", "majority"),
        (["a", "b", "c"], "a", "split"),
        (["a", "a", "b", "b"], "b", "split"),
        (["a", "a", "a"], "a", "unanimous"),
        ([], "a", "unanimous"),
    ],
)
def test_the_suggested_consensus_names_a_split(views, outcome, consensus):
    from scrutiny_app.services.session.decision import suggest_consensus

    assert suggest_consensus(views, outcome, carry_over=False) == consensus


def test_unanimous_when_every_view_is_the_outcome(db, meeting):
    item = meeting.items[0]
    three_views(db, meeting, item, c="inappropriate")
    session.save_decision(db, item, outcome_code="inappropriate")
    row = cases.case_row(db, item)
    assert (row.consensus, row.dissent) == ("unanimous", "")
    session.save_decision(db, item, consensus="majority")  # the panel may say otherwise
    assert cases.case_row(db, item).consensus == "majority"


def test_no_consensus_carries_the_case_over_with_every_view_kept(db, meeting):
    item = meeting.items[2]
    three_views(db, meeting, item, a="inappropriate", b="appropriate_obs", c="appropriate")
    session.save_decision(db, item, outcome_code="no_consensus", observations="Need the BWV")
    row = cases.case_row(db, item)
    assert (row.consensus, row.carried_over, row.state) == ("none", True, CaseState.CARRIED_OVER)
    assert row.dissent.splitlines() == [
        "One member's view: Appropriate \u2014 First offence, admitted",
        "One member's view: Appropriate with observations.",
        "One member's view: Inappropriate \u2014 Met the stalking test",
    ]
    with pytest.raises(UserError, match="carries the case over"):
        session.save_decision(db, meeting.items[3], outcome_code="appropriate", consensus="none")


def test_no_consensus_case_goes_into_the_next_meetings_sample(db, meeting):
    for item in meeting.items:
        session.save_decision(db, item, outcome_code="appropriate")
    session.save_decision(db, meeting.items[4], outcome_code="no_consensus")
    carried_ref = cases.case_row(db, meeting.items[4]).reference
    nxt = panels.create_meeting(db, meeting.panel_id, dt.date(2026, 12, 9), "Next")
    importer.import_records(db, nxt, oocd_records(10, start=500), source_name="next extract")
    sampling.draw_sample(db, nxt, 3, spec=SampleSpec(size=3, seed=11, carry_over=True))
    rows = cases.meeting_cases(db, nxt).rows
    carried = [r for r in rows if r.selection == "carried_over"]
    assert [r.reference for r in carried] == [carried_ref]
    assert carried[0].carried_from_id == meeting.items[4]
    assert carried[0].state == CaseState.NOT_STARTED


def test_views_are_fixed_once_the_panel_has_decided(db, meeting):
    item = meeting.items[0]
    session.save_decision(db, item, outcome_code="appropriate")
    with pytest.raises(UserError, match="has decided"):
        session.record_view(db, item, meeting.alice, outcome_code="appropriate")


def test_every_view_and_decision_records_its_author_in_the_audit_trail(db, meeting):
    item = meeting.items[0]
    session.record_view(db, item, meeting.alice, outcome_code="appropriate", actor="Alice Moss")
    session.save_decision(db, item, outcome_code="appropriate", actor="Margaret Hale")
    session.save_decision(db, item, observations="Clear rationale", actor="Olu Officer")
    events = [(e.entity, e.action, e.actor) for e in audit_events(db) if e.entity != "meetings"]
    assert events[-4:] == [
        ("member_assessments", "create", "Alice Moss"),
        ("meeting_cases", "reveal", "Margaret Hale"),
        ("panel_judgements", "create", "Margaret Hale"),
        ("panel_judgements", "update", "Olu Officer"),
    ]
    with db.session() as s:
        j = s.scalar(select(PanelJudgement))
        assert j.recorded_by == "Olu Officer"


def test_the_command_line_judge_goes_through_the_session_rules(db, meeting, tmp_path):
    """One rule, one path (issue 9): `judge` records through save_decision, so "none" with
    an outcome that does not carry over is refused and recording reveals the views."""
    from scrutiny_app.cli import main

    row = cases.case_row(db, meeting.items[0])
    path = db.location
    base = ["judge", "--db", path, "--meeting", str(meeting.meeting_id), "--case", row.reference]
    assert main([*base, "--outcome", "appropriate", "--consensus", "none"]) == 2
    assert cases.case_row(db, meeting.items[0]).outcome_code is None
    assert main([*base, "--outcome", "no_consensus", "--observations", "x"]) == 0
    row = cases.case_row(db, meeting.items[0])
    assert (row.consensus, row.carried_over, row.observations) == ("none", True, "x")


# ============================================================================ undo / redo


def test_undo_and_redo_put_each_saved_change_back(db, meeting):
    item = meeting.items[0]
    h = History()
    h.push(session.save_decision(db, item, outcome_code="appropriate", actor="Olu"))
    h.push(session.save_decision(db, item, outcome_code="inappropriate", actor="Olu"))
    assert h.undo_label == f"the panel decision on {cases.case_row(db, item).reference}"
    assert h.undo(db, "Olu").kind == "decision"
    assert cases.case_row(db, item).outcome_code == "appropriate"
    h.undo(db, "Olu")
    assert cases.case_row(db, item).outcome_code is None  # the decision is gone again
    assert h.undo(db) is None and not h.can_undo
    h.redo(db, "Olu")
    h.redo(db, "Olu")
    assert cases.case_row(db, item).outcome_code == "inappropriate"
    assert h.redo(db) is None
    undo_events = [e for e in audit_events(db) if e.details.get("undo_redo")]
    assert len(undo_events) == 4  # every undo and redo is a saved, audited change


def test_typing_in_one_field_is_one_undo_step_until_sealed(db, meeting):
    item = meeting.items[0]
    h = History()
    h.push(session.save_decision(db, item, outcome_code="appropriate"))
    for text in ("Clear", "Clear rationale", "Clear rationale recorded"):
        h.push(session.save_decision(db, item, observations=text))  # debounced saves
    h.seal()  # the field lost focus
    h.push(session.save_decision(db, item, observations="Clear rationale recorded."))
    assert len(h) == 3
    h.undo(db)
    assert cases.case_row(db, item).observations == "Clear rationale recorded"
    h.undo(db)
    assert cases.case_row(db, item).observations == ""
    assert cases.case_row(db, item).outcome_code == "appropriate"
    h.push(session.save_decision(db, item, good_practice="Victim kept informed"))
    assert not h.can_redo  # a new change drops what was undone


def test_undoing_a_view_after_the_reveal_is_refused_and_dropped(db, meeting):
    item = meeting.items[0]
    h = History()
    h.push(session.record_view(db, item, meeting.alice, outcome_code="appropriate"))
    session.reveal_views(db, item)
    with pytest.raises(UserError, match=r"Cannot undo Alice Moss's view.*revealed"):
        h.undo(db)
    assert not h.can_undo and not h.can_redo
    assert session.case_views(db, item).views[0].outcome_code == "appropriate"


def test_undo_of_a_first_view_removes_it(db, meeting):
    item = meeting.items[0]
    h = History()
    h.push(session.record_view(db, item, meeting.bob, outcome_code="appropriate"))
    h.undo(db, "Bob Lane")
    assert session.case_views(db, item).recorded == ()
    assert cases.case_row(db, item).state == CaseState.NOT_STARTED


# ============================================================================ time, progress


def test_time_spent_accumulates(db, meeting):
    item = meeting.items[0]
    assert session.add_time(db, item, 61.7) == 61
    assert session.add_time(db, item, 30) == 91
    assert session.add_time(db, item, -5) == 91
    assert session.add_time(db, item, 10 * 3600) == 91 + session.MAX_SECONDS_PER_CALL
    assert cases.case_row(db, item).seconds_spent == 91 + session.MAX_SECONDS_PER_CALL
    assert session.format_duration(45) == "45 s"
    assert session.format_duration(12 * 60 + 5) == "12 min"
    assert session.format_duration(3900) == "1 h 05 min"


def test_progress_and_the_live_tally(db, meeting):
    items = meeting.items
    session.record_view(db, items[5], meeting.alice, outcome_code="appropriate")
    for item, code in zip(
        items[:4], ("appropriate", "inappropriate", "inappropriate", "no_consensus"), strict=True
    ):
        session.save_decision(db, item, outcome_code=code)
    session.add_time(db, items[0], 300)
    p = session.progress(db, meeting.meeting_id)
    assert p.text == "4 of 6 decided"
    assert (p.decided, p.carried_over, p.views_in, p.not_started, p.seconds) == (4, 1, 1, 1, 300)
    assert [(c.outcome.code, c.count) for c in p.tally] == [
        ("appropriate", 1),
        ("appropriate_obs", 0),
        ("inappropriate", 2),
        ("no_consensus", 1),
    ]
    assert cases.meeting_cases(db, meeting.meeting_id).progress_text == "4 of 6 decided"


def test_review_template_gives_questions_and_field_labels(db, meeting):
    rt = session.review_template(db, meeting.meeting_id)
    assert [o.code for o in rt.template.outcomes][-1] == "no_consensus"
    assert rt.question("victim_consulted").answers == ("yes", "no", "not applicable")
    assert rt.field_label("disposal_type") == "Disposal type"
    assert rt.field_label("made_up") == "Made up"
    assert {q.group for q in rt.questions} == {"Decision", "Victim", "Conditions", "Policy"}


def test_staged_demo_session(db):
    from scrutiny_app.services.demo import create_demo
    from scrutiny_app.services.demo.staging import stage_session

    ids = create_demo(db)
    staged = stage_session(db, ids.oocd_meeting)
    data = cases.meeting_cases(db, ids.oocd_meeting)
    assert data.progress_text == "14 of 24 decided"
    current = data.row(staged.current_item)
    assert current is not None and current.revealed and not current.decided
    assert len(staged.judges) == 3
    assert panels.meeting_info(db, ids.oocd_meeting).status == "in_session"
