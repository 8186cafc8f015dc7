"""Dialogs of the panel session: who is using the app, attendance and declarations, a declared
interest in a case, the agreement among members, and the session summary with its chart.

Like the other dialogs they open window-modal without blocking (the main window's
``current_dialog``), and what they change is saved at once through a callback.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain.vocab import MemberRole
from scrutiny_app.gui.charts import Bar, TallyChart
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.style import mix, text_on
from scrutiny_app.services.agreement import MeetingAgreement
from scrutiny_app.services.cases import MeetingCases
from scrutiny_app.services.panels import AttendeeInfo, role_label
from scrutiny_app.services.session import SessionUser, format_duration

MEMBER_ROLE = Qt.ItemDataRole.UserRole + 20
ROLE_VALUE = Qt.ItemDataRole.UserRole + 21


def tally_bars(cases: MeetingCases) -> list[Bar]:
    return [Bar(c.outcome.label, c.count, c.outcome.colour) for c in cases.counts()]


# =========================================================================== who is using


class WhoIsUsingDialog(QDialog):
    """ "Who is using the app?" at the start of a session, from the meeting's attendance."""

    def __init__(
        self,
        parent: QWidget | None,
        users: Sequence[SessionUser],
        *,
        meeting_title: str,
        current: int | None,
        warnings: dict[int, list[str]],
        on_choose: Callable[[SessionUser | None], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WhoIsUsingDialog")
        self.setWindowTitle("Who is using the app?")
        self._on_choose = on_choose
        self._users = list(users)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{html.escape(meeting_title)}</b><br>"
            "Choose yourself: every view and decision you record is saved under your name. "
            "Only the people marked present are listed."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("whoList")
        self.list.setAccessibleName("People present at this meeting")
        for user in self._users:
            extra = warnings.get(user.member_id or -1, [])
            text = user.label + (f"   \u26a0 {'; '.join(extra)}" if extra else "")
            item = QListWidgetItem(text)
            item.setData(MEMBER_ROLE, user.member_id)
            if extra:
                item.setToolTip("Check before this member sees case files: " + "; ".join(extra))
            self.list.addItem(item)
            if user.member_id == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        fm = self.list.fontMetrics()
        self.list.setMinimumHeight(min(len(self._users), 8) * (fm.height() + 12) + 8)
        layout.addWidget(self.list)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            "Use the app as this person", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.not_listed_button = self.buttons.addButton(
            "I am not on the list", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.not_listed_button.setToolTip(
            "Use the app without recording a member's view (e.g. a scrutiny officer who is "
            "not on the attendance)"
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def select(self, member_id: int) -> bool:
        for i in range(self.list.count()):
            if self.list.item(i).data(MEMBER_ROLE) == member_id:
                self.list.setCurrentRow(i)
                return True
        return False

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        member_id = item.data(MEMBER_ROLE)
        user = next(u for u in self._users if u.member_id == member_id)
        self._on_choose(user)
        super().accept()

    def reject(self) -> None:
        self._on_choose(None)
        super().reject()


# =========================================================================== attendance


class _RoleCombo(QComboBox):
    popupHidden = Signal()  # the list closed, chosen or not (Escape does not call hidePopup)

    def showPopup(self) -> None:
        super().showPopup()
        container = self.view().window()
        if container is not self.window():
            container.removeEventFilter(self)
            container.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide and watched is self.view().window():
            self.popupHidden.emit()
        return super().eventFilter(watched, event)


class _RoleDelegate(QStyledItemDelegate):
    """The role column: a drop-down of the roles while editing (F2, Return or a letter).

    The list opens at once; choosing saves, Escape leaves the role as it was (one key each).
    """

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:
        combo = _RoleCombo(parent)
        for role in MemberRole:
            combo.addItem(role.label, role.value)
        combo.setProperty("chosen", False)
        combo.activated.connect(lambda _i: self._chosen(combo))
        # Closed without a choice (Escape): end the editing after activated had its turn.
        combo.popupHidden.connect(lambda: QTimer.singleShot(0, combo, lambda: self._gone(combo)))
        return combo

    def _chosen(self, combo: QComboBox) -> None:
        combo.setProperty("chosen", True)
        self.commitData.emit(combo)
        self.closeEditor.emit(combo)

    def _gone(self, combo: QComboBox) -> None:
        if not combo.property("chosen"):
            self.closeEditor.emit(combo)

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        # Called again when the item changes while the editor is open: the list opens once.
        if editor.property("opened"):
            return
        editor.setProperty("opened", True)
        editor.setCurrentIndex(max(editor.findData(index.data(ROLE_VALUE)), 0))
        QTimer.singleShot(0, editor, editor.showPopup)  # the list opens: arrows and Return choose

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        # The value first: the change is saved when either role changes.
        model.setData(index, editor.currentData(), ROLE_VALUE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class AttendanceDialog(QDialog):
    """Attendance, role at the meeting and general declarations, saved as they are changed.

    A table a keyboard drives: arrows move between members and columns, Space ticks
    "Present" on the member's row, Return (or F2) edits the role or the declarations and
    never closes the dialog from inside the table; Escape or the Close button closes it.
    Declarations wrap in full.
    """

    COLUMNS = ("Member", "Present", "Role at this meeting", "Declarations of interest", "Checks")
    PRESENT, ROLE, DECLARATIONS = 1, 2, 3

    def __init__(
        self,
        parent: QWidget | None,
        attendees: Sequence[AttendeeInfo],
        *,
        meeting_title: str,
        meeting_date: dt.date,
        on_change: Callable[[int, bool, str, str], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AttendanceDialog")
        self.setWindowTitle("Attendance and declarations")
        self._on_change = on_change
        self._loading = True
        self._members = [a.member_id for a in attendees]
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{html.escape(meeting_title)}</b><br>Who is present, in which role, and any "
            "declarations of interest for the meeting as a whole. A declaration about one case "
            "is made on that case (Meeting \u25b8 Declare an interest). Changes are saved as "
            "you make them.<br><span style='color:#5b6472'>Keys: arrows move; Space ticks "
            "Present; Return edits the role or the declarations; Escape closes.</span>"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(attendees), len(self.COLUMNS))
        self.table.setObjectName("attendanceTable")
        self.table.setAccessibleName("Attendance: one row per member")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the Close button
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setItemDelegateForColumn(self.ROLE, _RoleDelegate(self.table))
        for row, a in enumerate(attendees):
            name = QTableWidgetItem(a.name + (f"\n{a.organisation}" if a.organisation else ""))
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            name.setData(MEMBER_ROLE, a.member_id)
            self.table.setItem(row, 0, name)
            present = QTableWidgetItem("Present")
            present.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            present.setCheckState(Qt.CheckState.Checked if a.present else Qt.CheckState.Unchecked)
            present.setData(Qt.ItemDataRole.AccessibleTextRole, f"{a.name} present")
            self.table.setItem(row, self.PRESENT, present)
            role = QTableWidgetItem(MemberRole(a.role).label if a.role else "")
            role.setData(ROLE_VALUE, a.role)
            role.setToolTip("Return or F2 to change")
            self.table.setItem(row, self.ROLE, role)
            declarations = QTableWidgetItem(a.declarations)
            declarations.setToolTip("Return or F2 to edit; type to replace")
            self.table.setItem(row, self.DECLARATIONS, declarations)
            warnings = a.warnings(meeting_date)
            checks = QTableWidgetItem("\u26a0 " + "; ".join(warnings) if warnings else "\u2713")
            checks.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if warnings:
                checks.setForeground(QColor("#9a5b00"))
            self.table.setItem(row, 4, checks)
        header = self.table.horizontalHeader()
        for column, mode in enumerate(
            (QHeaderView.ResizeMode.ResizeToContents,) * 3
            + (QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)
        ):
            header.setSectionResizeMode(column, mode)
        self.table.resizeRowsToContents()
        self.table.itemChanged.connect(self._item_changed)
        self.table.installEventFilter(self)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAutoDefault(False)
        layout.addWidget(buttons)
        if attendees:
            self.table.setCurrentCell(0, self.PRESENT)
        self.table.setFocus()
        self.resize(900, min(190 + 44 * len(attendees), 640))
        self._loading = False

    # ------------------------------------------------------------------ reading and keys

    def row_of(self, member_id: int) -> int:
        return self._members.index(member_id)

    def is_present(self, member_id: int) -> bool:
        item = self.table.item(self.row_of(member_id), self.PRESENT)
        return item.checkState() == Qt.CheckState.Checked

    def role(self, member_id: int) -> str:
        return str(self.table.item(self.row_of(member_id), self.ROLE).data(ROLE_VALUE))

    def declarations(self, member_id: int) -> str:
        return self.table.item(self.row_of(member_id), self.DECLARATIONS).text().strip()

    def toggle_present(self, row: int) -> None:
        item = self.table.item(row, self.PRESENT)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            editing = self.table.state() == QAbstractItemView.State.EditingState
            index = self.table.currentIndex()
            if not editing and index.isValid():
                if event.key() == Qt.Key.Key_Space:
                    self.toggle_present(index.row())
                    return True
                if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    if index.column() in (self.ROLE, self.DECLARATIONS):
                        self.table.edit(index)
                    elif index.column() == self.PRESENT:
                        self.toggle_present(index.row())
                    return True  # never the dialog's default button from inside the table
        return super().eventFilter(watched, event)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() not in (self.PRESENT, self.ROLE, self.DECLARATIONS):
            return
        member_id = self._members[item.row()]
        if item.column() == self.DECLARATIONS:
            self.table.resizeRowToContents(item.row())
        try:
            self._on_change(
                member_id,
                self.is_present(member_id),
                self.role(member_id),
                self.declarations(member_id),
            )
        except Exception as exc:
            show_error(self, "Attendance", exc)


# =========================================================================== declare an interest


class DeclareInterestDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        member: str,
        reference: str,
        on_submit: Callable[[str], Any],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DeclareInterestDialog")
        self.setWindowTitle("Declare an interest")
        self._on_submit = on_submit
        layout = QVBoxLayout(self)
        text = QLabel(
            f"<b>{html.escape(member)}</b> declares an interest in case "
            f"<b>{html.escape(reference)}</b>.<br>They will not record a view on it; a view "
            "already recorded is withdrawn."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("e.g. knows the victim's family")
        form.addRow("&Reason", self.reason_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Declare")
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, self.sizeHint().height())

    def accept(self) -> None:
        try:
            self._on_submit(self.reason_edit.text())
        except Exception as exc:
            show_error(self, self.windowTitle(), exc)
            return
        super().accept()


# =========================================================================== agreement


def kappa_text(agreement: MeetingAgreement) -> str:
    """Kappa to two places; a dash when it is not reported (too few cases, or none)."""
    k = agreement.kappa
    return "\u2014" if k is None or not agreement.kappa_reported else f"{k:.2f}"


class AgreementDialog(QDialog):
    """Agreement among members' own views, and the cases they disagreed on most, side by side."""

    def __init__(
        self,
        parent: QWidget | None,
        agreement: MeetingAgreement,
        *,
        meeting_title: str,
        on_open_case: Callable[[int], None] | None = None,
        most: int = 5,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AgreementDialog")
        self.setWindowTitle("Agreement among the members' views")
        self._on_open_case = on_open_case
        self.agreement = agreement
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        marking = QLabel("OFFICIAL-SENSITIVE")
        marking.setObjectName("markingLabel")
        marking.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(marking)
        title = QLabel(f"<b>{html.escape(meeting_title)}</b>")
        layout.addWidget(title)

        figures = QHBoxLayout()
        if agreement.kappa_reported:
            ci = agreement.interval
            below = agreement.interpretation + (
                f"; 95% CI {ci[0]:.2f} to {ci[1]:.2f}" if ci else ""
            )
        else:
            below = agreement.kappa_words
        self.kappa_label = self._figure(figures, kappa_text(agreement), "Fleiss' kappa", below)
        pct = agreement.percent_agreement
        self.percent_label = self._figure(
            figures,
            "\u2014" if pct is None else f"{pct:.0f}%",
            "Percentage agreement",
            "two members picked at random chose the same outcome",
        )
        measured = len(agreement.measured)
        self._figure(
            figures,
            f"{agreement.unanimous_cases} of {measured}",
            "Cases where all agreed",
            f"{agreement.views} views from {len(agreement.members)} members",
        )
        layout.addLayout(figures)
        self.summary_label = QLabel(f"{agreement.summary} {agreement.caveat}")
        self.summary_label.setWordWrap(True)
        self.summary_label.setObjectName("hintLabel")
        layout.addWidget(self.summary_label)
        per = [
            f"{html.escape(o.label)}: " + ("\u2014" if k is None else f"{k:.2f}")
            for o, k in agreement.per_category()
        ]
        per_label = QLabel("Kappa for each outcome: " + " \u00b7 ".join(per))
        per_label.setWordWrap(True)
        per_label.setObjectName("hintLabel")
        per_label.setVisible(agreement.kappa_reported)
        layout.addWidget(per_label)

        worst = agreement.most_disagreed(most)
        heading = QLabel(
            f"<b>The {len(worst)} case{'s' if len(worst) != 1 else ''} with most disagreement"
            "</b> (double-click a case to open it)"
            if worst
            else "<b>No case split the members.</b>"
        )
        layout.addWidget(heading)
        members = list(agreement.members)
        self.table = QTableWidget(len(worst), 1 + len(members))
        self.table.setObjectName("disagreementTable")
        self.table.setHorizontalHeaderLabels(["Case"] + [name for _, name in members])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        outcomes = {o.code: o for o in agreement.template.outcomes}
        self.item_ids = [c.item_id for c in worst]
        for row, case in enumerate(worst):
            ref = QTableWidgetItem(
                f"{case.reference}\n{case.distinct} outcomes, "
                f"{100 * (case.agreement or 0):.0f}% agreement"
            )
            self.table.setItem(row, 0, ref)
            by_member = {v.member_id: v for v in case.views}
            for col, (member_id, _name) in enumerate(members, start=1):
                view = by_member.get(member_id)
                if view is None:
                    cell = QTableWidgetItem("\u2014")
                else:
                    o = outcomes.get(view.outcome_code)
                    label = o.label if o else view.outcome_code
                    note = " ".join((view.note or "").split())
                    cell = QTableWidgetItem(label + (f"\n{note}" if note else ""))
                    cell.setToolTip(f"{label}\n{note}" if note else label)
                    if o is not None:
                        cell.setBackground(QColor(mix(o.colour, 0.78)))
                        cell.setForeground(QColor(text_on(mix(o.colour, 0.78))))
                self.table.setItem(row, col, cell)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()
        self.table.cellDoubleClicked.connect(self._open)
        self.table.setVisible(bool(worst))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(920, 620)

    @staticmethod
    def _figure(row: QHBoxLayout, value: str, title: str, note: str) -> QLabel:
        box = QWidget()
        box.setObjectName("figureBox")
        layout = QVBoxLayout(box)
        big = QLabel(value)
        big.setObjectName("figureValue")
        layout.addWidget(big)
        small = QLabel(f"<b>{html.escape(title)}</b><br>{html.escape(note)}")
        small.setWordWrap(True)
        layout.addWidget(small)
        row.addWidget(box, 1)
        return big

    def _open(self, row: int, _column: int) -> None:
        if self._on_open_case is not None and 0 <= row < len(self.item_ids):
            self._on_open_case(self.item_ids[row])
            self.accept()


# =========================================================================== session summary


class SessionSummaryDialog(QDialog):
    """Progress, the tally as a bar chart, agreement, time spent and the Commissioner's line."""

    def __init__(
        self,
        parent: QWidget | None,
        cases: MeetingCases,
        *,
        meeting_title: str,
        agreement: MeetingAgreement | None,
        paragraph: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SessionSummaryDialog")
        self.setWindowTitle("Session summary")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        marking = QLabel("OFFICIAL-SENSITIVE")
        marking.setObjectName("markingLabel")
        marking.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(marking)
        layout.addWidget(QLabel(f"<b>{html.escape(meeting_title)}</b>"))
        total_time = sum(r.seconds_spent for r in cases.rows)
        timed = [r for r in cases.rows if r.seconds_spent]
        average = total_time // len(timed) if timed else 0
        self.progress_label = QLabel(
            f"<span style='font-size:14pt; font-weight:600'>{cases.progress_text}</span>"
            f" &nbsp; {cases.carried_over_count} carried over to the next meeting"
        )
        layout.addWidget(self.progress_label)
        self.chart = TallyChart(self, font_scale=1.1)
        self.chart.set_bars(tally_bars(cases))
        layout.addWidget(self.chart)
        longest = sorted(timed, key=lambda r: -r.seconds_spent)[:3]
        time_text = (
            f"Time on the cases: {format_duration(total_time)} in all, "
            f"{format_duration(average)} a case on average."
            + (
                " Longest: "
                + ", ".join(f"{r.reference} ({format_duration(r.seconds_spent)})" for r in longest)
                + "."
                if longest
                else ""
            )
            if timed
            else "No time recorded on the cases yet."
        )
        self.time_label = QLabel(time_text)
        self.time_label.setWordWrap(True)
        layout.addWidget(self.time_label)
        self.agreement_label = QLabel(
            agreement.summary if agreement is not None else "No views revealed yet."
        )
        self.agreement_label.setWordWrap(True)
        layout.addWidget(self.agreement_label)
        layout.addWidget(QLabel("<b>For the Commissioner's update</b>"))
        self.paragraph = QPlainTextEdit(paragraph)
        self.paragraph.setReadOnly(True)
        self.paragraph.setMaximumHeight(self.paragraph.fontMetrics().lineSpacing() * 5 + 16)
        layout.addWidget(self.paragraph)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy paragraph")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.paragraph.toPlainText())
        )
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, self.sizeHint().height())


__all__ = [
    "AgreementDialog",
    "AttendanceDialog",
    "DeclareInterestDialog",
    "SessionSummaryDialog",
    "WhoIsUsingDialog",
    "role_label",
    "tally_bars",
]
