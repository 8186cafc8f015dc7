"""A whole panel session through the real widgets, on the demo OOCD meeting (issue 4):

who is using the app, attendance, three members record their own views by keyboard (one
declares an interest), the views are revealed and the agreement (Fleiss' kappa) shows, the
panel decides every case (one ends in no consensus), the presenter view shows no names, the
session summary charts the tally, and the no-consensus case is in the next meeting's sample.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.session_dialogs import (
    AgreementDialog,
    AttendanceDialog,
    DeclareInterestDialog,
    SessionSummaryDialog,
    WhoIsUsingDialog,
)
from scrutiny_app.services import cases, importer, panels, sampling, session
from scrutiny_app.services.agreement import meeting_agreement
from scrutiny_app.services.cases import CaseState
from scrutiny_app.services.demo import create_demo
from scrutiny_app.services.demo.staging import reopen_for_session
from scrutiny_app.services.sampling import SampleSpec
from scrutiny_app.storage import Database

from .gui_helpers import Boxes, cell, click, click_row

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CODES = ("appropriate", "appropriate_obs", "inappropriate", "no_consensus")
DIGITS = {code: getattr(Qt.Key, f"Key_{i + 1}") for i, code in enumerate(CODES)}


@dataclass(frozen=True)
class DemoSession:
    meeting_id: int
    panel_id: int
    next_meeting_id: int
    members: dict[str, int]  # name -> member id
    published: dict[int, str]  # item id -> the outcome the demo had recorded
    items: list[int]  # in agenda order


def next_records(n: int) -> list[dict]:
    return [
        {
            "force_reference": f"AS/26/{90000 + i}",
            "occurred_at": dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=i),
            "offence": "Harassment without violence",
            "disposal_type": "Community resolution",
            "adult_or_youth": "Adult",
        }
        for i in range(n)
    ]


@pytest.fixture
def demo_session(db: Database) -> DemoSession:
    ids = create_demo(db)
    reopened = reopen_for_session(db, ids.oocd_meeting)
    nxt = panels.create_meeting(db, ids.oocd_panel, dt.date(2026, 12, 9), "Stalking: follow-up")
    importer.import_records(db, nxt, next_records(30), source_name="December extract")
    people = panels.meeting_attendance(db, ids.oocd_meeting)
    rows = cases.meeting_cases(db, ids.oocd_meeting).rows
    return DemoSession(
        meeting_id=ids.oocd_meeting,
        panel_id=ids.oocd_panel,
        next_meeting_id=nxt,
        members={a.name: a.member_id for a in people},
        published={k: v.outcome_code for k, v in reopened.published.items()},
        items=[r.item_id for r in rows],
    )


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "the focus was lost"
    return widget


def key(qtbot, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the user's focus is (as a user types)."""
    qtbot.keyClick(focused(), k, modifier)


def choose_user(qtbot, w: MainWindow, member_id: int | None) -> None:
    """Ctrl+U, pick the person, OK."""
    if w.current_dialog is None:
        key(qtbot, Qt.Key.Key_U, CTRL)
    dialog = w.current_dialog
    assert isinstance(dialog, WhoIsUsingDialog) and dialog.isVisible()
    if member_id is None:
        click(qtbot, dialog.not_listed_button)
    else:
        assert dialog.select(member_id)
        click(qtbot, dialog.ok_button)
    assert w.current_dialog is None
    assert w.people.acting().member_id == member_id


def view_plan(s: DemoSession) -> dict[str, dict[int, str]]:
    """Each member's own view of each case: mostly the demo's outcome, with disagreements."""
    plan: dict[str, dict[int, str]] = {"Margaret Hale": {}, "Daniel Okafor": {}, "Priya Shah": {}}
    for i, item in enumerate(s.items):
        published = s.published[item]
        if published == "no_consensus":  # the panel will not agree on this one
            views = ("appropriate", "inappropriate", "appropriate_obs")
        else:
            views = (
                published,
                "appropriate_obs" if i % 4 == 1 else published,
                "inappropriate" if i % 5 == 2 else published,
            )
        for name, code in zip(plan, views, strict=True):
            plan[name][item] = code
    return plan


