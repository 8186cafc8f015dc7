"""Killing the app (SIGKILL) mid-session loses nothing that was saved.

A child process records views, decisions, tags and time as fast as it can, printing a line
after each call returns (the edit is then committed). The test kills it with SIGKILL part-way
through a stream of edits, reopens the database and checks every edit the child reported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_session import Meeting, make_meeting

from scrutiny_app.services import cases, session, tags
from scrutiny_app.storage import Database


@pytest.fixture
def meeting(db: Database) -> Meeting:
    return make_meeting(db)


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CHILD = textwrap.dedent(
    """
    import json, sys
    from scrutiny_app.storage import Database
    from scrutiny_app.services import session, tags

    path, items, alice = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    db = Database.open(path, create=False)
    session.save_decision(db, items[0], outcome_code="inappropriate", actor="child")
    i = 0
    while True:
        kind = i % 4
        if kind == 0:
            item = items[1 + (i // 4) % (len(items) - 1)]
            session.record_view(db, item, alice, outcome_code="appropriate", note=f"note {i}")
            out = {"i": i, "kind": "view", "item": item}
        elif kind == 1:
            session.save_decision(db, items[0], observations=f"obs {i}", actor="child")
            out = {"i": i, "kind": "decision"}
        elif kind == 2:
            tags.add_tag(db, items[i // 4 % len(items)], f"tag {i}", allow_similar=True)
            out = {"i": i, "kind": "tag"}
        else:
            session.add_time(db, items[0], 1)
            out = {"i": i, "kind": "time"}
        print(json.dumps(out), flush=True)
        i += 1
    """
)


def test_sigkill_mid_session_loses_nothing_saved(db: Database, meeting: Meeting, tmp_path: Path):
    path = db.location
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, path, json.dumps(meeting.items), str(meeting.alice)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    reported = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            reported.append(json.loads(line))
            if len(reported) >= 120:  # well into the stream, while it is still writing
                break
        else:
            pytest.fail(f"the child stopped early: {proc.stderr.read() if proc.stderr else ''}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    with Database.open(path, create=False) as again:
        # Decision: the outcome, and observations at least as recent as the last reported.
        first = cases.case_row(again, meeting.items[0])
        assert first.outcome_code == "inappropriate"
        last_obs = max(r["i"] for r in reported if r["kind"] == "decision")
        assert int(first.observations.split()[1]) >= last_obs
        # Time: every reported second is there (one more may have been committed unreported).
        times = sum(1 for r in reported if r["kind"] == "time")
        assert first.seconds_spent in (times, times + 1)
        # Views: each item's note is its last reported one or a later one.
        for item in meeting.items[1:]:
            mine = [r["i"] for r in reported if r["kind"] == "view" and r["item"] == item]
            if mine:
                own = session.case_views(again, item, viewer_member_id=meeting.alice).own
                assert own is not None and int(own.note.split()[1]) >= max(mine)
        # Tags: every reported tag exists.
        names = {t.name for t in tags.list_tags(again, meeting.panel_id)}
        assert {f"tag {r['i']}" for r in reported if r["kind"] == "tag"} <= names
        # The database is sound after the kill (a server checks itself; a file is checked).
        if again.path is not None:
            with again.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
