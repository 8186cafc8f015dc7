"""The publication check in the app (issue 9): flagged passages shown highlighted, decided with
the keyboard or the buttons, and the public export refused until none is undecided."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMessageBox, QPushButton

from scrutiny_app.gui.publication_dialog import PublicationDialog
from scrutiny_app.gui.report_window import ReportWindow
from scrutiny_app.services import cases, demo, publication, recommendations
from scrutiny_app.services.session import save_decision
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui

PLANTED = "Officer PC 1234 Smith did not explain the grounds; the victim at BS1 4ST (07700 900123)."
SECRETS = ("PC 1234", "Smith", "BS1 4ST", "07700 900123")


@pytest.fixture
def planted(tmp_path: Path):
    db = Database.open(tmp_path / "demo.db")
    ids = demo.create_demo(db)
    row = cases.meeting_cases(db, ids.oocd_meeting).rows[0]
    save_decision(db, row.item_id, observations=PLANTED, actor="Officer")
    yield db, ids.oocd_meeting
    db.close()


def test_passages_are_highlighted_and_decided_by_key(qtbot, app: QApplication, planted) -> None:
    db, meeting = planted
    dialog = PublicationDialog(db, meeting, actor="Jo Officer")
    dialog.show()
    banner = dialog.findChild(QLabel, "publicationBanner").text()
    assert "3 passages to decide" in banner
    texts = dialog.findChild(QListWidget, "flaggedTexts")
    assert "observations" in texts.currentItem().text()
    html = dialog.view.toHtml()
    assert "PC 1234 Smith" in html and "background-color:#ffd166" in html
    passages = dialog.findChild(QListWidget, "flaggedPassages")
    assert passages.count() == 3 and "UNDECIDED" in passages.item(0).text()

    passages.setFocus()
    qtbot.keyClick(passages, Qt.Key.Key_R)  # redact the first (the name and collar number)
    qtbot.keyClick(dialog.findChild(QListWidget, "flaggedPassages"), Qt.Key.Key_K)  # keep next
    assert dialog.undecided == 1
    assert "Redacted" in passages.item(0).text() and "Kept" in passages.item(1).text()
    dialog.findChild(QPushButton, "redactAll").click()
    assert dialog.undecided == 0
    assert (
        "Every flagged passage is decided" in dialog.findChild(QLabel, "publicationBanner").text()
    )
    public = publication.check_publication(db, meeting)
    [text] = [t for t in public.texts if t.passages]
    assert text.public_text is not None and "Smith" not in text.public_text
    assert "BS1 4ST" in text.public_text  # kept as it is, as the officer chose
    dispose(dialog, qtbot)


def test_withholding_the_whole_text_and_publishing_it_again(qtbot, app, planted) -> None:
    db, meeting = planted
    dialog = PublicationDialog(db, meeting)
    dialog.show()
    button = dialog.findChild(QPushButton, "withholdText")
    button.click()
    assert dialog.undecided == 0
    assert "Whole text kept internal" in dialog.view.toHtml()
    assert button.text().replace("&", "") == "Publish the whole text again"
    assert not dialog.findChild(QPushButton, "redactPassage").isEnabled()
    button.click()
    assert dialog.undecided == 3
    dispose(dialog, qtbot)


def test_public_export_opens_the_check_and_writes_only_when_decided(
    qtbot, app, planted, files, boxes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db, meeting = planted
    window = ReportWindow(db, meeting, "Stalking and harassment", actor="Jo Officer")
    window.show()
    files.save_path = str(tmp_path / "public.pdf")
    seen: list[int] = []

    def leave_undecided(dialog: PublicationDialog) -> int:
        seen.append(dialog.undecided)
        return 0

    monkeypatch.setattr(PublicationDialog, "exec", leave_undecided)
    window.findChild(QPushButton, "exportPublic").click()
    assert seen == [3]
    assert not (tmp_path / "public.pdf").exists()
    assert "not exported" in window.status.text()

    def redact_everything(dialog: PublicationDialog) -> int:
        dialog.findChild(QPushButton, "redactAll").click()
        return 0

    monkeypatch.setattr(PublicationDialog, "exec", redact_everything)
    window.findChild(QPushButton, "exportPublic").click()
    assert boxes.errors == []
    text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(tmp_path / "public.pdf").pages
    )
    assert "Officer [redacted] did not explain the grounds" in text
    assert not any(secret in text for secret in SECRETS)
    dispose(window, qtbot)


def test_issuing_the_meetings_drafts_from_the_report_window(qtbot, app, planted, boxes) -> None:
    db, meeting = planted
    panel_id = recommendations.list_recommendations(db, meeting_id=meeting)[0].panel_id
    rec = recommendations.add_recommendation(db, panel_id, "Audit BWV use.", meeting_id=meeting)
    window = ReportWindow(db, meeting, "Stalking and harassment", actor="Jo Officer")
    window.show()
    button = window.findChild(QPushButton, "issueDrafts")
    assert button.isEnabled() and "Issue 1 draft recommendation" in button.text()
    boxes.answer = QMessageBox.StandardButton.Yes
    button.click()
    assert rec.reference in boxes.texts("question")[-1]
    issued = recommendations.get_recommendation(db, rec.id)
    assert issued.status == "issued" and issued.updates[-1].author == "Jo Officer"
    assert not button.isEnabled()
    dispose(window, qtbot)
