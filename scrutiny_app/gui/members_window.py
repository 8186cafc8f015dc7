"""The members window: a panel's members with their vetting and confidentiality agreement
dates; add, edit, retire. Vetting that expired or expires within 30 days is said at the top.
The rules (who may attend, who gets a pack) are ``services.panels``'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain.vocab import MemberRole
from scrutiny_app.errors import UserError
from scrutiny_app.gui.dialogs import from_qdate, to_qdate
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.people import computer_user
from scrutiny_app.services import panels
from scrutiny_app.services.panels import MemberDetails, role_label
from scrutiny_app.storage.database import Database

COLUMNS = ("Name", "Role", "Organisation", "Vetting", "Confidentiality agreement", "Status")


class _OptionalDate(QWidget):
    """A date that may be "not recorded" (the check box off)."""

    def __init__(self, label: str, value: dt.date | None, today: dt.date) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox(label)
        self.edit = QDateEdit(to_qdate(value or today))
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("dd MMM yyyy")
        self.check.setChecked(value is not None)
        self.edit.setEnabled(value is not None)
        self.check.toggled.connect(self.edit.setEnabled)
        row.addWidget(self.check)
        row.addWidget(self.edit, 1)

    def value(self) -> dt.date | None:
        return from_qdate(self.edit.date()) if self.check.isChecked() else None


class MemberDialog(QDialog):
    """Add a member, or edit one (``member``)."""

    def __init__(
        self,
        parent: QWidget | None,
        save: Callable[[dict], object],
        member: MemberDetails | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        today = today or dt.date.today()
        self.setObjectName("memberDialog")
        self.setWindowTitle(f"Edit {member.name}" if member else "Add a member")
        self._save = save
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(member.name if member else "", objectName="memberName")
        self.role = QComboBox(objectName="memberRole")
        for role in MemberRole:
            self.role.addItem(role_label(role), role.value)
        self.role.setCurrentIndex(
            max(self.role.findData(member.role if member else MemberRole.MEMBER.value), 0)
        )
        self.organisation = QLineEdit(member.organisation if member else "")
        self.vetting = _OptionalDate(
            "&Vetted until", member.vetting_expiry if member else None, today
        )
        self.vetting.setObjectName("memberVetting")
        self.agreement = _OptionalDate(
            "&Signed on", member.confidentiality_signed if member else None, today
        )
        for text, widget in (("&Name", self.name), ("&Role", self.role),
                             ("&Organisation", self.organisation)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("Vetting", self.vetting)
        form.addRow("Confidentiality agreement", self.agreement)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.setFocus()

    def values(self) -> dict:
        return {
            "name": self.name.text(),
            "role": self.role.currentData(),
            "organisation": self.organisation.text().strip(),
            "vetting_expiry": self.vetting.value(),
            "confidentiality_signed": self.agreement.value(),
        }

    def accept(self) -> None:
        try:
            self._save(self.values())
        except (UserError, ValueError) as exc:
            show_error(self, self.windowTitle(), exc)
            return
        super().accept()


class MembersWindow(QDialog):
    def __init__(
        self,
        db: Database,
        panel_id: int,
        panel_name: str,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.panel_id, self.today = db, panel_id, today or dt.date.today()
        self.setObjectName("membersWindow")
        self.setWindowTitle(f"Members of {panel_name}")
        self.resize(980, 480)
        layout = QVBoxLayout(self)
        self.warning = QLabel(objectName="vettingWarning", wordWrap=True)
        layout.addWidget(self.warning)
        self.table = QTableWidget(0, len(COLUMNS), objectName="membersTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the organisation
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(lambda _i: self.edit_member())
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add…", objectName="addMember")
        self.edit_button = QPushButton("&Edit…", objectName="editMember")
        self.retire_button = QPushButton("&Retire", objectName="retireMember")
        self.add_button.clicked.connect(self.add_member)
        self.edit_button.clicked.connect(self.edit_member)
        self.retire_button.clicked.connect(self.toggle_retired)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for b in (self.add_button, self.edit_button, self.retire_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.members: list[MemberDetails] = []
        self.reload()
        self.table.setFocus()

    def reload(self, select_id: int | None = None) -> None:
        self.members = panels.member_details(self.db, self.panel_id)
        self.table.setRowCount(len(self.members))
        for r, m in enumerate(self.members):
            state = m.vetting_state(self.today)
            values = (
                m.name, role_label(m.role), m.organisation, m.vetting_text(self.today),
                f"Signed {m.confidentiality_signed:%d %b %Y}" if m.confidentiality_signed
                else "Not recorded",
                "Active" if m.active else "Retired",
            )  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, m.id)
                if c == 3 and state in ("expired", "expires soon") and m.active:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
            if m.id == select_id:
                self.table.selectRow(r)
        warned = [
            f"{m.name}: {m.vetting_text(self.today)}"
            for m in self.members
            if m.active and m.vetting_state(self.today) in ("expired", "expires soon")
        ]
        self.warning.setText(
            "<b>Vetting needs renewing:</b> " + "; ".join(warned) if warned else ""
        )
        self.warning.setVisible(bool(warned))
        if select_id is None and self.members:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> MemberDetails | None:
        rows = self.table.selectionModel().selectedRows()
        return self.members[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        m = self.selected()
        self.edit_button.setEnabled(m is not None)
        self.retire_button.setEnabled(m is not None)
        self.retire_button.setText("&Reinstate" if m is not None and not m.active else "&Retire")

    def add_member(self) -> None:
        created: list[int] = []

        def save(v: dict) -> None:
            created.append(panels.add_member(self.db, self.panel_id, actor=computer_user(), **v))

        if MemberDialog(self, save, today=self.today).exec() == QDialog.DialogCode.Accepted:
            self.reload(created[-1] if created else None)

    def edit_member(self) -> None:
        m = self.selected()
        if m is None:
            return

        def save(v: dict) -> None:
            panels.update_member(self.db, m.id, actor=computer_user(), **v)

        if MemberDialog(self, save, m, today=self.today).exec() == QDialog.DialogCode.Accepted:
            self.reload(m.id)

    def toggle_retired(self) -> None:
        m = self.selected()
        if m is None:
            return
        try:
            panels.update_member(self.db, m.id, active=not m.active, actor=computer_user())
        except UserError as exc:
            show_error(self, self.windowTitle(), exc)
            return
        self.reload(m.id)
