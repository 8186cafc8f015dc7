"""File ▸ Retention…: the meetings whose case data is past the panel's retention period, what
removing it takes away (and keeps), and the button that does it, off the GUI thread.
The rules are ``services.retention``'s."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from scrutiny_app.gui.dialogs import from_qdate, to_qdate
from scrutiny_app.gui.people import computer_user
from scrutiny_app.services import retention

if TYPE_CHECKING:
    from scrutiny_app.gui.main_window import MainWindow

COLUMNS = ("Meeting", "Published", "Due", "Case records", "Agenda cases", "Views", "Notes")
KEPT = (
    "Removing takes each case's record and values, the panel's decisions, the members' views "
    "and notes, declarations, tags and packs. It keeps the meeting, its attendance, sample and "
    "method statement, its recommendations, its figures, and the published report (without "
    "the case-by-case text). The audit trail records it."
)


class RetentionDialog(QDialog):
    def __init__(self, window: MainWindow, *, today: dt.date | None = None) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("retentionDialog")
        self.setWindowTitle("Retention of case data")
        self.resize(940, 420)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        label = QLabel("&Due on")
        today = today or dt.date.today()
        self.as_of = QDateEdit(to_qdate(today), objectName="asOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("dd MMM yyyy")
        label.setBuddy(self.as_of)
        row.addWidget(label)
        row.addWidget(self.as_of)
        row.addStretch(1)
        layout.addLayout(row)
        period = QHBoxLayout()  # each panel's period: a setting of the panel
        label = QLabel("&Panel")
        self.panel = QComboBox(objectName="retentionPanel")
        label.setBuddy(self.panel)
        self.months = QSpinBox(objectName="retentionMonths", minimum=1, maximum=240)
        self.months.setSuffix(" months after publication")
        self.save_period = QPushButton("&Save the period", objectName="savePeriod")
        self.save_period.clicked.connect(self.save_months)
        for pid, name, months in retention.panel_periods(window.db):
            self.panel.addItem(name, (pid, months))
        self.panel.currentIndexChanged.connect(self._panel_changed)
        self._panel_changed()
        period.addWidget(label)
        period.addWidget(self.panel, 1)
        period.addWidget(QLabel("keeps case data"))
        period.addWidget(self.months)
        period.addWidget(self.save_period)
        layout.addLayout(period)
        self.table = QTableWidget(0, len(COLUMNS), objectName="dueTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.explain = QLabel(KEPT, wordWrap=True)
        layout.addWidget(self.explain)
        self.backups = QCheckBox(
            "Also delete the app's &backups beside the file (they hold the removed data)"
        )
        layout.addWidget(self.backups)
        self.status = QLabel(objectName="retentionStatus", wordWrap=True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.apply_button = QPushButton("&Remove the case data…", objectName="applyRetention")
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.as_of.dateChanged.connect(self.reload)
        self.due: list[retention.DueMeeting] = []
        self.reload()

    def _panel_changed(self, *_args: object) -> None:
        data = self.panel.currentData()
        self.months.setValue(data[1] if data else 12)
        self.save_period.setEnabled(data is not None)

    def save_months(self) -> None:
        data = self.panel.currentData()
        if data is None:
            return
        months = self.months.value()
        retention.set_retention_months(self.window_.db, data[0], months, actor=computer_user())
        self.panel.setItemData(self.panel.currentIndex(), (data[0], months))
        self.reload()
        self.status.setText(f"{self.panel.currentText()} keeps case data {months} months.")

    def day(self) -> dt.date:
        return from_qdate(self.as_of.date())

    def reload(self, *_args: object) -> None:
        self.due = retention.due_meetings(self.window_.db, self.day())
        self.table.setRowCount(len(self.due))
        for r, d in enumerate(self.due):
            values = (
                f"{d.panel}, {d.date:%d %b %Y}" + (f" ({d.theme})" if d.theme else ""),
                f"{d.published_on:%d %b %Y}", f"{d.due_on:%d %b %Y}", f"{d.case_records:,}",
                str(d.agenda_cases), str(d.views), str(d.notes),
            )  # fmt: skip
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.apply_button.setEnabled(bool(self.due))
        self.status.setText(
            f"{len(self.due)} meeting(s) past the retention period."
            if self.due
            else "No meeting's case data is past its retention period on that day."
        )

    def apply(self) -> None:
        if not self.due:
            return
        answer = QMessageBox.question(
            self,
            "Remove the case data",
            f"Remove the case data of {len(self.due)} meeting(s)? This cannot be undone.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        from scrutiny_app.gui.commands import start_job

        db, day, ids = self.window_.db, self.day(), [d.meeting_id for d in self.due]
        remove_backups, who = self.backups.isChecked(), computer_user()

        def work(progress: Any, cancel: Any) -> retention.RetentionResult:
            return retention.apply_retention(
                db, day, actor=who, meeting_ids=ids, remove_backups=remove_backups
            )

        def done(result: retention.RetentionResult) -> None:
            size = (
                f" The file went from {result.bytes_before:,} to {result.bytes_after:,} bytes."
                if result.bytes_before is not None and result.bytes_after is not None
                else ""
            )
            left = (
                f" {len(result.backups)} older backup(s) still hold it."
                if result.backups and not remove_backups
                else ""
            )
            self.reload()
            self.status.setText(
                f"Removed the case data of {len(result.meetings)} meeting(s).{size}{left}"
            )
            from scrutiny_app.gui.operations import Changes

            for meeting_id in ids:  # an open meeting redraws without its cases
                self.window_.ops.announce(Changes(panels=True, meeting=meeting_id))

        start_job(
            self.window_, work, done, title="Retention", label="Removing case data…",
            error_title="Retention", cancellable=False,
        )  # fmt: skip
