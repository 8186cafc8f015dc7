"""Member mode: one member's pack, on their own laptop, offline (issue 12).

The same review as at the meeting, for one person: the pack's cases, the case details, the
member's own view (the outcome by its number key, the template's questions, a note) and a
declaration of interest. Every change is saved into the pack at once (the note within
``NOTE_DELAY_MS`` of the last key), sealed. No import, sampling, report or tracker. The marking
is on screen; the pack locks after ``IDLE_MINUTES`` without a key or a click (the passphrase
opens it again) and once its expiry date has passed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from functools import partial
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain import geo
from scrutiny_app.errors import UserError
from scrutiny_app.gui.models import format_when
from scrutiny_app.gui.review_parts import OutcomeButtons, QuestionsPanel, section, text_edit
from scrutiny_app.packs.member import MemberPack, PackCase
from scrutiny_app.services.session.common import QuestionInfo
from scrutiny_app.services.templates import Outcome

NOTE_DELAY_MS = 100  # the note is on disk, sealed, within ~0.1 s of the last key
IDLE_MINUTES = 10

Opener = Callable[[Path, str], MemberPack]


class PassphraseDialog(QDialog):
    """Ask for a pack's passphrase; a wrong one is said in the dialog, which stays open."""

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        opener: Opener | None = None,
        locked: bool = False,
    ) -> None:
        super().__init__(parent)
        self.path, self.pack = Path(path), None
        self._opener = opener or (lambda p, secret: MemberPack.open(p, secret))
        self.setWindowTitle(f"Open {self.path.name}")
        layout = QVBoxLayout(self)
        marking = QLabel("OFFICIAL-SENSITIVE", objectName="markingLabel")
        layout.addWidget(marking)
        intro = QLabel(
            ("The pack locked itself. " if locked else "")
            + f"Type the passphrase for <b>{html.escape(self.path.name)}</b>: the scrutiny "
            "officer gave it to you apart from the pack."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="passphraseEdit")
        self.edit.setAccessibleName("Passphrase")
        layout.addWidget(self.edit)
        self.problem = QLabel(objectName="passphraseProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)

    def _try(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.pack = self._opener(self.path, self.edit.text())
        except UserError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.edit.selectAll()
            self.edit.setFocus()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.edit.clear()
        self.accept()


class _IdleWatch(QObject):
    """Restarts the lock timer on every key press and click in the application."""

    def __init__(self, timer: QTimer) -> None:
        super().__init__(timer)
        self.timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self.timer.start()
        return False


class MemberWindow(QMainWindow):
    """One member's pack: their cases and their own view of each, saved as they go."""

    def __init__(
        self, pack: MemberPack, *, idle_minutes: float = IDLE_MINUTES, opener: Opener | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("memberWindow")
        self.pack: MemberPack | None = pack
        self.path = pack.path
        self._opener = opener
        self._loading = 0
        self._case: PackCase | None = None
        self._clock = QElapsedTimer()
        self.setWindowTitle(f"Scrutiny — {pack.member_name}'s pack — {self.path.name}")
        self.resize(1180, 720)
        self._build()
        self._note_timer = QTimer(self, singleShot=True, interval=NOTE_DELAY_MS)
        self._note_timer.timeout.connect(self.save_note)
        self.idle = QTimer(self, singleShot=True, interval=int(idle_minutes * 60_000))
        self.idle.timeout.connect(self.lock)
        self._watch = _IdleWatch(self.idle)
        QApplication.instance().installEventFilter(self._watch)
        self.idle.start()
        self._expiry = QTimer(self, interval=60_000)
        self._expiry.timeout.connect(self._check_expiry)
        self._expiry.start()
        self._fill()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.marking = QLabel(objectName="markingBar")
        self.marking.setWordWrap(True)
        self.marking.setStyleSheet(
            "#markingBar { background: #7a1f1f; color: white; padding: 6px 12px; font-weight: bold; }"
        )
        outer.addWidget(self.marking)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.case_list = QListWidget(objectName="packCaseList")
        self.case_list.setAccessibleName("Cases in your pack")
        self.case_list.currentRowChanged.connect(self._row_changed)
        split.addWidget(self.case_list)

        right = QWidget()
        form = QVBoxLayout(right)
        self.details = QLabel(objectName="packCaseDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addWidget(self.details)
        self.closed_label = QLabel(objectName="packClosed")
        self.closed_label.setWordWrap(True)
        form.addWidget(self.closed_label)
        form.addWidget(section("Your view"))
        self.outcomes = OutcomeButtons("packOutcomes")
        self.outcomes.chosen.connect(self.choose)
        form.addWidget(self.outcomes)
        self.questions = QuestionsPanel("packQuestions")
        self.questions.answered.connect(self._answered)
        form.addWidget(self.questions)
        form.addWidget(section("Your note"))
        self.note = text_edit(
            "packNote", "What you noticed: the panel sees it once views are revealed", 5
        )
        self.note.textChanged.connect(self._note_typed)
        form.addWidget(self.note)
        row = QHBoxLayout()
        self.declare_button = QPushButton("Declare an interest…", objectName="packDeclare")
        self.declare_button.clicked.connect(self.declare)
        row.addWidget(self.declare_button)
        row.addStretch(1)
        self.saved_label = QLabel(objectName="packSaved")
        row.addWidget(self.saved_label)
        form.addLayout(row)
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidgetResizable(True)
        scroll.setWidget(right)
        split.addWidget(scroll)
        self.scroll = scroll
        QApplication.instance().focusChanged.connect(self._focus_changed)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        outer.addWidget(split, 1)
        self.setCentralWidget(central)

        menu = self.menuBar().addMenu("&Pack")
        self.action_return = self._action(menu, "&Return my views…", "Ctrl+R", self.write_return)
        self.action_next = self._action(menu, "&Next case", "Ctrl+Return", partial(self.step, 1))
        self._action(menu, "&Previous case", "Ctrl+Shift+Return", partial(self.step, -1))
        self._action(menu, "&Lock now", "Ctrl+L", self.lock)
        menu.addSeparator()
        self._action(menu, "&Close", QKeySequence.StandardKey.Close, self.close)
        self.outcome_actions: list[QAction] = []

    def _action(self, menu, text: str, key, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda *_: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _fill(self) -> None:
        pack = self.pack
        assert pack is not None
        self.marking.setText(
            f"{pack.marking} · {html.escape(pack.title)} · {html.escape(pack.member_name)}'s "
            f"pack · opens until {pack.expires_on:%d %b %Y} · saved in the pack, encrypted"
        )
        outcomes = [
            Outcome(o["code"], o["label"], o["colour"], o["is_concern"], o["is_carry_over"])
            for o in pack.template["outcomes"]
        ]
        self.outcomes.set_outcomes(outcomes)
        for action in self.outcome_actions:
            self.removeAction(action)
        self.outcome_actions = []
        for i, o in enumerate(outcomes[:9]):
            action = QAction(self)
            action.setShortcut(QKeySequence(str(i + 1)))
            action.triggered.connect(lambda *_, c=o.code: self.choose(c))
            self.addAction(action)
            self.outcome_actions.append(action)
        self.questions.set_questions(
            [
                QuestionInfo(q["key"], q["text"], q["group"], tuple(q["answers"]))
                for q in pack.template["questions"]
            ]
        )
        self._set_tab_order()
        self._loading += 1
        try:
            self.case_list.clear()
            for c in pack.cases():
                item = QListWidgetItem(self._item_text(c))
                item.setData(Qt.ItemDataRole.UserRole, c.reference)
                self.case_list.addItem(item)
        finally:
            self._loading -= 1
        first = next((i for i, c in enumerate(pack.cases()) if not c.done and not c.closed), 0)
        self.case_list.setCurrentRow(first)
        self._row_changed(first)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The field that takes the focus is scrolled into view (keyboard users see it)."""
        if new is not None and self.scroll.widget().isAncestorOf(new):
            self.scroll.ensureWidgetVisible(new, 16, 16)

    def _relabel(self, c: PackCase) -> None:
        """The list's line for ``c`` (found by reference: the list may have moved on)."""
        for row in range(self.case_list.count()):
            item = self.case_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == c.reference:
                item.setText(self._item_text(c))
                return

    def _set_tab_order(self) -> None:
        """Tab follows the page: the list, the outcomes, the questions, the note, declare."""
        chain: list[QWidget] = [self.case_list, *self.outcomes.buttons.values()]
        seen: set[str] = set()
        for (key, _answer), radio in self.questions.radios.items():
            if key not in seen:  # a group is one stop; the arrow keys move within it
                seen.add(key)
                chain.append(radio)
        chain += [self.note, self.declare_button]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    def _item_text(self, c: PackCase) -> str:
        assert self.pack is not None
        if c.interest is not None:
            mine = "interest declared"
        elif c.outcome_code:
            mine = "✓ " + self.pack.outcome_label(c.outcome_code)
        elif c.closed:
            mine = "closed"
        else:
            mine = "to do"
        return f"{c.position + 1}. {c.reference} — {mine}\n    {c.summary}"

    # ------------------------------------------------------------------ a case

    def _row_changed(self, row: int) -> None:
        if self._loading or self.pack is None or row < 0:
            return
        self.leave_case()
        ref = self.case_list.item(row).data(Qt.ItemDataRole.UserRole)
        self._case = self.pack.case(ref)
        self._clock.start()
        self._show_case()

    def _show_case(self) -> None:
        c = self._case
        if c is None:
            return
        lines = [f"<h3>{html.escape(c.reference)}</h3><p>{html.escape(c.summary)}</p><table>"]
        labels = {f["key"]: f["label"] for f in self.pack.template["fields"]} if self.pack else {}
        details = dict(c.details)
        place = geo.location_text(details.get("latitude"), details.get("longitude"))
        if place:  # a place to look up, not two bare numbers
            details.pop("latitude")
            details.pop("longitude")
            details["location"] = place
        for key, value in details.items():
            if value in (None, "", [], {}):
                continue
            if key == "occurred_at":
                label, text = "Date", format_when(dt.datetime.fromisoformat(value))
            else:
                label = labels.get(key, key.replace("_", " ").capitalize())
                text = (
                    {True: "Yes", False: "No"}.get(value, str(value))
                    if isinstance(value, bool)
                    else str(value)
                )
            lines.append(
                f"<tr><td><b>{html.escape(label)}</b>&nbsp;&nbsp;</td>"
                f"<td>{html.escape(text)}</td></tr>"
            )
        self.details.setText("".join(lines) + "</table>")
        editable = c.closed is None and c.interest is None
        reason = c.closed or (
            f"You declared an interest ({c.interest or 'no reason given'}): no view from you."
            if c.interest is not None
            else ""
        )
        self.closed_label.setText(reason)
        self.closed_label.setVisible(bool(reason))
        self._loading += 1
        try:
            self.outcomes.set_checked(c.outcome_code)
            self.questions.set_answers(c.answers)
            if self.note.toPlainText() != c.note:
                self.note.setPlainText(c.note)
        finally:
            self._loading -= 1
        for w in (self.outcomes, self.questions, self.note):
            w.setEnabled(editable)
        self.declare_button.setEnabled(c.closed is None)
        self.declare_button.setText(
            "Withdraw the declaration" if c.interest is not None else "Declare an interest…"
        )

    def leave_case(self) -> None:
        """Save the note being typed and the time spent on the case shown."""
        self.save_note()
        c = self._case
        if c is not None and self.pack is not None and self._clock.isValid():
            seconds = int(self._clock.elapsed() // 1000)
            if seconds:
                self._save(lambda p: p.add_time(c.reference, seconds), quiet=True)
            self._clock.invalidate()

    def step(self, delta: int) -> None:
        row = self.case_list.currentRow() + delta
        if 0 <= row < self.case_list.count():
            self.case_list.setCurrentRow(row)
            self.outcomes.focus_target().setFocus()

    # ------------------------------------------------------------------ saving

    def _save(self, change: Callable[[MemberPack], object], *, quiet: bool = False) -> bool:
        if self.pack is None:
            return False
        try:
            change(self.pack)
        except (UserError, OSError) as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return False
        if self._case is not None:
            saved = self.pack.case(self._case.reference)
            self._case = saved
            self._relabel(saved)
        if not quiet:
            now = dt.datetime.now().strftime("%H:%M:%S")
            self.saved_label.setText(f"✓ saved in the pack at {now}")
        return True

    def choose(self, code: str) -> None:
        c = self._case
        if c is None or self._loading or not self.outcomes.isEnabled():
            return
        self.save_note()
        self._save(lambda p: p.record_view(c.reference, outcome_code=code))
        self._show_case()

    def _answered(self, key: str, answer: str) -> None:
        c = self._case
        if c is not None and not self._loading:
            self._save(lambda p: p.record_view(c.reference, answers={key: answer}))

    def _note_typed(self) -> None:
        if not self._loading:
            self.saved_label.setText("saving…")
            self._note_timer.start()

    def save_note(self) -> None:
        self._note_timer.stop()
        c = self._case
        if c is None or self.pack is None or not self.note.isEnabled():
            return
        text = self.note.toPlainText()
        if text != self.pack.case(c.reference).note:
            self._save(lambda p: p.record_view(c.reference, note=text))

    def declare(self) -> None:
        c = self._case
        if c is None:
            return
        if c.interest is not None:
            self._save(lambda p: p.withdraw_interest(c.reference))
        else:
            reason, ok = QInputDialog.getText(
                self,
                "Declare an interest",
                f"Why you should not judge {c.reference} (for the officer; your view on it, "
                "if any, is withdrawn):",
            )
            if not ok:
                return
            self._save(lambda p: p.declare_interest(c.reference, reason))
        self._show_case()

    def write_return(self) -> None:
        if self.pack is None:
            return
        self.leave_case()
        suggested = self.path.with_name(
            f"{self.path.stem}-{dt.date.today():%Y%m%d}.scrutiny-return"
        )
        name, _ = QFileDialog.getSaveFileName(
            self, "Return my views", str(suggested), "Returns (*.scrutiny-return)"
        )
        if not name:
            return
        try:
            written = self.pack.write_return(Path(name))
        except (UserError, OSError) as exc:
            QMessageBox.warning(self, "Return not written", str(exc))
            return
        QMessageBox.information(
            self,
            "Return written",
            f"{written.path.name}: {written.cases} case(s) changed, {written.views} with your "
            "view. Send it to the scrutiny officer: only their database can open it, and any "
            "change to it on the way is detected.",
        )
        self._clock.start()

    # ------------------------------------------------------------------ locking

    def lock(self) -> None:
        """Forget the key and the cases; the passphrase opens the pack again."""
        if self.pack is None:
            return
        self.leave_case()
        self.pack = self._case = None
        self._loading += 1
        try:  # nothing of the pack stays on screen or in the widgets
            self.case_list.clear()
            self.note.clear()
            self.details.clear()
        finally:
            self._loading -= 1
        self.centralWidget().hide()
        self.menuBar().setEnabled(False)
        self.setWindowTitle(f"Scrutiny — {self.path.name} (locked)")
        QTimer.singleShot(0, self._unlock)

    def _unlock(self) -> None:
        dialog = PassphraseDialog(self.path, self, opener=self._opener, locked=True)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.pack is None:
            self.close()
            return
        self.pack, dialog.pack = dialog.pack, None
        dialog.deleteLater()
        self.centralWidget().show()
        self.menuBar().setEnabled(True)
        self.setWindowTitle(f"Scrutiny — {self.pack.member_name}'s pack — {self.path.name}")
        self._fill()
        self.idle.start()

    def _check_expiry(self) -> None:
        if self.pack is not None and dt.date.today() > self.pack.expires_on:
            self.lock()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.leave_case()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._watch)
            app.focusChanged.disconnect(self._focus_changed)
        super().closeEvent(event)


def run_member(path: str, argv: list[str] | None = None) -> int:
    """Open a pack in member mode (``scrutiny-app open PACK``)."""
    from scrutiny_app.gui.app import prepare_app

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [])
    prepare_app(app)
    dialog = PassphraseDialog(Path(path))
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.pack is None:
        return 1
    pack, dialog.pack = dialog.pack, None  # the window alone holds the key (a lock drops it)
    window = MemberWindow(pack)
    del pack
    window.show()
    return app.exec()
