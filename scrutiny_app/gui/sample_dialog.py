"""The sample dialog: method, size, strata, filters, seed; a preview of the draw; accept.

The preview runs the real draw without writing (``sampling.preview_sample``); Draw writes the
same cases with the same seed.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.messages import show_error
from scrutiny_app.services import sampling
from scrutiny_app.storage.database import Database

STRATA = (
    ("", "No strata (simple random sample)"),
    ("gender", "Gender"),
    ("age_band", "Age band"),
    ("ethnicity_group", "Ethnicity (5 broad groups)"),
    ("area", "Area"),
)


class SampleDialog(QDialog):
    """``result`` holds the SampleResult once drawn."""

    def __init__(
        self,
        db: Database,
        meeting_id: int,
        *,
        population: int,
        extra_strata: list[tuple[str, str]] = (),
        has_sample: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.meeting_id = meeting_id
        self.result: sampling.SampleResult | None = None
        self.setWindowTitle("Draw the sample")

        self.size = QSpinBox(objectName="sampleSize")
        self.size.setRange(1, max(population, 1))
        self.size.setValue(min(24, max(population, 1)))
        self.seed = QLineEdit(objectName="sampleSeed")
        self.seed.setPlaceholderText("drawn for you and recorded")
        self.stratify = QComboBox(objectName="stratifyBy")
        for key, label in (*STRATA, *extra_strata):
            self.stratify.addItem(label, key)
        self.allocation = QComboBox(objectName="allocation")
        self.allocation.addItem("Proportional to each group's size", "proportional")
        self.allocation.addItem("Equal from each group", "equal")
        self.use_dates = QCheckBox("Only cases dated", objectName="useDates")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-3), objectName="dateFrom")
        self.date_to = QDateEdit(QDate.currentDate(), objectName="dateTo")
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d MMM yyyy")
        self.exclude = QSpinBox(objectName="excludeRecent")
        self.exclude.setRange(0, 24)
        self.exclude.setSuffix(" earlier meetings")
        self.purposive = QLineEdit(objectName="purposive")
        self.purposive.setPlaceholderText("references, separated by commas")
        self.carry = QCheckBox(
            "Add the previous meeting's no-consensus cases", objectName="carryOver"
        )
        self.carry.setChecked(True)
        self.replace = QCheckBox("Replace the meeting's sample", objectName="replaceSample")
        self.replace.setVisible(has_sample)

        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.date_to)
        form = QFormLayout()
        form.addRow("Population", QLabel(f"<b>{population:,}</b> imported cases"))
        form.addRow("Cases to draw", self.size)
        form.addRow("Stratify by", self.stratify)
        form.addRow("Allocation", self.allocation)
        form.addRow("Filter", dates)
        form.addRow("Leave out cases seen at the last", self.exclude)
        form.addRow("Add by hand", self.purposive)
        form.addRow("", self.carry)
        form.addRow("Seed", self.seed)
        form.addRow("", self.replace)

        self.preview_button = QPushButton("Preview", objectName="previewButton")
        self.preview_button.clicked.connect(self.preview)
        self.statement = QPlainTextEdit(objectName="methodStatement")
        self.statement.setReadOnly(True)
        self.statement.setMaximumHeight(110)
        self.spread = QTableWidget(0, 3, objectName="strataTable")
        self.spread.setHorizontalHeaderLabels(["Group", "In population", "Drawn"])
        self.spread.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.spread.verticalHeader().hide()
        self.drawn = QPlainTextEdit(objectName="drawnCases")
        self.drawn.setReadOnly(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Draw sample")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        right = QVBoxLayout()
        right.addWidget(self.preview_button)
        right.addWidget(QLabel("How the cases are chosen (goes into the report):"))
        right.addWidget(self.statement)
        right.addWidget(self.spread, 1)
        right.addWidget(QLabel("Cases drawn:"))
        right.addWidget(self.drawn, 1)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.stratify.currentIndexChanged.connect(self._strata_changed)
        self._strata_changed()
        self.resize(980, 560)

    def _strata_changed(self) -> None:
        self.allocation.setEnabled(bool(self.stratify.currentData()))

    def spec(self) -> sampling.SampleSpec:
        seed_text = self.seed.text().strip()
        if seed_text and not seed_text.isdigit():
            raise UserError("The seed is a whole number (or leave it blank).")
        return sampling.SampleSpec(
            size=self.size.value(),
            seed=int(seed_text) if seed_text else None,
            stratify_by=self.stratify.currentData() or None,
            allocation=self.allocation.currentData(),
            date_from=self._date(self.date_from) if self.use_dates.isChecked() else None,
            date_to=self._date(self.date_to) if self.use_dates.isChecked() else None,
            exclude_recent_meetings=self.exclude.value(),
            purposive=tuple(r.strip() for r in self.purposive.text().split(",") if r.strip()),
            carry_over=self.carry.isChecked(),
        )

    @staticmethod
    def _date(edit: QDateEdit) -> dt.date:
        q = edit.date()
        return dt.date(q.year(), q.month(), q.day())

    def preview(self) -> None:
        try:
            spec = self.spec()
            if spec.seed is None:  # fix the seed now, so Draw gives what the preview showed
                spec = sampling.SampleSpec(**{**spec.__dict__, "seed": sampling.new_seed()})
                self.seed.setText(str(spec.seed))
            result = sampling.preview_sample(self.db, self.meeting_id, spec)
        except UserError as exc:
            show_error(self, "Sample", exc)
            return
        self._show(result)

    def _show(self, result: sampling.SampleResult) -> None:
        self.statement.setPlainText(result.method_statement)
        self.spread.setRowCount(len(result.strata))
        for row, (name, (size, got)) in enumerate(result.strata.items()):
            for col, value in enumerate((name, f"{size:,}", str(got))):
                self.spread.setItem(row, col, QTableWidgetItem(value))
        self.spread.setVisible(bool(result.strata))
        self.drawn.setPlainText(
            "\n".join(
                d.reference + ("" if d.selection == "random" else f"  ({d.selection})")
                for d in result.drawn
            )
        )

    def accept(self) -> None:
        try:
            self.result = sampling.draw_sample(
                self.db, self.meeting_id, spec=self.spec(), replace=self.replace.isChecked()
            )
        except UserError as exc:
            show_error(self, "Sample", exc)
            return
        super().accept()