def test_a_whole_session_on_the_demo_oocd_meeting(
    qtbot, window: MainWindow, db: Database, boxes: Boxes, demo_session: DemoSession
):
    w, s = window, demo_session
    officer, chair = s.members["Alison Brooks"], s.members["Margaret Hale"]
    w.refresh()

    # ---- Opening the meeting asks who is using the app (from the attendance).
    assert w.select_meeting(s.meeting_id)
    dialog = w.current_dialog
    assert isinstance(dialog, WhoIsUsingDialog)
    listed = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert listed[0].startswith("Margaret Hale (Chair)")
    assert any(t.startswith("Alison Brooks (OPCC scrutiny officer)") for t in listed)
    choose_user(qtbot, w, officer)
    assert "Alison Brooks" in w.page.review.acting_button.full_text()
    assert w.page.classification_badge.isVisible()
    assert "OFFICIAL-SENSITIVE" in w.page.case_details.toPlainText()

    # ---- Attendance (Ctrl+Shift+A): Tom Griffiths sends apologies.
    key(qtbot, Qt.Key.Key_A, CTRL | SHIFT)
    attendance = w.current_dialog
    assert isinstance(attendance, AttendanceDialog)
    tom = s.members["Tom Griffiths"]
    table = attendance.table
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table, timeout=2000)
    table.setCurrentCell(attendance.row_of(tom), 0)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # Space on the row ticks "Present" off
    assert not attendance.is_present(tom)
    table.setCurrentCell(attendance.row_of(chair), attendance.DECLARATIONS)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # edits the cell; the dialog stays open
    assert attendance.isVisible()
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "Sits as a magistrate in the local bench")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # committed (queued by the delegate)
    qtbot.waitUntil(lambda: attendance.declarations(chair) != "", timeout=2000)
    assert attendance.isVisible()
    assert attendance.declarations(chair) == "Sits as a magistrate in the local bench"
    click(qtbot, attendance.close_button)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)  # back in w
    by_name = {a.name: a for a in panels.meeting_attendance(db, s.meeting_id)}
    assert not by_name["Tom Griffiths"].present
    assert by_name["Margaret Hale"].declarations == "Sits as a magistrate in the local bench"

    # ---- Stage 1: three members record their own views, by keyboard.
    plan = view_plan(s)
    interest_item = s.items[5]
    for name in ("Margaret Hale", "Daniel Okafor", "Priya Shah"):
        member = s.members[name]
        choose_user(qtbot, w, member)
        click_row(qtbot, w, 0)
        assert w.page.review.stage == "views"
        if name == "Daniel Okafor":
            # Margaret's views are in but hidden from Daniel: he sees only that they exist.
            assert w.reviewer.views is not None and w.reviewer.views.views == ()
            assert chair in w.reviewer.views.recorded
            assert w.page.review.view_outcomes.checked() is None
            assert "Margaret Hale" in w.page.review.views_in_label.text()
            assert "Inappropriate" not in w.page.review.views_in_label.text()
        w.reviewer.focus_form()
        for _ in range(len(s.items)):
            case = w.page.selected_case()
            if name == "Priya Shah" and case.item_id == interest_item:
                key(qtbot, Qt.Key.Key_I, CTRL | SHIFT)  # declare an interest
                declare = w.current_dialog
                assert isinstance(declare, DeclareInterestDialog)
                qtbot.keyClicks(declare.reason_edit, "Knows the victim's family")
                click(qtbot, declare.ok_button)
                assert not w.page.review.own_box.isVisible()
                assert "declared an interest" in w.page.review.blocked_label.text()
                key(qtbot, Qt.Key.Key_3)  # a number key does not record a view now
                w.reviewer.focus_form()
            else:
                key(qtbot, DIGITS[plan[name][case.item_id]])
                if case.position == 0:
                    w.page.review.note_edit.setFocus()
                    qtbot.keyClicks(w.page.review.note_edit, f"{name.split()[0]}'s note")
            key(qtbot, Qt.Key.Key_Return, CTRL)  # my view is done: next case
        assert f"every case you can, {name}" in w.statusBar().currentMessage()
        done = session.cases_done_by(db, s.meeting_id, member)
        assert done == set(s.items)
    with pytest.raises(Exception, match="declared an interest"):
        session.record_view(db, interest_item, s.members["Priya Shah"], outcome_code="appropriate")
    assert {r.state for r in cases.meeting_cases(db, s.meeting_id).rows} == {CaseState.VIEWS_IN}
    assert all(c.startswith("Views in") for c in (cell(w, r, "state") for r in range(24)))

    # ---- A member cannot reveal; the officer reveals every case, and the kappa shows.
    assert not w.action_reveal_all.isEnabled()  # Priya is a member
    choose_user(qtbot, w, officer)
    boxes.answer = QMessageBox.StandardButton.Yes
    key(qtbot, Qt.Key.Key_V, CTRL | Qt.KeyboardModifier.AltModifier)
    agreement = w.current_dialog
    assert isinstance(agreement, AgreementDialog)
    expected = meeting_agreement(db, s.meeting_id)
    assert expected.kappa is not None and len(expected.measured) == 24
    assert agreement.kappa_label.text() == f"{expected.kappa:.2f}"
    assert agreement.percent_label.text() == f"{expected.percent_agreement:.0f}%"
    assert f"κ <b>{expected.kappa:.2f}</b>" in w.page.agreement_label.text()
    headers = [
        agreement.table.horizontalHeaderItem(i).text() for i in range(agreement.table.columnCount())
    ]
    assert headers == ["Case", "Daniel Okafor", "Margaret Hale", "Priya Shah"]
    no_consensus_item = next(i for i, code in s.published.items() if code == "no_consensus")
    assert agreement.item_ids[0] == no_consensus_item  # three different views: most split
    click(qtbot, agreement.table.viewport())  # and the dialog is usable
    agreement.close()

    # ---- Stage 2: the panel decides every case; the views are side by side.
    click_row(qtbot, w, 0)
    assert w.page.review.stage == "decision"
    assert [c.accessibleName().split(":")[0] for c in w.page.review.views_panel.cards] == [
        "Daniel Okafor",
        "Margaret Hale",
        "Priya Shah",
    ]
    w.reviewer.focus_form()
    for _ in range(len(s.items)):
        case = w.page.selected_case()
        key(qtbot, DIGITS[s.published[case.item_id]])
        key(qtbot, Qt.Key.Key_Return, CTRL)  # decided: on to the next case to decide
    assert w.page.progress_label.text() == "<b>24 of 24 decided</b>"
    assert "All 24 cases are decided" in w.statusBar().currentMessage()
    data = cases.meeting_cases(db, s.meeting_id)
    assert [(c.outcome.code, c.count) for c in data.counts()] == [
        ("appropriate", 3),
        ("appropriate_obs", 8),
        ("inappropriate", 12),
        ("no_consensus", 1),
    ]
    carried = data.row(no_consensus_item)
    assert carried is not None and carried.carried_over and carried.consensus == "none"
    assert carried.dissent.count("One member's view") == 3  # every view kept
    assert carried.recorded_by == "Alison Brooks"
    split = data.row(s.items[1])  # Daniel saw it otherwise
    assert split is not None and split.consensus == "majority"
    assert "Appropriate with observations" in split.dissent
    assert boxes.errors == []

    # ---- The presenter view: current case and tally, no member names.
    key(qtbot, Qt.Key.Key_F5)
    presenter = w.presenter
    assert presenter is not None and presenter.isVisible()
    texts = " ".join(presenter.visible_texts())
    assert "24 of 24 decided" in texts and w.page.selected_case().reference in texts
    for name in s.members:
        assert name not in texts
        assert name.split()[0] not in texts
    assert [b.count for b in presenter.tally.bars] == [3, 8, 12, 1]
    key(qtbot, Qt.Key.Key_F5)
    assert not presenter.isVisible()

    # ---- The session summary: the tally as a bar chart.
    key(qtbot, Qt.Key.Key_S, CTRL | SHIFT)
    summary = w.current_dialog
    assert isinstance(summary, SessionSummaryDialog)
    assert [(b.label, b.count) for b in summary.chart.bars] == [
        ("Appropriate", 3),
        ("Appropriate with observations", 8),
        ("Inappropriate", 12),
        ("No consensus / more information needed", 1),
    ]
    assert "did not reach consensus in one case" in summary.paragraph.toPlainText()
    summary.close()

    # ---- The no-consensus case is in the next meeting's sample.
    result = sampling.draw_sample(
        db, s.next_meeting_id, 5, spec=SampleSpec(size=5, seed=2026, carry_over=True)
    )
    assert carried.reference in result.references
    w.refresh()
    assert w.select_meeting(s.next_meeting_id)
    rows = [w.page.case_model.case_at(i) for i in range(w.page.case_model.rowCount())]
    [again] = [r for r in rows if r.reference == carried.reference]
    assert again.selection == "carried_over" and again.state == CaseState.NOT_STARTED
    assert w.page.select_case(again.item_id)
    assert "Carried over from the previous meeting" in w.page.case_details.toPlainText()
    assert boxes.errors == []
