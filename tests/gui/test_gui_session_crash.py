"""Killing the app (SIGKILL) while someone is typing loses nothing (issue 11, item 1).

The child is the real GUI, offscreen: on the third case it chooses an outcome by key, types
observations and waits for them to be saved (the short pause after typing), ticks a question,
adds a tag, then types good practice and reports; the test kills it 0.1 s later, checks what
is saved, then opens the app again: it reopens on that case, with the good practice restored
(saved, one undo step, said in the form).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from scrutiny_app.gui.app import create_main_window
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
    QTest.keyClick(w.page.case_table, Qt.Key.Key_Down)
    QTest.keyClick(w.page.case_table, Qt.Key.Key_Down)
    print("CASE", w.reviewer.case.item_id, flush=True)
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
    print("TYPING", flush=True)  # killed 0.1 s after this line
    QTest.qWait(120000)
    """
)


def test_sigkill_right_after_typing_loses_nothing_and_the_app_reopens_there(
    qtbot, app, sampled, db: Database, boxes
):
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
                time.sleep(0.1)
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert lines[1:] == ["SAVED", "TYPING"], stderr[-2000:]
    assert proc.returncode == -signal.SIGKILL
    item_id = int(lines[0].split()[1])

    again = Database.open(path, create=False)
    try:
        third = cases.case_row(again, item_id)
        assert third.position == 2
        assert third.outcome_code == "red"
        assert third.observations == "Grounds were not recorded"
        assert third.answers == {"gowisely_g": "no"}
        assert third.tags == ("No BWV",)

        w = create_main_window(again)
        qtbot.addWidget(w)
        w.show()
        meeting = w.selected_meeting()
        assert meeting is not None and meeting.id == sampled.meeting_id
        assert w.reviewer.case is not None and w.reviewer.case.item_id == item_id
        review = w.page.review
        assert review.good_practice_edit.toPlainText() == "Typed when the power went"
        assert cases.case_row(again, item_id).good_practice == "Typed when the power went"
        assert review.banner.isVisible()
        assert "Restored the text you were typing" in review.banner.text()
        assert "Good practice" in review.banner.text()
        assert boxes.errors == []
        # The restored text is one undo step.
        assert w.action_undo.isEnabled()
        w.action_undo.trigger()
        assert cases.case_row(again, item_id).good_practice == ""
        assert review.good_practice_edit.toPlainText() == ""
        w.close()
    finally:
        again.close()
