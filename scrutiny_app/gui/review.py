"""The review form: a case's two stages, generated from the panel's template.

Stage 1, *members' views*: the member using the app records their own outcome, a note and the
template's questions; the others' views stay hidden. Stage 2, *panel decision*: the views side
by side, then the panel's outcome, consensus, dissent, observations, good practice, learning,
the questions and tags.

The form only shows and collects: it emits signals, and the
:class:`~scrutiny_app.gui.reviewer.Reviewer` calls the services (every change is saved as it is
made) and asks the form to show what is saved (``show_*``). Values the window puts in while loading never come back
out as signals, and a text box is only rewritten when its saved text differs from what it shows,
so the cursor and the focus stay where the user left them.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.gui.review_parts import (
    ElidingToolButton,
    OutcomeButtons,
    QuestionsPanel,
    TagEditor,
    ViewsPanel,
    section,
    text_edit,
    wrapped_label,
)
from scrutiny_app.services.cases import CaseRow
from scrutiny_app.services.session import (
    CaseViews,
    ReviewTemplate,
    SessionUser,
    members_split,
)
from scrutiny_app.services.templates import Outcome

VIEWS = "views"
DECISION = "decision"

CONSENSUS_LABELS = {
    Consensus.UNANIMOUS: "Unanimous",
    Consensus.MAJORITY: "Majority",
    Consensus.SPLIT: "Split (no majority)",
    Consensus.NONE: "No consensus",
}
DECISION_FIELDS = (
    ("observations", "&Observations", "What the panel noted about this case"),
    ("good_practice", "&Good practice", "Good practice to feed back to the force"),
    ("individual_learning", "&Individual learning", "Learning for the officer(s) involved"),
    ("organisational_learning", "Organisational &learning", "Learning for the force as a whole"),
)


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
        self.acting_button = ElidingToolButton()
        self.acting_button.setObjectName("actingButton")
        self.acting_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.acting_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.acting_button)
        self.banner = wrapped_label("formBanner", rich=True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)
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
        self.status_label = wrapped_label("reviewStatus", rich=True)
        layout.addWidget(self.status_label)

        self.pages = QStackedWidget()
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.pages)
        self._build_view_page()
        self._build_decision_page()
        self.pages.currentChanged.connect(self._fit_pages)

        # ---- tags (shared by both stages)
        layout.addWidget(section("Tags"))
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
        elif (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            # Escape leaves a text box for the outcome buttons: number keys choose again.
            self.focus_target().setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _fix_tab_order(self) -> None:
        """Tab follows what the eye reads: top to bottom, whatever was built when."""
        chain: list[QWidget] = [self.acting_button]
        chain += [*self.view_outcomes.buttons.values(), self.note_edit]
        chain += [*self.view_questions.radios.values(), self.blocked_fix]
        chain += [self.reveal_button, self.declare_button]
        chain += [*self.decision_outcomes.buttons.values(), self.consensus_combo]
        chain += [self.dissent_edit, self.observations_edit, self.good_practice_edit]
        chain += [self.individual_learning_edit, self.organisational_learning_edit]
        chain += [self.internal_check, *self.decision_questions.radios.values()]
        t = self.tag_editor
        chain += [t.chips, t.edit, t.remove_button, self.done_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

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
        self.note_edit = text_edit("noteEdit", "Why you reached this view", 3)
        note_label.setBuddy(self.note_edit)
        self._watch("view:note", self.note_edit)
        own.addWidget(note_label)
        own.addWidget(self.note_edit)
        self.view_questions = QuestionsPanel("viewQuestions")
        self.view_questions.answered.connect(partial(self.answerChosen.emit, VIEWS))
        self.view_questions_label = section("Questions")
        own.addWidget(self.view_questions_label)
        own.addWidget(self.view_questions)
        layout.addWidget(self.own_box)
        self.blocked_label = wrapped_label("blockedLabel", rich=True)
        layout.addWidget(self.blocked_label)
        self.blocked_fix = QPushButton("Choose who is using the app… (Ctrl+U)")
        self.blocked_fix.setObjectName("blockedFix")
        self.blocked_fix.clicked.connect(self.acting_button.click)
        self.blocked_fix.hide()
        layout.addWidget(self.blocked_fix, 0, Qt.AlignmentFlag.AlignLeft)
        self.views_in_label = wrapped_label("viewsInLabel", rich=True)
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
        self.views_title = section("Members' views")
        layout.addWidget(self.views_title)
        self.views_panel = ViewsPanel()
        layout.addWidget(self.views_panel)
        self.case_agreement_label = wrapped_label("hintLabel", rich=False)
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
        self.dissent_edit = text_edit("dissentEdit", "Views that differ from the decision", 2)
        dissent_label.setBuddy(self.dissent_edit)
        self._watch("decision:dissent", self.dissent_edit)
        d.addWidget(dissent_label)
        d.addWidget(self.dissent_edit)
        self.decision_hint = wrapped_label("hintLabel", rich=False)
        d.addWidget(self.decision_hint)
        for key, label_text, placeholder in DECISION_FIELDS:
            label = QLabel(label_text)
            edit = text_edit(f"{key}Edit", placeholder, 3)
            label.setBuddy(edit)
            self._watch(f"decision:{key}", edit)
            d.addWidget(label)
            d.addWidget(edit)
        t = self.text_edits
        self.observations_edit = t["decision:observations"]
        self.good_practice_edit = t["decision:good_practice"]
        self.individual_learning_edit = t["decision:individual_learning"]
        self.organisational_learning_edit = t["decision:organisational_learning"]
        self.internal_check = QCheckBox("Keep this judgement out of the public report")
        self.internal_check.setObjectName("internalCheck")
        self.internal_check.toggled.connect(self._internal_toggled)
        d.addWidget(self.internal_check)
        self.decision_questions_label = section("Questions (the panel's answers)")
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
        self._fix_tab_order()

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

    def outcome_button(self, code: str) -> QPushButton | None:
        """The outcome button ``code`` of the stage shown."""
        return self.outcome_buttons().buttons.get(code)

    # ------------------------------------------------------------------ showing a case

    def show_nothing(self) -> None:
        """No case selected."""
        self.setEnabled(False)
        self.set_stage(DECISION)
        self.box.setTitle("Review")
        with self.loading():
            self.decision_outcomes.set_checked(None)
            self.view_outcomes.set_checked(None)
            for key in self.text_edits:
                self.set_text(key, "")
            self.tag_editor.set_tags([])
        self.views_panel.set_views([], {})
        self.status_label.setText("Select a case in the list to review it.")

    def show_views_stage(
        self, case: CaseRow, views: CaseViews, user: SessionUser, names: dict[int, str]
    ) -> None:
        """Stage 1: the acting member's own view, and who has recorded theirs."""
        own = views.own
        self.view_outcomes.set_checked(own.outcome_code if own else None)
        self.set_text("view:note", own.note if own else "")
        self.view_questions.set_answers(own.answers if own else {})
        declared = views.declared(user.member_id)
        blocked = ""
        if user.member_id is None:
            blocked = (
                f"Only members present record a view: {html.escape(user.name)} is not on "
                "the attendance."
            )
        elif declared is not None:
            blocked = (
                "You declared an interest in this case"
                + (f" ({html.escape(declared.reason)})" if declared.reason else "")
                + ": you do not record a view on it."
            )
        elif not user.can_judge:
            blocked = (
                f"You attend as {html.escape(user.role_label)}: only panel members record a "
                "view. The members' views stay hidden until you reveal them."
            )
        self.own_box.setVisible(not blocked)
        self.own_box.setTitle(f"Your view — {user.name}")
        self.blocked_label.setText(blocked)
        self.blocked_label.setVisible(bool(blocked))
        self.blocked_fix.setVisible(user.member_id is None)
        done = set(views.recorded)
        waiting = [m for m in views.expected if m not in done]
        parts = [f"✓ {html.escape(names.get(m, '?'))}" for m in views.recorded] + [
            f"… {html.escape(names.get(m, '?'))}" for m in waiting
        ]
        interests = [f"{html.escape(i.name)} declared an interest" for i in views.interests]
        self.views_in_label.setText(
            f"<b>{views.count_text}</b>"
            + (": " + " &nbsp; ".join(parts) if parts else "")
            + ("<br>" + "; ".join(interests) if interests else "")
            + "<br><span style='color:#5b6472'>The views stay hidden until the chair or the "
            "officer reveals them (Ctrl+Shift+V).</span>"
        )
        self.reveal_button.setEnabled(user.can_reveal)
        self.reveal_button.setToolTip(
            "Show every member's view on this case (Ctrl+Shift+V)"
            if user.can_reveal
            else "Only the chair or the scrutiny officer reveals the views"
        )
        self.declare_button.setText(
            "Withdraw my declaration" if declared is not None else "Declare an interest…"
        )
        self.declare_button.setEnabled(user.member_id is not None)

    def show_decision_stage(
        self, case: CaseRow, views: CaseViews | None, *, typed: frozenset[str] = frozenset()
    ) -> None:
        """Stage 2: the revealed views, then the panel's decision as saved.

        ``typed``: text boxes whose typing is not saved yet; they keep what they show.
        """
        outcomes = self.outcomes()
        shown = views.views if views is not None else ()
        self.views_panel.set_views(shown, outcomes)
        self.views_title.setVisible(bool(shown) or bool(views and views.recorded))
        self.views_panel.setVisible(bool(shown))
        agreement = views_agreement([v.outcome_code for v in shown if v.outcome_code], outcomes)
        self.case_agreement_label.setText(agreement)
        self.case_agreement_label.setVisible(bool(agreement))
        self.decision_outcomes.set_checked(case.outcome_code)
        tpl = self._template
        outcome = tpl.template.outcome(case.outcome_code) if (tpl and case.outcome_code) else None
        self.set_consensus(case.consensus or Consensus.UNANIMOUS.value)
        self.consensus_combo.setEnabled(case.decided and not (outcome and outcome.is_carry_over))
        for name in ("observations", "good_practice", "individual_learning",
                     "organisational_learning", "dissent"):  # fmt: skip
            key = f"decision:{name}"
            if key not in typed:
                self.set_text(key, getattr(case, name))
        for key, edit in self.text_edits.items():
            if key.startswith("decision:"):
                edit.setEnabled(case.decided)
        self.set_internal(case.internal)
        self.internal_check.setEnabled(case.decided)
        self.decision_questions.set_answers(case.answers)
        self.decision_questions.set_notes(members_split([v.answers or {} for v in shown]))
        self.decision_questions.setEnabled(case.decided)
        self.decision_hint.setText(
            ""
            if case.decided
            else f"Choose the panel's outcome (keys 1–{self.keys()}) to start the record."
        )
        self.decision_hint.setVisible(not case.decided)

    def keys(self) -> int:
        """How many outcomes have a number key (1-9)."""
        return min(len(self.outcomes()), 9)

    def show_status(
        self, case: CaseRow, views: CaseViews | None, *, saving: bool, failed: bool = False
    ) -> None:
        """Where the case stands, what the keys do, and whether what was typed is saved."""
        keys = self.keys()
        if self.stage == VIEWS:
            own = views.own if views else None
            if own is not None and own.outcome_code:
                label = self.outcomes()[own.outcome_code].label
                state = f"Your view: <b>{html.escape(label)}</b>"
            else:
                state = "Stage 1: each member records their own view"
            hint = f"Press 1–{keys} for your view; Ctrl+Enter: next case."
        else:
            if case.decided:
                state = f"Decided: <b>{html.escape(case.outcome_label)}</b>"
                if case.consensus:
                    consensus = CONSENSUS_LABELS.get(Consensus(case.consensus), case.consensus)
                    state += f" ({consensus.lower()})"
                if case.recorded_by:
                    state += f" · recorded by {html.escape(case.recorded_by)}"
            else:
                state = "Stage 2: the panel decides"
            hint = f"Press 1–{keys} for the panel's outcome; Ctrl+Enter: decided, next case."
        if failed:
            state += (
                " &nbsp;<span style='color:#b00020'>not saved: the text is kept as a draft "
                "and restored when the app next starts</span>"
            )
        elif saving:
            state += " &nbsp;<span style='color:#9a5b00'>saving…</span>"
        else:
            state += " &nbsp;<span style='color:#2e7d32'>✓ saved</span>"
        self.status_label.setText(f"{state}<br><span style='color:#5b6472'>{hint}</span>")

    def set_banner(self, text: str) -> None:
        """A message that matters, at the top of the form ('' hides it)."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def show_acting(self, user: SessionUser) -> None:
        self.acting_button.set_full_text(f"Using the app: {user.label}  ▾")
        self.acting_button.setToolTip(
            "Who is using the app: views and decisions are saved under this name. "
            "Click (or Ctrl+U) to change."
        )
        self.acting_button.setAccessibleName(f"Using the app: {user.label}. Change (Ctrl+U)")


def views_agreement(codes: list[str], outcomes: dict[str, Outcome]) -> str:
    """The revealed views on one case in words: "All 3 members chose ...", "Split: ..."."""
    if not codes:
        return ""
    top = max(set(codes), key=codes.count)
    n = len(codes)
    pairs = n * (n - 1)
    same = sum(codes.count(c) * (codes.count(c) - 1) for c in set(codes))
    if n == 1:
        text = f"One view: {outcomes[top].label}"
    elif codes.count(top) == n:
        text = f"All {n} members chose {outcomes[top].label}"
    else:
        order = list(outcomes)
        split = sorted(set(codes), key=lambda c: (-codes.count(c), order.index(c)))
        text = "Split: " + ", ".join(f"{codes.count(c)} {outcomes[c].label}" for c in split)
    if pairs:
        text += f" · pairwise agreement {100 * same / pairs:.0f}%"
    return text
