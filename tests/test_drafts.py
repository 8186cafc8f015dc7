"""Text being typed survives a crash (issue 11, item 1), without a display.

Drafts are written as the user types and deleted once the text is saved; what a crash leaves
behind is saved on the next start as an undoable change, unless the saved text is newer.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from test_session import Meeting, make_meeting

from scrutiny_app.services import drafts, panels, places, session
from scrutiny_app.services.cases import case_row
from scrutiny_app.services.history import History
from scrutiny_app.storage import Database


@pytest.fixture
def meeting(db: Database) -> Meeting:
    return make_meeting(db)


def decided(db: Database, m: Meeting) -> int:
    item = m.items[0]
    session.save_decision(db, item, outcome_code="appropriate", actor="Olu Officer")
    return item


def test_a_draft_left_by_a_crash_is_saved_on_restore_and_can_be_undone(db, meeting):
    item = decided(db, meeting)
    drafts.write_drafts(
        db, item, {"decision:observations": "Victim was not"}, member_id=None, author="Olu"
    )
    drafts.write_drafts(
        db,
        meeting.items[1],
        {"view:note": "Grounds thin"},
        member_id=meeting.alice,
        author="Alice Moss",
    )

    restored = drafts.restore_drafts(db)

    assert {(r.draft.key, r.draft.text) for r in restored} == {
        ("decision:observations", "Victim was not"),
        ("view:note", "Grounds thin"),
    }
    assert all(r.change is not None and not r.problem for r in restored)
    assert case_row(db, item).observations == "Victim was not"
    views = session.case_views(db, meeting.items[1], viewer_member_id=meeting.alice)
    assert views.own is not None and views.own.note == "Grounds thin"
    assert drafts.list_drafts(db) == []
    # The restored text is an ordinary change: undo takes it back.
    history = History()
    for r in restored:
        history.push(r.change)
        history.seal()
    history.undo(db, "Olu")
    history.undo(db, "Olu")
    assert case_row(db, item).observations == ""


def test_a_draft_older_than_a_different_saved_text_is_kept_not_applied(db, meeting):
    item = decided(db, meeting)
    drafts.write_drafts(db, item, {"decision:good_practice": "old"}, member_id=None, author="A")
    time.sleep(0.01)
    session.save_decision(db, item, good_practice="newer, typed elsewhere", actor="B")

    (kept,) = drafts.restore_drafts(db)
    assert kept.change is None and "changed after this was typed" in kept.problem
    assert case_row(db, item).good_practice == "newer, typed elsewhere"  # not overwritten
    assert [d.text for d in drafts.list_drafts(db)] == ["old"]  # and nothing lost


def test_a_draft_equal_to_the_saved_text_is_only_cleared(db, meeting):
    item = decided(db, meeting)
    session.save_decision(db, item, dissent="as typed", actor="A")
    drafts.write_drafts(db, item, {"decision:dissent": "as typed"}, member_id=None, author="A")

    assert drafts.restore_drafts(db) == []
    assert drafts.list_drafts(db) == []


def test_a_draft_that_can_no_longer_be_saved_is_kept_and_reported(db, meeting):
    item = meeting.items[2]
    drafts.write_drafts(
        db, item, {"view:note": "my reasons"}, member_id=meeting.alice, author="Alice Moss"
    )
    session.reveal_views(db, item, by_member_id=meeting.chair)  # views are now fixed

    (restored,) = drafts.restore_drafts(db)

    assert restored.change is None and restored.problem
    assert restored.draft.text == "my reasons"
    assert [d.text for d in drafts.list_drafts(db)] == ["my reasons"]  # nothing lost


def test_clearing_a_saved_box_leaves_the_others(db, meeting):
    item = decided(db, meeting)
    drafts.write_drafts(
        db,
        item,
        {"decision:observations": "a", "decision:dissent": "b"},
        member_id=None,
        author="A",
    )
    drafts.clear_drafts(db, item, ["decision:observations"], member_id=None)
    assert [d.key for d in drafts.list_drafts(db)] == ["decision:dissent"]


def test_only_review_boxes_have_drafts(db, meeting):
    with pytest.raises(ValueError):
        drafts.write_drafts(db, meeting.items[0], {"decision:outcome_code": "x"}, member_id=None,
                            author="A")  # fmt: skip


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from scrutiny_app.storage import Database
    from scrutiny_app.services import drafts

    path, item, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db = Database.open(path, create=False)
    for n in range(1, len(text) + 1):  # one draft write per key, as the form throttles them
        drafts.write_drafts(db, item, {"decision:observations": text[:n]}, member_id=None,
                            author="Olu Officer")
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no flush: the plug is pulled
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_right_after_the_last_key_loses_no_text(db, meeting, tmp_path):
    item = decided(db, meeting)
    path = db.location
    db.close()
    text = "The officer explained the disposal to the victim in writing."
    child = subprocess.run(
        [sys.executable, "-c", CHILD, path, str(item), text],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    reopened = Database.open(path)
    try:
        (restored,) = drafts.restore_drafts(reopened)
        assert restored.draft.text == text
        assert case_row(reopened, item).observations == text
    finally:
        reopened.close()


def test_the_place_a_user_was_is_remembered_per_user(db, meeting):
    places.remember(db, "olu", meeting.meeting_id, meeting.items[3])
    places.remember(db, "alice", meeting.meeting_id, None)
    assert places.last_place(db, "olu") == places.Place(meeting.meeting_id, meeting.items[3])
    assert places.last_place(db, "alice") == places.Place(meeting.meeting_id, None)
    assert places.last_place(db, "nobody") is None


def test_a_place_that_no_longer_exists_is_not_reopened(db, meeting):
    other = panels.create_meeting(db, meeting.panel_id, dt.date(2026, 12, 1), "Later")
    places.remember(db, "olu", other, meeting.items[0])  # a case of another meeting
    assert places.last_place(db, "olu") == places.Place(other, None)
    places.remember(db, "olu", 987654, None)
    assert places.last_place(db, "olu") is None
