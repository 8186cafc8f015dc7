"""The audit trail window: who did what, when, to which case or recommendation, in plain words;
filtered by meeting and day; checked (the hash chain) and exported to CSV. Reads through
``services.audit_trail``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.dialogs import from_qdate
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.people import computer_user
from scrutiny_app.services import audit, audit_trail
from scrutiny_app.services.audit_trail import AuditRow
from scrutiny_app.storage.database import Database

COLUMNS = ("When (UK time)", "Who", "What", "About", "Details")
Index = QModelIndex | QPersistentModelIndex


class AuditModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditRow] = []

    def set_rows(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        r = self.rows[index.row()]
        values = (f"{r.at:%d %b %Y %H:%M:%S}", r.actor, r.what, r.about, r.details)
        return values[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


class AuditWindow(QDialog):
    def __init__(
        self, db: Database, meetings: list[tuple[int, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.setObjectName("auditWindow")
        self.setWindowTitle("Audit trail")
        self.resize(1100, 640)
        layout = QVBoxLayout(self)
        marking = QLabel("OFFICIAL-SENSITIVE", objectName="markingLabel")
        layout.addWidget(marking)
        bar = QHBoxLayout()
        label = QLabel("&Meeting")
        self.meeting = QComboBox(objectName="auditMeeting")
        self.meeting.addItem("Every meeting and the database", None)
        for meeting_id, title in meetings:
            self.meeting.addItem(title, meeting_id)
        label.setBuddy(self.meeting)
        bar.addWidget(label)
        bar.addWidget(self.meeting, 1)
        self.use_since = QCheckBox("&From", objectName="auditUseSince")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1), objectName="auditSince")
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("dd MMM yyyy")
        self.since.setEnabled(False)
        self.use_since.toggled.connect(self.since.setEnabled)
        bar.addWidget(self.use_since)
        bar.addWidget(self.since)
        layout.addLayout(bar)
        self.model = AuditModel(self)
        self.table = QTableView(objectName="auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((165, 130, 280, 200)):
            self.table.setColumnWidth(column, width)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        self.status = QLabel(objectName="auditStatus", wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.verify_button = QPushButton("&Check the trail", objectName="auditVerify")
        self.verify_button.setToolTip("Check the hash chain: a changed or removed event is named")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("&Export CSV…", objectName="auditExport")
        self.export_button.clicked.connect(self.export_csv)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.meeting.currentIndexChanged.connect(self.reload)
        self.use_since.toggled.connect(self.reload)
        self.since.dateChanged.connect(self.reload)
        self.reload()
        self.table.setFocus()

    def _since(self) -> dt.date | None:
        if not self.use_since.isChecked():
            return None
        return from_qdate(self.since.date())

    def reload(self, *_args: object) -> None:
        rows = audit_trail.audit_rows(
            self.db, meeting_id=self.meeting.currentData(), since=self._since()
        )
        self.model.set_rows(rows)
        self.status.setText(f"{len(rows):,} events, oldest first.")
        if rows:
            self.table.scrollToBottom()

    def verify(self) -> audit_trail.Verification:
        result = audit_trail.verify(self.db)
        if result.ok:
            self.status.setText(
                f"The trail is whole: {result.events:,} events, each chained to the one before. "
                f"Its head is {result.head}."
            )
        else:
            self.status.setText(
                "<b>The trail was tampered with:</b> " + "; ".join(result.problems[:5])
            )
        return result

    def export_csv(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the audit trail", "audit-trail.csv", "CSV (*.csv)"
        )
        if not path:
            return None
        out = Path(path)
        try:
            audit_trail.write_csv(self.model.rows, out)
            sha = audit.record_export(
                self.db, computer_user(), "audit", out, rows=len(self.model.rows)
            )
        except UserError as exc:
            show_error(self, "Export the audit trail", exc)
            return None
        self.status.setText(f"Wrote {len(self.model.rows):,} events to {out} (SHA-256 {sha}).")
        return out
