"""The review form's parts: outcome buttons, questions, the members' views side by side, tags."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QObject, QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.gui.style import outcome_button_style, text_on
from scrutiny_app.services.session import QuestionInfo, ViewInfo
from scrutiny_app.services.templates import Outcome


def answer_label(answer: str) -> str:
    return answer[:1].upper() + answer[1:]


def text_edit(name: str, placeholder: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(placeholder)
    fm = edit.fontMetrics()
    edit.setMinimumHeight(fm.lineSpacing() * lines + 14)
    edit.setMaximumHeight(fm.lineSpacing() * (lines + 3) + 14)
    edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return edit


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionLabel")
    return label


# =========================================================================== outcome buttons


def wrapped_label(name: str, *, rich: bool = False) -> QLabel:
    """A word-wrapped label, styled by its object name (app.qss)."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    return label


class OutcomeButtons(QWidget):
    """The outcome scheme as large, checkable buttons with their number keys."""

    chosen = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(5)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}

    def set_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        for button in self.buttons.values():
            self.group.removeButton(button)
            button.deleteLater()
        self.buttons.clear()
        for i, outcome in enumerate(outcomes):
            key = str(i + 1) if i < 9 else ""
            button = QPushButton(f"{key}    {outcome.label}" if key else outcome.label)
            button.setObjectName(f"outcome_{outcome.code}")
            button.setProperty("outcomeCode", outcome.code)
            button.setCheckable(True)
            button.setStyleSheet(outcome_button_style(outcome.colour, large=True))
            button.setToolTip(f"{outcome.label} (key {key})" if key else outcome.label)
            button.setAccessibleName(f"Outcome: {outcome.label}")
            button.clicked.connect(partial(self.chosen.emit, outcome.code))
            self.group.addButton(button)
            self._layout.addWidget(button)
            button.show()  # not left to a queued show: it must take the focus at once
            self.buttons[outcome.code] = button

    def set_checked(self, code: str | None) -> None:
        self.group.setExclusive(False)
        for c, button in self.buttons.items():
            button.setChecked(c == code)
        self.group.setExclusive(True)

    def checked(self) -> str | None:
        return next((c for c, b in self.buttons.items() if b.isChecked()), None)

    def focus_target(self) -> QWidget:
        checked = self.checked()
        if checked:
            return self.buttons[checked]
        return next(iter(self.buttons.values()), self)


# =========================================================================== questions


class QuestionsPanel(QWidget):
    """The template's review questions, each with its answers as radio buttons."""

    answered = Signal(str, str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[tuple[str, str], QRadioButton] = {}
        self.notes: dict[str, QLabel] = {}  # per question: how the members answered, if split
        self._loading = 0

    def set_questions(self, questions: Sequence[QuestionInfo]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.groups.clear()
        self.radios.clear()
        self.notes.clear()
        group_name = None
        for q in questions:
            if q.group and q.group != group_name:
                group_name = q.group
                heading = QLabel(q.group)
                heading.setObjectName("questionGroup")
                self._layout.addWidget(heading)
            text = QLabel(q.text)
            text.setWordWrap(True)
            text.setObjectName("questionText")
            self._layout.addWidget(text)
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(12, 0, 0, 6)
            row_layout.setSpacing(14)
            group = QButtonGroup(row)
            group.setExclusive(True)
            for answer in q.answers:
                radio = QRadioButton(answer_label(answer))
                radio.setObjectName(f"answer_{q.key}_{answer.replace(' ', '_')}")
                radio.setAccessibleName(f"{q.text}: {answer_label(answer)}")
                radio.toggled.connect(partial(self._toggled, q.key, answer))
                group.addButton(radio)
                row_layout.addWidget(radio)
                self.radios[(q.key, answer)] = radio
            row_layout.addStretch(1)
            self.groups[q.key] = group
            self._layout.addWidget(row)
            note = QLabel(objectName="questionNote")
            note.setWordWrap(True)
            note.setVisible(False)
            self.notes[q.key] = note
            self._layout.addWidget(note)
        for i in range(self._layout.count()):
            widget = self._layout.itemAt(i).widget()
            if widget is not None and widget.objectName() != "questionNote":
                widget.show()

    def set_notes(self, notes: dict[str, str]) -> None:
        """A line under each question named in ``notes`` (e.g. how the members split)."""
        for key, label in self.notes.items():
            text = notes.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))

    def _toggled(self, key: str, answer: str, checked: bool) -> None:
        if checked and not self._loading:
            self.answered.emit(key, answer)

    def set_answers(self, answers: dict[str, str]) -> None:
        self._loading += 1
        try:
            for key, group in self.groups.items():
                group.setExclusive(False)
                for button in group.buttons():
                    button.setChecked(False)
                radio = self.radios.get((key, str(answers.get(key, ""))))
                if radio is not None:
                    radio.setChecked(True)
                group.setExclusive(True)
        finally:
            self._loading -= 1

    def answers(self) -> dict[str, str]:
        return {key: answer for (key, answer), r in self.radios.items() if r.isChecked()}

    def radio(self, key: str, answer: str) -> QRadioButton | None:
        return self.radios.get((key, answer))


# =========================================================================== views side by side


