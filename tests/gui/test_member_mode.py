"""Member mode (issue 12): a pack opened with its passphrase, a view recorded by keyboard and
saved into the pack as the member goes, the marking on screen, the lock."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from scrutiny_app.gui.member_window import MemberWindow, PassphraseDialog
from scrutiny_app.packs.export import make_pack
from scrutiny_app.packs.member import MemberPack
from scrutiny_app.services import panels
from scrutiny_app.storage import Database

pytestmark = pytest.mark.gui

PASS = "a passphrase for tests"


def opener(path: Path, secret: str) -> MemberPack:
    return MemberPack.open(path, secret)


@pytest.fixture
def pack_path(sampled, db: Database, tmp_path: Path) -> Path:
    luke = panels.add_member(db, sampled.panel_id, "Luke Harper")
    path = tmp_path / "luke.scrutiny"
    make_pack(
        db,
        sampled.meeting_id,
        luke,
        path,
        PASS,
        kdf_n=2**10,
        expires_on=dt.date.today() + dt.timedelta(days=7),
    )
    return path


def test_a_wrong_passphrase_is_said_in_the_dialog_which_stays_open(qtbot, pack_path):
    dialog = PassphraseDialog(pack_path, opener=opener)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.edit, "not it")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.pack is None
    assert "Wrong passphrase" in dialog.problem.text()
    dialog.edit.clear()
    qtbot.keyClicks(dialog.edit, PASS)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.pack is not None and not dialog.isVisible()


def test_a_member_records_a_view_by_keyboard_and_it_is_in_the_pack(qtbot, pack_path):
    w = MemberWindow(MemberPack.open(pack_path, PASS), opener=opener)
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    assert "OFFICIAL-SENSITIVE" in w.marking.text() and "Luke Harper" in w.marking.text()
    w.case_list.setFocus()
    first = w.case_list.currentItem().data(Qt.ItemDataRole.UserRole)

    qtbot.keyClick(w.case_list, Qt.Key.Key_3)  # the third outcome, by its number key
    while QApplication.focusWidget() is not w.note:  # Tab: the outcome, the questions, the note
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(w.note, "Grounds 2 thin")  # a digit typed in the note is text
    qtbot.wait(150)  # saved NOTE_DELAY_MS (100 ms) after the last key
    on_disk = MemberPack.open(pack_path, PASS).case(first)
    assert on_disk.outcome_code == w.pack.template["outcomes"][2]["code"]
    assert on_disk.note == "Grounds 2 thin"
    assert "saved in the pack" in w.saved_label.text()

    qtbot.keyClick(w.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    second = w.case_list.currentItem().data(Qt.ItemDataRole.UserRole)
    assert second != first
    assert "✓" in w.case_list.item(0).text()
    assert QApplication.focusWidget() in w.outcomes.buttons.values()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert (
        MemberPack.open(pack_path, PASS).case(second).outcome_code
        == (w.pack.template["outcomes"][0]["code"])
    )
    w.close()


def test_the_pack_locks_when_idle_and_the_passphrase_opens_it_again(qtbot, pack_path):
    w = MemberWindow(MemberPack.open(pack_path, PASS), idle_minutes=0.002, opener=opener)
    qtbot.addWidget(w)
    w.show()
    answered: list[str] = []

    def type_passphrase() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, type_passphrase)
            return
        answered.append("yes")
        assert w.pack is None and not w.centralWidget().isVisible()  # locked: key forgotten
        gc.collect()
        assert [o for o in gc.get_objects() if isinstance(o, MemberPack)] == []
        assert w.case_list.count() == 0 and w.note.toPlainText() == ""
        dialog.edit.setText(PASS)
        dialog.open_button.click()

    QTimer.singleShot(20, type_passphrase)
    qtbot.waitUntil(lambda: bool(answered) and w.pack is not None, timeout=5000)
    assert w.centralWidget().isVisible()
    w.idle.stop()
    w.close()


def test_the_merge_dialog_shows_a_conflict_side_by_side_and_merges_once_chosen(
    qtbot, sampled, db: Database, window, tmp_path: Path, boxes
):
    from PySide6.QtWidgets import QComboBox

    from scrutiny_app.gui import windows
    from scrutiny_app.services import cases, session

    luke = panels.add_member(db, sampled.panel_id, "Luke Harper")
    grace = panels.add_member(db, sampled.panel_id, "Grace Mensah", role="chair")
    refs = [r.reference for r in cases.meeting_cases(db, sampled.meeting_id).rows]
    rets = []
    for member, outcomes in ((luke, ["green", "amber"]), (grace, ["red"])):
        path = tmp_path / f"{member}.scrutiny"
        make_pack(db, sampled.meeting_id, member, path, PASS, kdf_n=2**10)
        pack = MemberPack.open(path, PASS)
        for ref, outcome in zip(refs, outcomes, strict=False):
            pack.record_view(ref, outcome_code=outcome, note=f"pack note on {ref}")
        rets.append(pack.write_return(tmp_path / f"{member}.scrutiny-return").path)
    bad = tmp_path / "tampered.scrutiny-return"
    data = bytearray(rets[1].read_bytes())
    data[-3] ^= 0xFF
    bad.write_bytes(bytes(data))
    # At the desk meanwhile: Luke's view of the first case, phoned in.
    panels.set_attendance(db, sampled.meeting_id, luke, present=True)
    item = cases.meeting_cases(db, sampled.meeting_id).rows[0].item_id
    session.record_view(db, item, luke, outcome_code="red", note="phoned in")
    window.refresh()
    assert window.select_meeting(sampled.meeting_id)

    dialog = windows.open_merge_returns(window, [str(p) for p in (*rets, bad)])
    qtbot.waitExposed(dialog)
    returns = dialog.returns_table
    assert returns.rowCount() == 3
    assert "refused" in returns.item(2, 3).text() and "altered" in returns.item(2, 3).text()
    changes = dialog.changes_table
    texts = [[changes.item(r, c).text() for c in (0, 1, 3, 4)] for r in range(changes.rowCount())]
    assert [
        "Luke Harper",
        refs[0],
        f"Green - good practice · \u201cpack note on {refs[0]}\u201d",
        "Red - concern, escalated · \u201cphoned in\u201d",
    ] in texts
    combo = changes.cellWidget(0, 2)
    assert isinstance(combo, QComboBox)
    assert not dialog.merge_button.isEnabled()
    assert "1 file(s) refused" in dialog.status.text()
    assert dialog.open_conflicts() == [refs[0]]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # keep the member's
    assert dialog.merge_button.isEnabled()
    dialog.resize(1024, 600)
    dialog.grab().save(str(tmp_path / "merge.png"))  # (docs/screenshots/merge-returns-*.png)
    dialog.merge_button.click()
    assert not dialog.isVisible()
    mine = session.case_views(db, item, viewer_member_id=luke).own
    assert (mine.outcome_code, mine.note) == ("green", f"pack note on {refs[0]}")
    assert "Merged 2 return(s): 3 case(s) changed" in window.statusBar().currentMessage()
    assert boxes.errors == []


def test_the_officer_makes_packs_and_each_opens_with_the_passphrase_shown(
    qtbot, sampled, db: Database, window, tmp_path: Path, boxes
):
    from scrutiny_app.gui.pack_dialogs import MakePacksDialog

    for name in ("Luke Harper", "Grace Mensah"):
        panels.add_member(db, sampled.panel_id, name)
    panels.add_member(db, sampled.panel_id, "Sam Officer", role="officer")
    dialog = MakePacksDialog(db, sampled.meeting_id, window, folder=str(tmp_path), kdf_n=2**10)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.members.item(i).text() for i in range(dialog.members.count())]
    assert not any("Sam Officer" in n for n in names)  # an officer records no view
    grace = next(i for i, n in enumerate(names) if n.startswith("Grace"))
    dialog.members.item(grace).setCheckState(Qt.CheckState.Unchecked)
    dialog.make_button.click()
    table = dialog.result_table
    assert table.isVisible() and table.rowCount() == 1
    member, file, passphrase = (table.item(0, c).text() for c in range(3))
    assert member == "Luke Harper" and file.endswith(".scrutiny")
    pack = MemberPack.open(tmp_path / file, passphrase)
    assert pack.member_name == "Luke Harper"
    dialog.copy_button.click()
    assert passphrase in QApplication.clipboard().text()
    assert boxes.errors == []


def test_tab_follows_the_page_and_the_focused_field_is_in_view(qtbot, pack_path):
    w = MemberWindow(MemberPack.open(pack_path, PASS), opener=opener)
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.case_list.setFocus()
    stops = []
    for _ in range(40):
        focus = QApplication.focusWidget()
        stops.append(focus)
        if focus is w.declare_button:
            break
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert stops[1] in w.outcomes.buttons.values()  # the list, then the outcome
    assert stops.index(w.note) > max(
        stops.index(r) for r in w.questions.radios.values() if r in stops
    )
    assert stops[-1] is w.declare_button
    viewport = w.scroll.viewport().rect()
    corner = w.declare_button.mapTo(w.scroll.viewport(), w.declare_button.rect().bottomLeft())
    assert viewport.contains(corner)  # scrolled to the field that has the focus
    w.close()


def test_the_list_names_each_case_after_a_note_on_another(qtbot, pack_path):
    w = MemberWindow(MemberPack.open(pack_path, PASS), opener=opener)
    qtbot.addWidget(w)
    w.show()
    w.case_list.setCurrentRow(3)
    w.note.setFocus()
    qtbot.keyClicks(w.note, "typed, not yet saved")
    w.case_list.setCurrentRow(4)  # at once: the note is saved as the case is left
    refs = [c.reference for c in w.pack.cases()]
    lines = [w.case_list.item(i).text() for i in range(w.case_list.count())]
    assert [line.split(" — ")[0] for line in lines] == [f"{i + 1}. {r}" for i, r in enumerate(refs)]
    assert w.pack.case(refs[3]).note == "typed, not yet saved"
    assert "to do" in lines[4]
    w.close()


def test_scrutiny_app_open_asks_the_passphrase_then_shows_member_mode(qtbot, app, pack_path):
    from scrutiny_app.cli import main

    seen: dict[str, object] = {}

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.edit.setText(PASS)
        dialog.open_button.click()
        QTimer.singleShot(50, look)

    def look() -> None:
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MemberWindow) and w.isVisible()
        ]
        seen["title"] = shown[0].windowTitle() if shown else None
        for w in shown:
            w.close()
        app.quit()

    QTimer.singleShot(20, answer)
    assert main([str(pack_path)]) == 0  # a pack double-clicked: its path alone
    assert seen["title"] == f"Scrutiny — Luke Harper's pack — {pack_path.name}"
