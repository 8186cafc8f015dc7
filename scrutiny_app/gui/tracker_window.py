"""The recommendation tracker: filters, each recommendation's history, the allowed status
changes, export for the force and import of the force's returned spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.people import computer_user
from scrutiny_app.services import recommendations
from scrutiny_app.services.recommendations import RecommendationRow
from scrutiny_app.services.tracker import export as tracker
from scrutiny_app.services.tracker import returned as tracker_import
from scrutiny_app.storage.database import Database

AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = (
    ("Reference", lambda r: r.reference),
    ("Panel", lambda r: r.panel),
    ("Raised", lambda r: f"{r.date_raised:%d %b %Y}"),
    ("Addressed to", lambda r: r.addressed_to),
    ("Recommendation", lambda r: r.text),
    ("Due", lambda r: f"{r.response_due:%d %b %Y}" if r.response_due else ""),
    ("Status", lambda r: r.status_label),
    ("Overdue", lambda r: "Overdue" if r.overdue else ""),
)


TEXT_COLUMN = next(i for i, (title, _) in enumerate(COLUMNS) if title == "Recommendation")


class TrackerModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RecommendationRow] = []

    def set_rows(self, rows: list[RecommendationRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[index.column()][1](row)
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue:
            return QColor("#b00020")
        return None


class TrackerWindow(QDialog):
    def __init__(
        self,
        db: Database,
        panels: list[tuple[int, str]],
        *,
        actor: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.setWindowTitle("Recommendation tracker")
        self.panel = QComboBox(objectName="panelFilter")
        self.panel.addItem("All panels", None)
        for pid, name in panels:
            self.panel.addItem(name, pid)
        self.open_only = QCheckBox("Open only", objectName="openOnly")
        self.overdue_only = QCheckBox("Overdue only", objectName="overdueOnly")
        self.addressed = QComboBox(objectName="addressedFilter")
        self.search = QLineEdit(objectName="trackerSearch")
        self.search.setPlaceholderText("Find words")
        for signal in (
            self.panel.currentIndexChanged,
            self.open_only.toggled,
            self.overdue_only.toggled,
            self.addressed.currentIndexChanged,
            self.search.textChanged,
        ):
            signal.connect(lambda *_a: self.refresh())
        # Two rows, so that each filter keeps its words on a small screen.
        filters = QVBoxLayout()
        first, second = QHBoxLayout(), QHBoxLayout()
        addressed_label = QLabel("&Addressed to")
        addressed_label.setBuddy(self.addressed)
        first.addWidget(self.panel, 1)
        first.addWidget(addressed_label)
        first.addWidget(self.addressed, 1)
        second.addWidget(self.search, 1)
        second.addWidget(self.open_only)
        second.addWidget(self.overdue_only)
        filters.addLayout(first)
        filters.addLayout(second)

        self.model = TrackerModel()
        self.table = QTableView(objectName="trackerTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        # The recommendation takes the width and wraps; the short columns fit their text.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column, width in ((1, 120), (3, 140), (TEXT_COLUMN, 320)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.moveSection(header.visualIndex(TEXT_COLUMN), 1)  # read with its reference
        header.setStretchLastSection(False)
        self.table.viewport().installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_selected())

        self.history = QListWidget(objectName="history")
        self.status = QComboBox(objectName="nextStatus")
        self.note = QLineEdit(objectName="statusNote")
        self.note.setPlaceholderText("Note for the history (optional)")
        self.apply = QPushButton("Change status", objectName="changeStatus")
        self.apply.clicked.connect(self.change_status)
        self.issue = QPushButton("Issue to the force", objectName="issueRecommendation")
        self.issue.setToolTip("Send this draft: it is then awaiting the force's response")
        self.issue.clicked.connect(self.issue_selected)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("History"))
        side_layout.addWidget(self.history, 1)
        side_layout.addWidget(QLabel("Move to"))
        side_layout.addWidget(self.status)
        side_layout.addWidget(self.note)
        side_layout.addWidget(self.apply)
        side_layout.addWidget(self.issue)

        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([900, 300])
        export = QPushButton("Export for the force…", objectName="exportTracker")
        export.clicked.connect(self.export)
        read_back = QPushButton("Import the force's answers…", objectName="importTracker")
        read_back.clicked.connect(self.import_answers)
        self.count = QLabel(objectName="trackerCount")
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(read_back)
        bottom.addWidget(export)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self._fill_addressed()
        self.refresh()
        self.resize(1300, 700)

    # ----------------------------------------------------------------- data

    def _fill_addressed(self) -> None:
        current = self.addressed.currentData()
        self.addressed.blockSignals(True)
        self.addressed.clear()
        self.addressed.addItem("Anyone", "")
        for who in tracker.addressed_to_options(self.db):
            self.addressed.addItem(who, who)
        self.addressed.setCurrentIndex(max(self.addressed.findData(current), 0))
        self.addressed.blockSignals(False)

    def refresh(self) -> None:
        selected = self.selected()
        flt = tracker.TrackerFilter(
            panel_id=self.panel.currentData(),
            open_only=self.open_only.isChecked(),
            overdue_only=self.overdue_only.isChecked(),
            addressed_to=self.addressed.currentData() or "",
            text=self.search.text(),
        )
        self.model.set_rows(tracker.tracker_rows(self.db, flt))
        self.table.setColumnHidden(1, flt.panel_id is not None)  # one panel: no panel column
        self._fit_text_column()
        overdue = sum(1 for r in self.model.rows if r.overdue)
        self.count.setText(f"{len(self.model.rows)} recommendations, {overdue} overdue")
        ids = [r.id for r in self.model.rows]
        if selected is not None and selected.id in ids:
            self.table.selectRow(ids.index(selected.id))
        self.show_selected()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_text_column()
        return super().eventFilter(watched, event)

    def _fit_text_column(self) -> None:
        """The recommendation takes the width the other columns leave (at least 260px)."""
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(c)
            for c in range(self.model.columnCount())
            if c != TEXT_COLUMN and not self.table.isColumnHidden(c)
        )
        header.resizeSection(TEXT_COLUMN, max(260, self.table.viewport().width() - others))
        self.table.resizeRowsToContents()

    def selected(self) -> RecommendationRow | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def show_selected(self) -> None:
        row = self.selected()
        self.history.clear()
        self.status.clear()
        self.issue.setEnabled(row is not None and row.status == "draft")
        if row is None:
            self.apply.setEnabled(False)
            return
        for line in (tracker.update_line(u) for u in row.updates):
            self.history.addItem(line)
        for status in row.allowed_statuses:
            self.status.addItem(status.label, status.value)
        self.apply.setEnabled(self.status.count() > 0)

    # ----------------------------------------------------------------- actions

    def change_status(self) -> None:
        row = self.selected()
        if row is None or self.status.currentData() is None:
            return
        try:
            recommendations.update_recommendation(
                self.db, row.id, {"status": self.status.currentData()},
                note=self.note.text().strip(), actor=self.actor,
            )  # fmt: skip
        except UserError as exc:
            show_error(self, "Change status", exc)
            return
        self.note.clear()
        self.refresh()

    def issue_selected(self) -> None:
        row = self.selected()
        if row is None or row.status != "draft":
            return
        try:
            recommendations.issue_recommendations(
                self.db, references=[row.reference], actor=self.actor
            )
        except UserError as exc:
            show_error(self, "Issue recommendation", exc)
            return
        self.refresh()

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the tracker", "recommendation-tracker.xlsx",
            "Excel (*.xlsx);;CSV (*.csv)",
        )  # fmt: skip
        if not path:
            return
        try:
            tracker.export_tracker(
                self.db, path, panel_id=self.panel.currentData(), actor=computer_user()
            )
        except UserError as exc:
            show_error(self, "Export the tracker", exc)

    def import_answers(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The force's returned tracker", "", "Excel (*.xlsx)"
        )
        if not path:
            return
        try:
            preview = tracker_import.preview_tracker_import(
                self.db, Path(path), actor=computer_user()
            )
        except UserError as exc:
            show_error(self, "Import the force's answers", exc)
            return
        dialog = ImportPreviewDialog(preview, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                # The dialog's button said the rejected cells are left out: the user chose it.
                tracker_import.apply_tracker_import(
                    self.db, preview, actor=self.actor, skip_rejected=True
                )
            except UserError as exc:
                show_error(self, "Import the force's answers", exc)
                return
            self._fill_addressed()
            self.refresh()


class ImportPreviewDialog(QDialog):
    """What the force's file would change, and what was rejected, before anything is applied."""

    def __init__(self, preview: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The force's answers: what will change")
        text = QPlainTextEdit("\n".join(preview.report_lines()), objectName="previewText")
        text.setReadOnly(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel
        )
        apply = buttons.button(QDialogButtonBox.StandardButton.Apply)
        n = len(preview.changes)
        apply.setText(
            f"Apply the {n} valid change(s), leave out the {len(preview.rejected)} rejected"
            if preview.has_rejections
            else f"Apply {n} change(s)"
        )
        apply.setEnabled(bool(preview.changes))
        apply.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text, 1)
        layout.addWidget(buttons)
        self.resize(900, 520)