class ViewsPanel(QWidget):
    """The members' views on a case, side by side (shown once revealed)."""

    CARD_WIDTH = 150  # cards per row: as many of this width as fit, at most 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewsPanel")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self.cards: list[QFrame] = []
        self._per_row = 3

    def set_views(self, views: Sequence[ViewInfo], outcomes: dict[str, Outcome]) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards.clear()
        shown = [v for v in views if v.outcome_code or v.note]
        if not shown:
            empty = QFrame()
            layout = QVBoxLayout(empty)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel("No member recorded a view on this case."))
            self._grid.addWidget(empty, 0, 0)
            empty.show()
            self.cards.append(empty)
            return
        for view in shown:
            card = QFrame()
            card.setObjectName("viewCard")
            layout = QVBoxLayout(card)
            layout.setContentsMargins(8, 6, 8, 8)
            layout.setSpacing(4)
            name = QLabel(view.name)
            name.setObjectName("viewName")
            name.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(name)
            outcome = outcomes.get(view.outcome_code or "")
            chip = QLabel(outcome.label if outcome else "No outcome chosen")
            chip.setObjectName("viewOutcome")
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setWordWrap(True)
            if outcome is not None:
                chip.setStyleSheet(
                    f"background:{outcome.colour}; color:{text_on(outcome.colour)};"
                    "border-radius:3px; padding:3px 6px; font-weight:600;"
                )
            layout.addWidget(chip)
            note = QLabel(view.note or "(no note)")
            note.setObjectName("viewNote")
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(note)
            layout.addStretch(1)
            card.setAccessibleName(
                f"{view.name}: {outcome.label if outcome else 'no outcome'}. {view.note}"
            )
            card.show()
            self.cards.append(card)
        self._place()

    def _place(self) -> None:
        """Lay the cards out in rows of as many as the width takes (a narrow pane: fewer)."""
        for card in self.cards:
            self._grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self._grid.addWidget(card, i // self._per_row, i % self._per_row)
        for col in range(3):
            self._grid.setColumnStretch(col, 1 if col < self._per_row else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        per_row = max(1, min(3, event.size().width() // self.CARD_WIDTH))
        if per_row != self._per_row:
            self._per_row = per_row
            self._place()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widest = max((c.minimumSizeHint().width() for c in self.cards), default=0)
        return QSize(min(hint.width(), max(widest, self.CARD_WIDTH)), hint.height())

    def texts(self) -> list[str]:
        return [c.accessibleName() for c in self.cards]


# =========================================================================== tags


class TagEditor(QWidget):
    """The case's tags as chips, and a box to add one with completion from the panel's list."""

    added = Signal(str)
    removed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagEditor")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.chips = QListWidget()
        self.chips.setObjectName("tagChips")
        self.chips.setAccessibleName("Tags on this case (Delete removes the selected tag)")
        self.chips.setFlow(QListView.Flow.LeftToRight)
        self.chips.setWrapping(True)
        self.chips.setResizeMode(QListView.ResizeMode.Adjust)
        self.chips.setSpacing(3)
        self.chips.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.chips.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.chips.installEventFilter(self)
        self.chips.itemDoubleClicked.connect(lambda item: self.removed.emit(item.text()))
        fm = self.chips.fontMetrics()
        self.chips.setFixedHeight(fm.height() * 2 + 24)
        layout.addWidget(self.chips)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setObjectName("tagEdit")
        self.edit.setPlaceholderText("Add a tag: type, then Enter (the panel's tags complete)")
        self.edit.setAccessibleName("Add a tag")
        self.edit.setClearButtonEnabled(True)
        self._names = QStringListModel(self)
        self.completer = QCompleter(self._names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.edit.setCompleter(self.completer)
        self.edit.returnPressed.connect(self._submit)
        row.addWidget(self.edit, 1)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected tag from this case (Delete)")
        self.remove_button.clicked.connect(self._remove_selected)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self._update_remove()
        self.chips.itemSelectionChanged.connect(self._update_remove)

    def _submit(self) -> None:
        text = " ".join(self.edit.text().split())
        if text:
            self.added.emit(text)

    def _remove_selected(self) -> None:
        item = self.chips.currentItem()
        if item is not None:
            self.removed.emit(item.text())

    def _update_remove(self) -> None:
        self.remove_button.setEnabled(self.chips.currentItem() is not None and self.isEnabled())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.chips
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and (
                event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                or event.matches(QKeySequence.StandardKey.Delete)
            )
        ):
            self._remove_selected()
            return True
        return super().eventFilter(watched, event)

    def set_tags(self, names: Sequence[str]) -> None:
        current = self.chips.currentItem().text() if self.chips.currentItem() else None
        self.chips.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setToolTip(f"{name} (double-click or Delete to remove)")
            self.chips.addItem(item)
            if name == current:
                self.chips.setCurrentItem(item)
        self.chips.setVisible(bool(names))
        self._update_remove()

    def tags(self) -> list[str]:
        return [self.chips.item(i).text() for i in range(self.chips.count())]

    def set_completions(self, names: Sequence[str]) -> None:
        self._names.setStringList(list(names))

    def clear_input(self) -> None:
        self.edit.clear()


class ElidingToolButton(QToolButton):
    """A text button that fits a narrow pane: its text elides, the full text in its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 120), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), 120), hint.height())  # it expands to the room there is

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(self.width() - 28, 20)  # the padding and the arrow
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, room)
        if shown != self.text():
            self.setText(shown)
        self.setProperty("elidedText", shown != self._full)
