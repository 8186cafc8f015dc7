"""The import wizard: choose a file -> see what it is and how it maps -> check -> import.

Nothing is written before the last step; the check is a dry run of the real import, and the
import itself runs in the background behind a progress dialog whose Cancel leaves the database
unchanged. The check also lists each column's values and how the value maps read them
(:mod:`scrutiny_app.importing.values`); what the user changes there is passed to the import
and saved with the mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.background import run_in_background
from scrutiny_app.gui.messages import show_error
from scrutiny_app.importing.mapping import IGNORE, kept_personal
from scrutiny_app.services import importer
from scrutiny_app.storage.database import Database

FILE_FILTER = "Case extracts (*.csv *.xlsx *.txt *.tsv);;CSV (*.csv);;Excel (*.xlsx);;All files (*)"
MAX_LISTED = 500
MAX_VALUES_SHOWN = 60  # a column with more distinct values is free text: listed only if tidied


class ImportWizard(QWizard):
    """``result`` holds the ImportResult once the import has run."""

    def __init__(
        self, db: Database, meeting_id: int, parent: QWidget | None = None, path: str = ""
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.meeting_id = meeting_id
        self.plan: importer.ImportPlan | None = None
        self.check: importer.ImportResult | None = None
        self.result: importer.ImportResult | None = None
        # The user's own value maps (file column -> {value in the file: value to store}).
        self.value_maps: dict[str, dict[str, str]] = {}
        self.setWindowTitle("Import cases")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.file_page = FilePage(path)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Import")
        self.resize(900, 620)

    @property
    def path(self) -> str:
        return self.file_page.path_edit.text().strip()

    def mapping(self) -> dict[str, str]:
        return self.mapping_page.mapping()

    def accept(self) -> None:  # Finish: run the real import
        if self.result is not None:
            super().accept()
            return
        skip = self.check_page.skip_radio.isChecked()
        save_as = self.mapping_page.save_name() if self.plan else None
        mapping = (
            self.mapping() if self.plan and not self.plan.file_format.startswith("data.") else None
        )
        path, meeting, db = self.path, self.meeting_id, self.db
        value_maps = {c: dict(m) for c, m in self.value_maps.items() if m} or None

        def work(progress: Any, cancel: Any) -> importer.ImportResult:
            return importer.import_file(
                db, meeting, path, mapping=mapping, value_maps=value_maps, save_mapping_as=save_as,
                skip_invalid=skip, progress=progress, cancel=cancel,
            )  # fmt: skip

        def done(result: importer.ImportResult) -> None:
            self.result = result
            QWizard.accept(self)

        run_in_background(
            work,
            done,
            lambda exc: show_error(self, "Import failed", exc),
            parent=self,
            title="Import cases",
            label=f"Importing {Path(path).name}…",
            on_cancelled=lambda: self.check_page.note.setText(
                "Import cancelled: nothing was imported."
            ),
        )


class FilePage(QWizardPage):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.setTitle("Choose the force's extract")
        self.setSubTitle(
            "A CSV or Excel file. data.police.uk stop-and-search files are recognised as they "
            "are; other extracts are mapped to the panel's case fields on the next page."
        )
        self.path_edit = QLineEdit(path)
        self.path_edit.setObjectName("pathEdit")
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("Browse…")
        browse.setObjectName("browseButton")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addStretch(1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import cases", self.path_edit.text(), FILE_FILTER
        )
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return Path(self.path_edit.text().strip()).is_file()


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("What the file holds and where it goes")
        self.setSubTitle(
            "Personal columns are dropped and force references pseudonymised before anything "
            "is written (unless the panel has full access)."
        )
        self.summary = QLabel()
        self.summary.setObjectName("formatSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels(
            ["Column in the file", "First values", "Goes to", "Treatment"]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.problems = QLabel()
        self.problems.setObjectName("mappingProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        self.save_check = QCheckBox("Save this mapping for next month's extract, as")
        self.save_check.setObjectName("saveMappingCheck")
        self.save_edit = QLineEdit()
        self.save_edit.setObjectName("saveMappingName")
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_check)
        save_row.addWidget(self.save_edit, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems)
        layout.addLayout(save_row)
        self._combos: list[tuple[str, QComboBox]] = []
        self._targets: list[tuple[str, str]] = []

    def initializePage(self) -> None:
        try:
            plan = importer.plan_import(self.w.db, self.w.meeting_id, self.w.path)
            self._targets = importer.mapping_targets(self.w.db, self.w.meeting_id)
        except UserError as exc:
            self.w.plan = None
            self.summary.setText(f"<b>This file cannot be read.</b> {exc}")
            self.table.setRowCount(0)
            self.problems.setText("")
            return
        self.w.plan = plan
        where = (
            f"sheet row {plan.header_line}" if plan.kind == "xlsx" else f"line {plan.header_line}"
        )
        text = (
            f"<b>{plan.file_name}</b>: {plan.file_format}; {plan.kind.upper()}"
            + (f", {plan.encoding}, delimiter {plan.delimiter!r}" if plan.kind == "csv" else "")
            + f"; header on {where}. Mapping: {plan.mapping_source}."
        )
        if plan.duplicate_of is not None:
            text += f"<br><b>This file was imported before</b> (batch {plan.duplicate_of}): importing it again makes its cases this meeting's population too, without storing them twice."
        self.summary.setText(text)
        fixed = plan.file_format.startswith("data.")
        self.table.setRowCount(len(plan.columns))
        self._combos = []
        for row, col in enumerate(plan.columns):
            values = (
                [v for v in plan.preview[col.column].tolist() if v][:3]
                if col.column in plan.preview
                else []
            )
            self.table.setItem(row, 0, QTableWidgetItem(col.column))
            self.table.setItem(row, 1, QTableWidgetItem(" · ".join(values)))
            combo = QComboBox()
            combo.setObjectName(f"target:{col.column}")
            combo.addItem("Keep as an extra field", f"extra:{col.column}")
            combo.addItem("Ignore", IGNORE)
            for target, label in self._targets:
                combo.addItem(label, target)
            combo.setCurrentIndex(max(combo.findData(col.target), 0))
            combo.setEnabled(not fixed)
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(row, 2, combo)
            self._combos.append((col.column, combo))
        self._show_treatments(plan)
        self.save_check.setVisible(not fixed)
        self.save_edit.setVisible(not fixed)
        self._changed()

    def mapping(self) -> dict[str, str]:
        return {column: combo.currentData() for column, combo in self._combos}

    def save_name(self) -> str | None:
        name = self.save_edit.text().strip()
        return name if self.save_check.isChecked() and name else None

    def _changed(self) -> None:
        plan = self.w.plan
        if plan is None:
            return
        if not plan.file_format.startswith("data."):
            try:
                plan = importer.plan_import(
                    self.w.db, self.w.meeting_id, self.w.path, mapping=self.mapping()
                )
            except UserError as exc:
                self.problems.setText(str(exc))
                return
            self.w.plan = plan
            self._show_treatments(plan)
        self.problems.setText("<br>".join(plan.mapping_problems))
        self.completeChanged.emit()

    def _show_treatments(self, plan: importer.ImportPlan) -> None:
        """Each column's treatment; one kept in clear that looks personal says so (not in a
        data.police.uk file: that is published open data)."""
        personal_fields = [
            t[6:]
            for t, label in self._targets
            if t.startswith("field:") and label.endswith(" (personal)")
        ]
        columns = [c.column for c in plan.columns]
        kept = (
            {}
            if plan.file_format.startswith("data.")
            else kept_personal(plan.mapping, columns, plan.preview, personal_fields=personal_fields)
        )
        for row, col in enumerate(plan.columns):
            item = QTableWidgetItem(col.treatment)
            if col.column in kept:
                item.setText(f"kept: looks personal ({kept[col.column]})")
                item.setForeground(Qt.GlobalColor.darkRed)
                item.setToolTip(
                    "This column looks like personal data and is stored as it is, because you "
                    "chose to keep it. Choose Ignore to leave it out."
                )
            self.table.setItem(row, 3, item)

    def isComplete(self) -> bool:
        return self.w.plan is not None and self.w.plan.ready


class CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Check")
        self.setSubTitle("Every row is checked before anything is written.")
        self.note = QLabel()
        self.note.setObjectName("checkSummary")
        self.note.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("problemList")
        self.skip_radio = QRadioButton("Import the valid rows and skip the rows with problems")
        self.skip_radio.setObjectName("skipInvalidRadio")
        self.cancel_radio = QRadioButton("Import nothing: I will fix the file first")
        self.cancel_radio.setObjectName("importNothingRadio")
        self.cancel_radio.toggled.connect(self.completeChanged)
        self.values = ValuesTable(wizard)
        self.values_note = QLabel()
        self.values_note.setObjectName("valuesNote")
        self.values_note.setWordWrap(True)
        values_tab = QWidget()
        values_layout = QVBoxLayout(values_tab)
        values_layout.addWidget(self.values_note)
        values_layout.addWidget(self.values, 1)
        again = QPushButton("Check again with these values")
        again.setObjectName("checkAgainButton")
        again.clicked.connect(self.initializePage)
        values_layout.addWidget(again, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("checkTabs")
        self.tabs.addTab(self.list, "Problems and warnings")
        self.tabs.addTab(values_tab, "Values")
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.skip_radio)
        layout.addWidget(self.cancel_radio)
        self._checked = False

    def initializePage(self) -> None:
        self._checked = False
        self.w.check = None
        self.completeChanged.emit()
        self.list.clear()
        self.note.setText("Checking…")
        fixed = self.w.plan is not None and self.w.plan.file_format.startswith("data.")
        mapping = None if fixed else self.w.mapping()
        db, meeting, path = self.w.db, self.w.meeting_id, self.w.path
        value_maps = {c: dict(m) for c, m in self.w.value_maps.items() if m} or None

        def work(progress: Any, cancel: Any) -> importer.ImportResult:
            return importer.check_file(
                db, meeting, path, mapping=mapping, value_maps=value_maps, progress=progress,
                cancel=cancel,
            )  # fmt: skip

        run_in_background(
            work, self._show, self._failed, parent=self, title="Check", label="Checking every row…",
            on_cancelled=lambda: self.note.setText("Check cancelled."),
        )  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.note.setText(f"<b>The file cannot be imported.</b> {exc}")
        self.completeChanged.emit()

    def _show(self, result: importer.ImportResult) -> None:
        self.w.check = result
        self._checked = True
        if result.duplicate_of is not None and result.linked:
            self.note.setText(
                f"This file was imported before (batch {result.duplicate_of}). Importing it "
                f"makes its {result.linked:,} cases this meeting's population too; nothing is "
                "stored twice."
            )
        elif result.duplicate_of is not None:
            self.note.setText(result.summary)
        else:
            bad = result.rows_rejected
            text = f"{result.rows_read:,} rows read: {result.rows_imported:,} can be imported"
            text += f", <b>{bad:,} with problems</b>." if bad else ". No problems."
            if result.already_held:
                text += f" {result.already_held:,} are cases the panel already holds."
            self.note.setText(text)
        for p in result.problems[:MAX_LISTED]:
            self.list.addItem(f"Problem: {p}")
        for warning in result.warnings[:MAX_LISTED]:
            self.list.addItem(f"Warning: {warning}")
        shown = self.values.show_result(result)
        tidied = sum(n for *_x, n in result.tidied)
        self.tabs.setTabText(1, f"Values ({tidied:,} tidied)" if tidied else "Values")
        if not shown:
            self.values_note.setText(
                "Nothing to tidy: the file's values are the standard ones already."
                if result.duplicate_of is None
                else "This file was imported before: its values were read then."
            )
        else:
            self.values_note.setText(
                "How each value will be stored. Codes, abbreviations and ages are read into "
                "the panel's categories and blank-like entries (N/A, unknown, -) as not "
                "recorded. Type in <b>Stored as</b> to change one: type the value itself to "
                "keep it as it is, or clear it to store nothing. Your changes are used when you "
                "import and saved with the mapping."
            )
        if tidied and not result.problems:
            self.tabs.setCurrentIndex(1)
        has_problems = bool(result.problems)
        self.skip_radio.setVisible(has_problems)
        self.cancel_radio.setVisible(has_problems)
        self.skip_radio.setChecked(False)
        self.cancel_radio.setChecked(has_problems)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if not self._checked or self.w.check is None:
            return False
        check = self.w.check
        if check.duplicate_of is not None:
            return check.linked > 0  # another meeting's file: it can be this one's too
        usable = check.rows_imported > 0 or check.already_held > 0
        if check.problems:
            return self.skip_radio.isChecked() and usable
        return usable


class ValuesTable(QTableWidget):
    """Each mapped column's values, how the import will store them, editable in place."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(0, 4)
        self.w = wizard
        self.setObjectName("valueTable")
        self.setHorizontalHeaderLabels(
            ["Column in the file", "Value in the file", "Rows", "Stored as"]
        )
        header = self.horizontalHeader()
        for col in (0, 1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().hide()
        self.itemChanged.connect(self._edited)
        self._filling = False

    def show_result(self, result: importer.ImportResult) -> int:
        """Fill from a check's result; returns the number of rows shown."""
        rows: list[tuple[str, str, int, str]] = []
        for column, seen in result.distinct.items():
            vmap = result.value_maps.get(column, {})
            if len(seen) > MAX_VALUES_SHOWN and not vmap:
                continue  # free text: nothing to tidy
            for raw, n in seen.items():
                if len(seen) > MAX_VALUES_SHOWN and raw not in vmap:
                    continue
                rows.append((column, raw, n, vmap.get(raw, raw)))
        self._filling = True
        self.setRowCount(len(rows))
        for i, (column, raw, n, stored) in enumerate(rows):
            for j, text in enumerate((column, raw, f"{n:,}")):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if j == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(i, j, item)
            item = QTableWidgetItem(stored)
            item.setData(Qt.ItemDataRole.UserRole, (column, raw))
            if stored != raw:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            item.setToolTip("Blank: stored as not recorded" if not stored else "")
            self.setItem(i, 3, item)
        self._filling = False
        return len(rows)

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 3:
            return
        column, raw = item.data(Qt.ItemDataRole.UserRole)
        self.w.value_maps.setdefault(column, {})[raw] = item.text().strip()
        font = item.font()
        font.setBold(item.text().strip() != raw)
        self._filling = True
        item.setFont(font)
        self._filling = False
