"""The report window: write the narrative sections, copy the Commissioner's paragraph,
preview, issue the meeting's draft recommendations, run the publication check and export the
public report (PDF or Word), which is refused while flagged passages are undecided.

Every section saves itself as it is typed (after a short pause, and when the box loses focus),
so nothing written is lost. The preview renders the first pages of the real PDF, internal or
public, off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.background import run_in_background
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.people import computer_user
from scrutiny_app.gui.publication_dialog import PublicationDialog
from scrutiny_app.services import cases, publication, recommendations
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.services.report import summary
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
        self.internal = QCheckBox("Internal only: not in the public report")
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
        # Never sideways: the pane is at least as wide as what it holds.
        writing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        writing.setMinimumWidth(
            column.minimumSizeHint().width() + writing.verticalScrollBar().sizeHint().width() + 4
        )

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
        self.issue = QPushButton("Issue draft recommendations…", objectName="issueDrafts")
        self.issue.clicked.connect(self.issue_drafts)
        check = QPushButton("&Publication check…", objectName="publicationCheck")
        check.clicked.connect(self.publication_check)
        export = QPushButton("&Export public report…", objectName="exportPublic")
        export.clicked.connect(self.export_public)
        self.mark_published_button = QPushButton("&Mark published…", objectName="markPublished")
        self.mark_published_button.setToolTip(
            "Record the day the report was published: the retention period of the meeting's "
            "case data runs from it"
        )
        self.mark_published_button.clicked.connect(self.mark_published)
        publish = QHBoxLayout()
        publish.addWidget(check)
        publish.addWidget(export)
        publish.addWidget(self.mark_published_button)
        publish.addStretch(1)
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
        right_layout.addWidget(self.issue, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addLayout(publish)
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
        self._count_drafts()
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

            from scrutiny_app.services.report.pdf import report_pdf_bytes

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

    # ----------------------------------------------------------------- publishing

    def _drafts(self) -> list[recommendations.RecommendationRow]:
        return [
            r
            for r in recommendations.list_recommendations(self.db, meeting_id=self.meeting_id)
            if r.status == "draft"
        ]

    def _count_drafts(self) -> None:
        n = len(self._drafts())
        self.issue.setEnabled(n > 0)
        self.issue.setText(
            f"Issue {n} draft recommendation{'s' if n != 1 else ''}…"
            if n
            else "No draft recommendations to issue"
        )

    def issue_drafts(self) -> None:
        drafts = self._drafts()
        if not drafts:
            return
        listed = "\n".join(f"{r.reference}: {r.addressed_to or 'the force'}" for r in drafts)
        answer = QMessageBox.question(
            self,
            "Issue recommendations",
            f"Issue these to the force today? Each is then awaiting the force's response.\n\n"
            f"{listed}",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            issued = recommendations.issue_recommendations(
                self.db, meeting_id=self.meeting_id, actor=self.actor
            )
        except Exception as exc:
            show_error(self, "Issue recommendations", exc)
            return
        self._count_drafts()
        self.status.setText(f"Issued {', '.join(r.reference for r in issued)}.")

    def publication_check(self, reason: str = "") -> bool:
        """Open the check; True when nothing is left undecided."""
        self.save_all()
        dialog = PublicationDialog(
            self.db, self.meeting_id, actor=self.actor, reason=reason, parent=self
        )
        dialog.exec()
        left = dialog.undecided
        dialog.deleteLater()
        return left == 0

    def mark_published(self, *, on: dt.date | None = None) -> dt.date | None:
        """Ask the publication day (today by default), then record it (audited)."""
        from scrutiny_app.services import retention

        if on is None:
            today = QDate.currentDate()
            text, ok = QInputDialog.getText(
                self,
                "Mark published",
                "The day the public report was published (YYYY-MM-DD):",
                text=today.toString("yyyy-MM-dd"),
            )
            if not ok:
                return None
            try:
                on = dt.date.fromisoformat(text.strip())
            except ValueError:
                show_error(self, "Mark published", UserError(f"Not a date: {text!r} (YYYY-MM-DD)."))
                return None
        done = retention.mark_published(
            self.db, self.meeting_id, on, actor=self.actor or computer_user()
        )
        self.status.setText(
            f"Marked published on {done:%d %b %Y}: its case data is kept for the panel's "
            "retention period from that day."
        )
        return done

    def export_public(self) -> None:
        """Export the public report (PDF, or Word for a .docx name): unjudged cases need a
        yes, and every flagged passage a decision, first."""
        self.save_all()
        data = cases.meeting_cases(self.db, self.meeting_id)
        unjudged = len(data.rows) - data.decided_count
        allow = False
        if unjudged:
            answer = QMessageBox.question(
                self,
                "Export public report",
                f"{unjudged} case{'s' if unjudged != 1 else ''} on the agenda "
                f"{'has' if unjudged == 1 else 'have'} no panel judgement yet. Export the "
                "public report anyway? It will say that it was published before every case "
                "was judged.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            allow = True
        todo = len(publication.check_publication(self.db, self.meeting_id).undecided)
        if todo and not self.publication_check(
            f"{todo} passage{'s' if todo != 1 else ''} of the public report may be personal "
            "data. Decide each one; the export goes on when none is left undecided."
        ):
            self.status.setText("Public report not exported: passages are still undecided.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export public report",
            "panel-report-public.pdf",
            "PDF (*.pdf);;Word (*.docx)",
        )
        if not path:
            return
        out = Path(path)
        if out.suffix.lower() not in (".pdf", ".docx"):
            out = out.with_suffix(".pdf")
        db, meeting = self.db, self.meeting_id
        who = self.actor or computer_user()

        def work(progress: Any, cancel: Any) -> Path:
            if out.suffix.lower() == ".docx":
                from scrutiny_app.services.report.word import build_report_docx

                return build_report_docx(
                    db, meeting, out, public=True, allow_unjudged=allow,
                    progress=progress, cancel=cancel, actor=who,
                )  # fmt: skip
            from scrutiny_app.services.report.pdf import build_report

            return build_report(
                db, meeting, out, public=True, allow_unjudged=allow,
                progress=progress, cancel=cancel, actor=who,
            )  # fmt: skip

        run_in_background(
            work,
            lambda result: self.status.setText(f"Public report saved: {result}"),
            lambda exc: show_error(self, "Export public report", exc),
            parent=self, title="Export public report", label=f"Writing {out.name}…",
        )  # fmt: skip

    def closeEvent(self, event: Any) -> None:
        self.save_all()
        super().closeEvent(event)
