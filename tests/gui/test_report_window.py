"""The report window: sections save as they are typed; the paragraph copies; the preview shows pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPlainTextEdit, QPushButton

from scrutiny_app.gui.report_window import ReportWindow
from scrutiny_app.services import demo
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.storage import Database

from .disposal import dispose

pytestmark = pytest.mark.gui


@pytest.fixture
def demo_db(tmp_path: Path):
    db = Database.open(tmp_path / "demo.db")
    ids = demo.create_demo(db)
    yield db, ids.oocd_meeting
    db.close()


def test_sections_save_as_typed_and_preview_renders(qtbot, app: QApplication, demo_db):
    db, meeting = demo_db
    window = ReportWindow(db, meeting, "Stalking and harassment")
    window.show()
    box = window.findChild(QPlainTextEdit, "section:purpose")
    qtbot.keyClicks(box, "The Panel looks at closed cases.")
    qtbot.waitUntil(
        lambda: (
            report_sections.get_section(db, meeting, "purpose").text
            == "The Panel looks at closed cases."
        ),
        timeout=3000,
    )
    window.findChild(QCheckBox, "internal:themes").setChecked(True)
    assert report_sections.get_section(db, meeting, "themes").internal is True

    summary = window.findChild(QLabel, "commissionerSummary").text()
    assert summary.startswith("The Panel scrutinised 24 cases: 3 were found to be appropriate")
    window.findChild(QPushButton, "copySummary").click()
    assert QGuiApplication.clipboard().text() == summary

    window.findChild(QPushButton, "previewReport").click()
    page = window.findChild(QLabel, "previewPage1")
    assert page is not None and page.pixmap().width() > 500
    dispose(window, qtbot)
