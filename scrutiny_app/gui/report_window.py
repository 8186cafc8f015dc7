"""The report window: write the narrative sections, copy the Commissioner's paragraph, preview.

Every section saves itself as it is typed (after a short pause, and when the box loses focus),
so nothing written is lost. The preview renders the first pages of the real PDF, internal or
public, off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.gui.background import run_in_background
from scrutiny_app.gui.messages import show_error
from scrutiny_app.services import report_sections, summary
from scrutiny_app.storage.database import Database

SAVE_AFTER_MS = 800
PREVIEW_PAGES = 4


class _SectionEditor(QGroupBox):
    """One narrative section: its text and the internal-only flag, saved as they change."""

    def __init__(self, owner: ReportWindow, section: report_sections.SectionText) -> None:
        super().__init__(section.title)
        self.owner = owner
        self.key = section.key
        self.text = QPlainTextEdit(section.text, objectName=f"section:{section.key}")
        self.text.setPlaceholderText(section.hint)
        self.text.setMinimumHeight(90)
        self.internal = QCheckBox("Internal only (left out of the public report)")
        self.internal.setObjectName(f"internal:{section.key}")
        self.internal.setChecked(section.internal)
        self._timer = QTimer(self, singleShot=True, interval=SAVE_AFTER_MS)
        self._timer.timeout.connect(self.save)
        self.text.textChanged.connect(self._timer.start)
        self.internal.toggled.connect(lambda _on: self.save())
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.internal)

    def save(self) -> None:
        self._timer.stop()
        try:
            report_sections.set_section(
                self.owner.db,
                self.owner.meeting_id,
                self.key,
                self.text.toPlainText(),
                internal=self.internal.isChecked(),
                actor=self.owner.actor,
            )
        except Exception as exc:  # shown, never lost: the text stays in the box
            show_error(self, "Saving the report text", exc)
            return
        self.owner.saved()


class ReportWindow(QDialog):
    def __init__(
        self,
        db: Database,
        meeting_id: int,
        title: str,
        *,
        actor: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.meeting_id = meeting_id
        self.actor = actor
        self.setWindowTitle(f"Report: {title}")

        # left: the writing
        self.editors = [
            _SectionEditor(self, s) for s in report_sections.list_sections(db, meeting_id)
        ]
        self.next_theme = QLineEdit(report_sections.get_next_theme(db, meeting_id))
        self.next_theme.setObjectName("nextTheme")
        self.next_theme.editingFinished.connect(self._save_next_theme)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        for editor in self.editors:
            column_layout.addWidget(editor)
        theme_box = QGroupBox("Next theme")
        QVBoxLayout(theme_box).addWidget(self.next_theme)
        column_layout.addWidget(theme_box)
        column_layout.addStretch(1)
        writing = QScrollArea()
        writing.setWidgetResizable(True)
        writing.setWidget(column)

        # right: the Commissioner's paragraph and the preview
        self.summary = QLabel(objectName="commissionerSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy = QPushButton("Copy", objectName="copySummary")
        copy.clicked.connect(self.copy_summary)
        summary_box = QGroupBox("For the Commissioner's update to the Police and Crime Panel")
        row = QHBoxLayout(summary_box)
        row.addWidget(self.summary, 1)
        row.addWidget(copy, 0, Qt.AlignmentFlag.AlignTop)
        self.public = QCheckBox(
            "Public version (OFFICIAL: no case references)", objectName="publicPreview"
        )
        preview = QPushButton("Preview the report", objectName="previewReport")
        preview.clicked.connect(self.preview)
        controls = QHBoxLayout()
        controls.addWidget(preview)
        controls.addWidget(self.public)
        controls.addStretch(1)
        self.pages = QWidget()
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.addStretch(1)
        pages_scroll = QScrollArea()
        pages_scroll.setWidgetResizable(True)
        pages_scroll.setWidget(self.pages)
        self.status = QLabel(objectName="saveStatus")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(summary_box)
        right_layout.addLayout(controls)
        right_layout.addWidget(pages_scroll, 1)
        right_layout.addWidget(self.status)

        split = QSplitter()
        split.addWidget(writing)
        split.addWidget(right)
        split.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.refresh_summary()
        self.resize(1240, 760)

    # ----------------------------------------------------------------- actions

    def refresh_summary(self) -> None:
        self.summary.setText(summary.meeting_summary(self.db, self.meeting_id))

    def copy_summary(self) -> None:
        QGuiApplication.clipboard().setText(self.summary.text())
        self.status.setText("Paragraph copied.")

    def _save_next_theme(self) -> None:
        report_sections.set_next_theme(
            self.db, self.meeting_id, self.next_theme.text(), actor=self.actor
        )
        self.saved()

    def saved(self) -> None:
        self.status.setText("All changes saved.")

    def save_all(self) -> None:
        for editor in self.editors:
            editor.save()
        self._save_next_theme()

    def preview(self) -> None:
        self.save_all()
        db, meeting, public = self.db, self.meeting_id, self.public.isChecked()

        def work(progress: Any, cancel: Any) -> list[QImage]:
            import pypdfium2 as pdfium

            from scrutiny_app.services.report import report_pdf_bytes

            data = report_pdf_bytes(db, meeting, public=public, cancel=cancel)
            document = pdfium.PdfDocument(data)
            images = []
            for index in range(min(PREVIEW_PAGES, len(document))):
                pil = document[index].render(scale=1.1).to_pil().convert("RGB")
                raw = pil.tobytes()
                image = QImage(
                    raw, pil.width, pil.height, 3 * pil.width, QImage.Format.Format_RGB888
                )
                images.append(image.copy())  # own the pixels: ``raw`` goes away
            return images

        run_in_background(
            work, self._show_pages, lambda exc: show_error(self, "Preview", exc),
            parent=self, title="Preview", label="Laying out the report…",
        )  # fmt: skip

    def _show_pages(self, images: list[QImage]) -> None:
        while self.pages_layout.count() > 1:
            item = self.pages_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for i, image in enumerate(images):
            label = QLabel(objectName=f"previewPage{i + 1}")
            label.setPixmap(QPixmap.fromImage(image))
            label.setMinimumSize(image.size())  # a page is shown whole, never squashed
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.pages_layout.insertWidget(i, label)
        self.status.setText(f"Showing the first {len(images)} pages.")

    def closeEvent(self, event: Any) -> None:
        self.save_all()
        super().closeEvent(event)
