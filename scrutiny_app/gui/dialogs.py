"""The small dialogs: forms from ``ui/`` that collect values and hand them to a submit callback.

A dialog stays open when its callback raises a user error (the message is shown and what was
typed is kept), and closes when the callback succeeds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain.vocab import AccessMode, Priority
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.uiload import child, load_form
from scrutiny_app.services.templates import TemplateInfo

Submit = Callable[[Any], Any]

# Force roles a recommendation is usually addressed to (docs/DOMAIN.md); any other text is allowed.
FORCE_ROLES = (
    "Head of Professional Standards",
    "Force Crime Registrar",
    "Stop and search lead",
    "Body-worn video lead",
    "Use of force lead",
    "Out of court disposals lead",
    "Head of Criminal Justice",
    "Hate crime lead",
    "Chief Constable",
)


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class FormDialog(QDialog):
    """A dialog built from ``ui/<FORM>`` with an OK/Cancel ``buttonBox``."""

    FORM = ""

    def __init__(self, parent: QWidget | None, on_submit: Submit | None = None) -> None:
        super().__init__(parent)
        load_form(self.FORM, self)
        self.button_box = child(self, QDialogButtonBox, "buttonBox")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        self._on_submit = on_submit
        self.result_value: Any = None

    @property
    def ok_button(self) -> QPushButton:
        return self.button_box.button(QDialogButtonBox.StandardButton.Ok)

    @property
    def cancel_button(self) -> QPushButton:
        return self.button_box.button(QDialogButtonBox.StandardButton.Cancel)

    def values(self) -> Any:
        raise NotImplementedError

    def accept(self) -> None:
        if self._on_submit is not None:
            try:
                self.result_value = self._on_submit(self.values())
            except Exception as exc:  # shown in a box; the dialog keeps what was typed
                show_error(self, self.windowTitle(), exc)
                return
        if self.after_submit():
            super().accept()

    def after_submit(self) -> bool:
        """Called after a successful submit; return False to keep the dialog open."""
        return True


# --------------------------------------------------------------------------- new panel


@dataclass(frozen=True)
class NewPanelValues:
    template_key: str
    name: str
    force: str
    code: str
    access_mode: str


class NewPanelDialog(FormDialog):
    FORM = "new_panel_dialog.ui"

    def __init__(
        self,
        parent: QWidget | None,
        templates: Sequence[TemplateInfo],
        on_submit: Submit | None = None,
    ) -> None:
        super().__init__(parent, on_submit)
        self.template_combo = child(self, QComboBox, "templateCombo")
        self.name_edit = child(self, QLineEdit, "nameEdit")
        self.force_edit = child(self, QLineEdit, "forceEdit")
        self.code_edit = child(self, QLineEdit, "codeEdit")
        self.pseudonymised_radio = child(self, QRadioButton, "pseudonymisedRadio")
        self.full_radio = child(self, QRadioButton, "fullRadio")
        self._prefixes: dict[str, str] = {}
        for t in templates:
            self.template_combo.addItem(t.name, t.key)
            self._prefixes[t.key] = t.case_prefix
        self.template_combo.currentIndexChanged.connect(self._template_changed)
        self.code_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[A-Za-z0-9]{0,12}"), self)
        )
        self._template_changed()
        self.ok_button.setText("Create panel")
        self.name_edit.setFocus()

    def select_template(self, key: str) -> None:
        index = self.template_combo.findData(key)
        if index >= 0:
            self.template_combo.setCurrentIndex(index)

    def _template_changed(self) -> None:
        prefix = self._prefixes.get(self.template_combo.currentData() or "", "")
        self.code_edit.setPlaceholderText(
            f"Short code for references, e.g. {prefix} (the default)" if prefix else ""
        )

    def values(self) -> NewPanelValues:
        return NewPanelValues(
            template_key=self.template_combo.currentData() or "",
            name=self.name_edit.text().strip(),
            force=self.force_edit.text().strip(),
            code=self.code_edit.text().strip(),
            access_mode=(
                AccessMode.FULL if self.full_radio.isChecked() else AccessMode.PSEUDONYMISED
            ),
        )


# --------------------------------------------------------------------------- new meeting


@dataclass(frozen=True)
class NewMeetingValues:
    panel_id: int
    date: dt.date
    theme: str


class NewMeetingDialog(FormDialog):
    FORM = "new_meeting_dialog.ui"

    def __init__(
        self,
        parent: QWidget | None,
        panels: Sequence[tuple[int, str]],
        current_panel_id: int | None,
        on_submit: Submit | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent, on_submit)
        self.panel_combo = child(self, QComboBox, "panelCombo")
        self.date_edit = child(self, QDateEdit, "dateEdit")
        self.theme_edit = child(self, QLineEdit, "themeEdit")
        for panel_id, name in panels:
            self.panel_combo.addItem(name, panel_id)
        if current_panel_id is not None:
            self.panel_combo.setCurrentIndex(max(self.panel_combo.findData(current_panel_id), 0))
        self.date_edit.setDate(to_qdate(today or dt.date.today()))
        self.ok_button.setText("Create meeting")
        self.theme_edit.setFocus()

    def values(self) -> NewMeetingValues:
        return NewMeetingValues(
            panel_id=int(self.panel_combo.currentData()),
            date=from_qdate(self.date_edit.date()),
            theme=self.theme_edit.text().strip(),
        )


# --------------------------------------------------------------------------- draw sample


@dataclass(frozen=True)
class DrawSampleValues:
    size: int
    seed: int | None
    replace: bool


class DrawSampleDialog(FormDialog):
    """Size and optional seed; after drawing, the method statement for the report."""

    FORM = "draw_sample_dialog.ui"

    def __init__(
        self,
        parent: QWidget | None,
        *,
        population: int,
        has_sample: bool,
        meeting_title: str,
        on_submit: Submit | None = None,
    ) -> None:
        super().__init__(parent, on_submit)
        self.population_label = child(self, QLabel, "populationLabel")
        self.size_spin = child(self, QSpinBox, "sizeSpin")
        self.seed_edit = child(self, QLineEdit, "seedEdit")
        self.replace_check = child(self, QCheckBox, "replaceCheck")
        self.statement_label = child(self, QLabel, "statementLabel")
        self.statement_box = child(self, QPlainTextEdit, "statementBox")
        self.population = population
        self.drawn = False
        cases = "case" if population == 1 else "cases"
        text = f"<b>{meeting_title}</b><br>Population: <b>{population:,}</b> imported {cases}."
        if population == 0:
            text += "<br>Import the force's extract first (File ▸ Import cases, Ctrl+I)."
        self.population_label.setText(text)
        self.size_spin.setRange(1, max(population, 1))
        self.size_spin.setValue(min(10, max(population, 1)))
        self.seed_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,12}"), self)
        )
        self.replace_check.setVisible(has_sample)
        self.statement_label.hide()
        self.statement_box.hide()
        self.ok_button.setText("Draw sample")
        self.ok_button.setEnabled(population > 0)
        self.size_spin.setFocus()
        self.size_spin.selectAll()

    def values(self) -> DrawSampleValues:
        seed = self.seed_edit.text().strip()
        return DrawSampleValues(
            size=self.size_spin.value(),
            seed=int(seed) if seed else None,
            replace=self.replace_check.isVisible() and self.replace_check.isChecked(),
        )

    def accept(self) -> None:
        if self.drawn:
            QDialog.accept(self)
        else:
            super().accept()

    def after_submit(self) -> bool:
        statement = getattr(self.result_value, "method_statement", "")
        self.drawn = True
        for w in (self.size_spin, self.seed_edit, self.replace_check):
            w.setEnabled(False)
        seed = getattr(self.result_value, "seed", None)
        if seed is not None:
            self.seed_edit.setText(str(seed))
        self.statement_box.setPlainText(statement)
        self.statement_label.show()
        self.statement_box.show()
        self.cancel_button.hide()
        self.ok_button.setText("Close")
        self.ok_button.setFocus()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))
        return False

    @property
    def statement(self) -> str:
        return self.statement_box.toPlainText()


# --------------------------------------------------------------------------- recommendation


@dataclass(frozen=True)
class RecommendationValues:
    text: str
    addressed_to: str
    priority: str
    response_due: dt.date | None
    link_case: bool


class AddRecommendationDialog(FormDialog):
    FORM = "add_recommendation_dialog.ui"

    def __init__(
        self,
        parent: QWidget | None,
        *,
        context: str,
        case_reference: str | None = None,
        on_submit: Submit | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent, on_submit)
        self.context_label = child(self, QLabel, "contextLabel")
        self.text_edit = child(self, QPlainTextEdit, "textEdit")
        self.addressed_to_combo = child(self, QComboBox, "addressedToCombo")
        self.priority_combo = child(self, QComboBox, "priorityCombo")
        self.due_check = child(self, QCheckBox, "dueCheck")
        self.due_date_edit = child(self, QDateEdit, "dueDateEdit")
        self.link_case_check = child(self, QCheckBox, "linkCaseCheck")
        self.context_label.setText(context)
        if case_reference:
            self.link_case_check.setText(f"&Link to the selected case, {case_reference}")
        else:
            self.link_case_check.hide()
        self.addressed_to_combo.addItems(FORCE_ROLES)
        self.addressed_to_combo.setCurrentIndex(-1)
        self.addressed_to_combo.setEditText("")
        line = self.addressed_to_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("The force role that should answer, e.g. Force Crime Registrar")
        for p in Priority:
            self.priority_combo.addItem(p.value.capitalize(), p.value)
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(Priority.MEDIUM.value))
        # Forces usually answer within eight weeks.
        self.due_date_edit.setDate(to_qdate((today or dt.date.today()) + dt.timedelta(weeks=8)))
        self.due_check.toggled.connect(self.due_date_edit.setEnabled)
        self.ok_button.setText("Add recommendation")
        self.text_edit.setFocus()

    def values(self) -> RecommendationValues:
        return RecommendationValues(
            text=self.text_edit.toPlainText().strip(),
            addressed_to=self.addressed_to_combo.currentText().strip(),
            priority=self.priority_combo.currentData() or Priority.MEDIUM.value,
            response_due=(
                from_qdate(self.due_date_edit.date()) if self.due_check.isChecked() else None
            ),
            link_case=self.link_case_check.isVisibleTo(self) and self.link_case_check.isChecked(),
        )


# --------------------------------------------------------------------------- shortcuts


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard shortcuts: a two-column list built from the window's actions."""

    def __init__(self, parent: QWidget | None, rows: Sequence[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        intro = QLabel("Every command can be reached from the keyboard:")
        layout.addWidget(intro)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Focusable, one row at a time: arrows, Page Up/Down, Home/End scroll the list.
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        for i, (command, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(command))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.table.resizeRowsToContents()
        if rows:
            self.table.setCurrentCell(0, 0)
        self.table.setFocus()
        rows_height = sum(self.table.rowHeight(i) for i in range(len(rows)))
        height = rows_height + self.table.horizontalHeader().height() + 110
        self.resize(540, min(max(height, 300), 700))


def shortcut_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)
