"""Killing the app (SIGKILL) while someone is typing loses at most the text being typed.

The child is the real GUI, offscreen: it chooses an outcome by key, types observations and
waits for them to be saved (the short pause after typing), ticks a question, adds a tag, then
starts typing good practice and reports; the test kills it at once and reopens the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from scrutiny_app.services import cases
from scrutiny_app.storage import Database

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]

CHILD = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from scrutiny_app.gui.app import create_main_window, prepare_app
    from scrutiny_app.storage import Database

    app = QApplication([])
    prepare_app(app)
    db = Database.open(sys.argv[1], create=False)
    w = create_main_window(db)
    w.resize(1366, 768)
    w.show()
    QTest.qWaitForWindowExposed(w)
    assert w.select_meeting(int(sys.argv[2]))
    w.page.case_table.setFocus()
    QTest.keyClick(w.page.case_table, Qt.Key.Key_3)  # red: saved at once
    w.page.review.observations_edit.setFocus()
    QTest.keyClicks(w.page.review.observations_edit, "Grounds were not recorded")
    QTest.qWait(1500)  # the pause after typing: saved
    w.page.review.decision_questions.radio("gowisely_g", "no").click()
    w.page.review.tag_editor.edit.setFocus()
    QTest.keyClicks(w.page.review.tag_editor.edit, "No BWV")
    QTest.keyClick(w.page.review.tag_editor.edit, Qt.Key.Key_Return)
    print("SAVED", flush=True)
    w.page.review.good_practice_edit.setFocus()
    QTest.keyClicks(w.page.review.good_practice_edit, "Typed when the power went")
    print("TYPING", flush=True)
    QTest.qWait(120000)
    """
)


def test_sigkill_while_typing_loses_at_most_the_field_being_typed(sampled, db: Database):
    path = db.path
    assert path is not None
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(sampled.meeting_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == "TYPING":
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert lines == ["SAVED", "TYPING"], stderr[-2000:]
    assert proc.returncode == -signal.SIGKILL

    with Database.open(path, create=False) as again:
        first = cases.meeting_cases(again, sampled.meeting_id).rows[0]
        assert first.outcome_code == "red"
        assert first.observations == "Grounds were not recorded"
        assert first.answers == {"gowisely_g": "no"}
        assert first.tags == ("No BWV",)
        # The box being typed in when the process died: lost or saved, never half-written.
        assert first.good_practice in ("", "Typed when the power went")
