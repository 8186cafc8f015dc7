"""The review form: a case's two stages, generated from the panel's template.

Stage 1, *members' views*: the member using the app records their own outcome, a note and the
template's questions; the others' views stay hidden. Stage 2, *panel decision*: the views side
by side, then the panel's outcome, consensus, dissent, observations, good practice, learning,
the questions and tags.

The form only shows and collects: it emits signals, and the main window calls the services
(every change is saved as it is made). Values the window puts in while loading never come back
out as signals, and a text box is only rewritten when its saved text differs from what it shows,
so the cursor and the focus stay where the user left them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QGroupBox,
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
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.gui.style import outcome_button_style, text_on
from scrutiny_app.services.session import QuestionInfo, ReviewTemplate, ViewInfo
from scrutiny_app.services.templates import Outcome

VIEWS = "views"
DECISION = "decision"

CONSENSUS_LABELS = {
    Consensus.UNANIMOUS: "Unanimous",
    Consensus.MAJORITY: "Majority",
    Consensus.NONE: "No consensus",
}
DECISION_FIELDS = (
    ("observations", "&Observations", "What the panel noted about this case"),
    ("good_practice", "&Good practice", "Good practice to feed back to the force"),
    ("individual_learning", "&Individual learning", "Learning for the officer(s) involved"),
    ("organisational_learning", "Organisational &learning", "Learning for the force as a whole"),
)


def answer_label(answer: str) -> str:
    return answer[:1].upper() + answer[1:]


def _text_edit(name: str, placeholder: str, lines: int) -> QPlainTextEdit:
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


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionLabel")
    return label


# =========================================================================== outcome buttons


def _wrapped_label(name: str, *, rich: bool = False) -> QLabel:
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
        self._loading = 0

    def set_questions(self, questions: Sequence[QuestionInfo]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.groups.clear()
        self.radios.clear()
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
        for i in range(self._layout.count()):
            widget = self._layout.itemAt(i).widget()
            if widget is not None:
                widget.show()

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

    PER_ROW = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewsPanel")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self.cards: list[QFrame] = []

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
        for i, view in enumerate(shown):
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
            self._grid.addWidget(card, i // self.PER_ROW, i % self.PER_ROW)
            card.show()
            self.cards.append(card)
        for col in range(self.PER_ROW):
            self._grid.setColumnStretch(col, 1)

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


# =========================================================================== the form


class ReviewForm(QWidget):
    """Both stages of the review of one case; see the module docstring."""

    outcomeChosen = Signal(str, str)  # stage, outcome code
    textEdited = Signal(str, str)  # field key ("view:note", "decision:observations"...), text
    textLeft = Signal(str)  # field key: the box lost the focus (save now, end the undo step)
    answerChosen = Signal(str, str, str)  # stage, question key, answer
    consensusChosen = Signal(str)
    internalChosen = Signal(bool)
    tagAdded = Signal(str)
    tagRemoved = Signal(str)
    revealRequested = Signal()
    declareRequested = Signal()
    doneRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewForm")
        self._loading = 0
        self._template: ReviewTemplate | None = None
        self._signature: tuple[object, ...] | None = None
        self.stage = DECISION
        self.text_edits: dict[str, QPlainTextEdit] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.box = QGroupBox("Review")
        self.box.setObjectName("reviewBox")
        outer.addWidget(self.box)
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(8)

        # ---- who is using the app, the stage strip and the status
        self.acting_button = QToolButton()
        self.acting_button.setObjectName("actingButton")
        self.acting_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.acting_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.acting_button)
        strip = QHBoxLayout()
        strip.setSpacing(6)
        self.stage_views_label = QLabel("\u2460 Members' views")
        self.stage_views_label.setObjectName("stageLabel")
        self.stage_arrow = QLabel("\u203a")
        self.stage_decision_label = QLabel("\u2461 Panel decision")
        self.stage_decision_label.setObjectName("stageLabel")
        strip.addWidget(self.stage_views_label)
        strip.addWidget(self.stage_arrow)
        strip.addWidget(self.stage_decision_label)
        strip.addStretch(1)
        layout.addLayout(strip)
        self.status_label = _wrapped_label("reviewStatus", rich=True)
        layout.addWidget(self.status_label)

        self.pages = QStackedWidget()
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.pages)
        self._build_view_page()
        self._build_decision_page()
        self.pages.currentChanged.connect(self._fit_pages)

        # ---- tags (shared by both stages)
        layout.addWidget(_section("Tags"))
        self.tag_editor = TagEditor()
        self.tag_editor.added.connect(self.tagAdded)
        self.tag_editor.removed.connect(self.tagRemoved)
        layout.addWidget(self.tag_editor)

        self.done_button = QPushButton("Decide and go to next case")
        self.done_button.setObjectName("recordButton")
        self.done_button.clicked.connect(self.doneRequested)
        layout.addWidget(self.done_button)
        layout.addStretch(1)

    # ------------------------------------------------------------------ building

    def _watch(self, key: str, edit: QPlainTextEdit) -> None:
        self.text_edits[key] = edit
        edit.textChanged.connect(partial(self._text_changed, key))
        edit.installEventFilter(self)

    def _text_changed(self, key: str) -> None:
        if not self._loading:
            self.textEdited.emit(key, self.text_edits[key].toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            for key, edit in self.text_edits.items():
                if edit is watched:
                    self.textLeft.emit(key)
        return super().eventFilter(watched, event)

    def _build_view_page(self) -> None:
        page = QWidget()
        page.setObjectName("viewPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.own_box = QGroupBox("Your view")
        self.own_box.setObjectName("ownViewBox")
        own = QVBoxLayout(self.own_box)
        own.setSpacing(6)
        self.own_hint = QLabel("Hidden from the other members until the views are revealed.")
        self.own_hint.setObjectName("hintLabel")
        self.own_hint.setWordWrap(True)
        own.addWidget(self.own_hint)
        self.view_outcomes = OutcomeButtons("viewOutcomes")
        self.view_outcomes.chosen.connect(partial(self.outcomeChosen.emit, VIEWS))
        own.addWidget(self.view_outcomes)
        note_label = QLabel("Your &note")
        self.note_edit = _text_edit("noteEdit", "Why you reached this view", 3)
        note_label.setBuddy(self.note_edit)
        self._watch("view:note", self.note_edit)
        own.addWidget(note_label)
        own.addWidget(self.note_edit)
        self.view_questions = QuestionsPanel("viewQuestions")
        self.view_questions.answered.connect(partial(self.answerChosen.emit, VIEWS))
        self.view_questions_label = _section("Questions")
        own.addWidget(self.view_questions_label)
        own.addWidget(self.view_questions)
        layout.addWidget(self.own_box)
        self.blocked_label = _wrapped_label("blockedLabel", rich=True)
        layout.addWidget(self.blocked_label)
        self.views_in_label = _wrapped_label("viewsInLabel", rich=True)
        layout.addWidget(self.views_in_label)
        buttons = QHBoxLayout()
        self.reveal_button = QPushButton("Reveal the views")
        self.reveal_button.setObjectName("revealButton")
        self.reveal_button.clicked.connect(self.revealRequested)
        self.declare_button = QPushButton("Declare an interest…")
        self.declare_button.setObjectName("declareButton")
        self.declare_button.clicked.connect(self.declareRequested)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.declare_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.view_page = page
        self.pages.addWidget(page)

    def _build_decision_page(self) -> None:
        page = QWidget()
        page.setObjectName("decisionPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.views_title = _section("Members' views")
        layout.addWidget(self.views_title)
        self.views_panel = ViewsPanel()
        layout.addWidget(self.views_panel)
        self.case_agreement_label = _wrapped_label("hintLabel", rich=False)
        layout.addWidget(self.case_agreement_label)

        self.decision_box = QGroupBox("Panel decision")
        self.decision_box.setObjectName("decisionBox")
        d = QVBoxLayout(self.decision_box)
        d.setSpacing(6)
        self.decision_outcomes = OutcomeButtons("decisionOutcomes")
        self.decision_outcomes.chosen.connect(partial(self.outcomeChosen.emit, DECISION))
        d.addWidget(self.decision_outcomes)
        row = QHBoxLayout()
        consensus_label = QLabel("&Consensus")
        self.consensus_combo = QComboBox()
        self.consensus_combo.setObjectName("consensusCombo")
        for value, label in CONSENSUS_LABELS.items():
            self.consensus_combo.addItem(label, value.value)
        consensus_label.setBuddy(self.consensus_combo)
        self.consensus_combo.activated.connect(self._consensus_activated)
        row.addWidget(consensus_label)
        row.addWidget(self.consensus_combo, 1)
        d.addLayout(row)
        dissent_label = QLabel("&Dissenting views (kept with the decision)")
        self.dissent_edit = _text_edit("dissentEdit", "Views that differ from the decision", 2)
        dissent_label.setBuddy(self.dissent_edit)
        self._watch("decision:dissent", self.dissent_edit)
        d.addWidget(dissent_label)
        d.addWidget(self.dissent_edit)
        self.decision_hint = _wrapped_label("hintLabel", rich=False)
        d.addWidget(self.decision_hint)
        for key, label_text, placeholder in DECISION_FIELDS:
            label = QLabel(label_text)
            edit = _text_edit(f"{key}Edit", placeholder, 3)
            label.setBuddy(edit)
            self._watch(f"decision:{key}", edit)
            d.addWidget(label)
            d.addWidget(edit)
        self.internal_check = QCheckBox("Keep this judgement out of the public report")
        self.internal_check.setObjectName("internalCheck")
        self.internal_check.toggled.connect(self._internal_toggled)
        d.addWidget(self.internal_check)
        self.decision_questions_label = _section("Questions (the panel's answers)")
        d.addWidget(self.decision_questions_label)
        self.decision_questions = QuestionsPanel("decisionQuestions")
        self.decision_questions.answered.connect(partial(self.answerChosen.emit, DECISION))
        d.addWidget(self.decision_questions)
        layout.addWidget(self.decision_box)
        self.decision_page = page
        self.pages.addWidget(page)

    def _fit_pages(self, *_args: object) -> None:
        """The stack takes the height of the page shown, not of the taller one."""
        for i in range(self.pages.count()):
            page = self.pages.widget(i)
            policy = (
                QSizePolicy.Policy.Preferred
                if i == self.pages.currentIndex()
                else (QSizePolicy.Policy.Ignored)
            )
            page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        self.pages.adjustSize()

    def _consensus_activated(self, _index: int) -> None:
        if not self._loading:
            self.consensusChosen.emit(self.consensus_combo.currentData())

    def _internal_toggled(self, checked: bool) -> None:
        if not self._loading:
            self.internalChosen.emit(checked)

    # ------------------------------------------------------------------ loading

    @contextmanager
    def loading(self) -> Iterator[None]:
        self._loading += 1
        try:
            yield
        finally:
            self._loading -= 1

    def set_template(self, template: ReviewTemplate) -> None:
        signature = (
            template.template.key,
            tuple(o.code for o in template.template.outcomes),
            tuple(q.key for q in template.questions),
        )
        self._template = template
        if signature == self._signature:
            return
        self._signature = signature
        with self.loading():
            self.view_outcomes.set_outcomes(template.template.outcomes)
            self.decision_outcomes.set_outcomes(template.template.outcomes)
            self.view_questions.set_questions(template.questions)
            self.decision_questions.set_questions(template.questions)
        has_questions = bool(template.questions)
        for w in (self.view_questions_label, self.decision_questions_label):
            w.setVisible(has_questions)

    @property
    def template(self) -> ReviewTemplate | None:
        return self._template

    def outcomes(self) -> dict[str, Outcome]:
        return {o.code: o for o in self._template.template.outcomes} if self._template else {}

    def set_stage(self, stage: str) -> None:
        self.stage = stage
        self.pages.setCurrentWidget(self.view_page if stage == VIEWS else self.decision_page)
        self._fit_pages()
        for label, active in (
            (self.stage_views_label, stage == VIEWS),
            (self.stage_decision_label, stage == DECISION),
        ):
            label.setProperty("active", active)
            label.style().unpolish(label)
            label.style().polish(label)
        self.done_button.setText(
            "Decide and go to next case" if stage == DECISION else "My view is done: next case"
        )

    def set_text(self, key: str, text: str) -> None:
        """Show ``text`` in a box unless it already shows it (keeps the cursor and undo)."""
        edit = self.text_edits[key]
        if edit.toPlainText() != text:
            with self.loading():
                edit.setPlainText(text)

    def set_consensus(self, value: str) -> None:
        with self.loading():
            index = self.consensus_combo.findData(str(value))
            self.consensus_combo.setCurrentIndex(max(index, 0))

    def set_internal(self, value: bool) -> None:
        with self.loading():
            self.internal_check.setChecked(value)

    def outcome_buttons(self, stage: str | None = None) -> OutcomeButtons:
        return self.view_outcomes if (stage or self.stage) == VIEWS else self.decision_outcomes

    def focus_target(self) -> QWidget:
        """Where the focus goes when the case changes: the current stage's outcome buttons."""
        return self.outcome_buttons().focus_target()
