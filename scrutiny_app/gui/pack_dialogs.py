"""The officer's side of members' packs (issue 12): make a pack per member, and merge the
returns, with each conflict shown side by side for the officer to choose."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui import background
from scrutiny_app.gui.messages import show_error
from scrutiny_app.packs import merge
from scrutiny_app.packs.export import DEFAULT_DAYS, PackMade, make_pack, new_passphrase
from scrutiny_app.services import panels
from scrutiny_app.services.progress import CancelToken, ProgressFn
from scrutiny_app.storage.database import Database

ACTION_WORDS = {
    merge.ADD: "new view",
    merge.UPDATE: "changed view",
    merge.CONFLICT: "conflict: choose",
    merge.REFUSED: "refused",
}


def state_text(state: dict[str, Any], outcome_label: Callable[[str | None], str]) -> str:
    """A member's state on a case in one line: outcome, note, answers or the interest."""
    if state.get("interest") is not None:
        return f"interest declared ({state['interest'] or 'no reason given'})"
    view = state.get("view")
    if not view:
        return "no view"
    parts = [outcome_label(view.get("outcome_code")) or "no outcome"]
    if view.get("note"):
        parts.append(f"\u201c{view['note']}\u201d")
    if view.get("answers"):
        parts.append(", ".join(f"{k}: {v}" for k, v in sorted(view["answers"].items())))
    return " · ".join(parts)


class MergeDialog(QDialog):
    """The returns chosen, what each would change, and the conflicts to decide; Merge applies
    them all in one transaction (nothing if any conflict is undecided)."""

    def __init__(
        self,
        db: Database,
        meeting_id: int,
        paths: Sequence[Path],
        parent: QWidget | None = None,
        *,
        actor: str = "",
    ) -> None:
        super().__init__(parent)
        self.db, self.meeting_id, self.actor = db, meeting_id, actor
        self.result_: merge.MergeResult | None = None
        self.previews: list[merge.ReturnPreview] = []
        self.problems: list[tuple[Path, str]] = []
        self.choices: dict[tuple[str, str], str] = {}
        template = panels.panel_of_meeting(db, meeting_id).template
        self._label = template.label
        self.setWindowTitle("Merge members' returns")
        self.resize(1100, 620)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Each return is checked before anything changes: it must come from a pack this "
            "database made for this meeting, unaltered. A case changed both at the desk and in "
            "the member's pack is a <b>conflict</b>: choose which view to keep."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.returns_table = QTableWidget(0, 4, objectName="returnsTable")
        self.returns_table.setHorizontalHeaderLabels(["File", "Member", "Written", "What it does"])
        self.changes_table = QTableWidget(0, 5, objectName="mergeChangesTable")
        self.changes_table.setHorizontalHeaderLabels(
            ["Member", "Case", "Change", "In the member's pack", "At the desk now"]
        )
        for table in (self.returns_table, self.changes_table):
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setWordWrap(True)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
            table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.changes_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch
        )
        layout.addWidget(self.returns_table, 2)
        layout.addWidget(QLabel("<b>What merging changes</b>"))
        layout.addWidget(self.changes_table, 3)
        self.status = QLabel(objectName="mergeStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton("Add returns…", QDialogButtonBox.ButtonRole.ActionRole)
        self.add_button.clicked.connect(self.choose_files)
        self.merge_button = buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.clicked.connect(self.apply)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_paths(paths)

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Members' returns", "", "Returns (*.scrutiny-return);;All files (*)"
        )
        self.add_paths([Path(n) for n in names])

    def add_paths(self, paths: Sequence[Path]) -> None:
        known = {p.path for p in self.previews} | {p for p, _ in self.problems}
        for path in paths:
            if Path(path) in known:
                continue
            try:
                self.previews.append(
                    merge.read_return(self.db, Path(path), meeting_id=self.meeting_id)
                )
            except UserError as exc:
                self.problems.append((Path(path), str(exc)))
        self._fill()

    def _fill(self) -> None:
        t = self.returns_table
        t.setRowCount(0)
        for p in self.previews:
            self._add_row(
                t,
                [
                    p.path.name,
                    p.member,
                    p.created[:16].replace("T", " "),
                    p.summary + (" · marks them present" if p.marks_present else ""),
                ],
            )
        for path, problem in self.problems:
            self._add_row(t, [path.name, "—", "—", f"refused: {problem}"], refused=True)
        c = self.changes_table
        for r in range(c.rowCount()):
            c.removeCellWidget(r, 2)
        c.setRowCount(0)
        for p in self.previews:
            if p.merged_on is not None:
                continue
            for row in p.rows:
                if row.action not in ACTION_WORDS:
                    continue
                change = ACTION_WORDS[row.action]
                if row.action == merge.REFUSED:
                    change += f": {row.reason}"
                i = self._add_row(
                    c,
                    [
                        p.member,
                        row.reference,
                        change,
                        state_text(row.member, self._label),
                        state_text(row.desk, self._label),
                    ],
                    refused=row.action == merge.REFUSED,
                )
                if row.action == merge.CONFLICT:
                    c.setCellWidget(i, 2, self._chooser(p.return_id, row))
        self._update()

    def _add_row(self, table: QTableWidget, texts: list[str], *, refused: bool = False) -> int:
        i = table.rowCount()
        table.insertRow(i)
        for j, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if refused:
                item.setForeground(Qt.GlobalColor.darkRed)
            table.setItem(i, j, item)
        return i

    def _chooser(self, return_id: str, row: merge.Row) -> QComboBox:
        combo = QComboBox(objectName=f"choose_{row.reference}")
        combo.setAccessibleName(f"Conflict on {row.reference}: which view to keep")
        combo.addItem("Conflict: choose…", None)
        combo.addItem("Keep the pack's", merge.RETURN)
        combo.addItem("Keep the desk's", merge.DESK)
        key = (return_id, row.case)
        if key in self.choices:
            combo.setCurrentIndex(combo.findData(self.choices[key]))

        def chosen(_index: int) -> None:
            side = combo.currentData()
            if side is None:
                self.choices.pop(key, None)
            else:
                self.choices[key] = side
            self._update()

        combo.currentIndexChanged.connect(chosen)
        return combo

    def open_conflicts(self) -> list[str]:
        return [
            r.reference
            for p in self.previews
            if p.merged_on is None
            for r in p.conflicts
            if (p.return_id, r.case) not in self.choices
        ]

    def _update(self) -> None:
        waiting = self.open_conflicts()
        todo = [p for p in self.previews if p.merged_on is None]
        if self.problems:
            self.status.setText(
                f"{len(self.problems)} file(s) refused (in red above): nothing from them is "
                "merged. The others can be."
            )
        elif waiting:
            self.status.setText(f"Choose a view for each conflict ({', '.join(waiting)}).")
        elif todo:
            self.status.setText("Ready to merge.")
        else:
            self.status.setText("Nothing to merge.")
        self.merge_button.setEnabled(bool(todo) and not waiting)

    def apply(self) -> None:
        try:
            self.result_ = merge.merge_returns(
                self.db, self.previews, choices=self.choices, actor=self.actor
            )
        except UserError as exc:
            self.status.setText(str(exc))
            return
        self.accept()


class MakePacksDialog(QDialog):
    """One pack per chosen member, each with its own generated passphrase to give by hand."""

    def __init__(
        self,
        db: Database,
        meeting_id: int,
        parent: QWidget | None = None,
        *,
        actor: str = "",
        folder: str = "",
        kdf_n: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.meeting_id, self.actor, self.kdf_n = db, meeting_id, actor, kdf_n
        self.made: list[tuple[PackMade, str]] = []
        info = panels.meeting_info(db, meeting_id)
        self.setWindowTitle("Member packs")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A pack holds this meeting's cases for one member to read and record their views "
            "offline, on their own laptop; only their passphrase opens it. Give each member "
            "their passphrase by another route than the pack (in person or by phone)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.members = QListWidget(objectName="packMembers")
        for m in panels.list_members(db, info.panel_id):
            if m.role not in panels.JUDGING_ROLES:
                continue
            item = QListWidgetItem(f"{m.name} ({panels.role_label(m.role)})")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, m.name)
            item.setCheckState(Qt.CheckState.Checked)
            self.members.addItem(item)
        form = QFormLayout()
        form.addRow("Members", self.members)
        self.expires = QDateEdit(QDate.currentDate().addDays(DEFAULT_DAYS), calendarPopup=True)
        self.expires.setMinimumDate(QDate.currentDate())
        form.addRow("Opens until", self.expires)
        row = QHBoxLayout()
        self.folder = QLabel(folder or str(Path.home()))
        pick = QPushButton("Choose…")
        pick.clicked.connect(self._pick_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(pick)
        form.addRow("Save in", row)
        layout.addLayout(form)
        self.result_table = QTableWidget(0, 3, objectName="packsMade")
        self.result_table.setHorizontalHeaderLabels(["Member", "Pack", "Passphrase"])
        self.result_table.horizontalHeader().setStretchLastSection(True)
        self.result_table.hide()
        layout.addWidget(self.result_table)
        buttons = QDialogButtonBox()
        self.make_button = buttons.addButton("Make packs", QDialogButtonBox.ButtonRole.ActionRole)
        self.make_button.clicked.connect(self.make)
        self.copy_button = buttons.addButton(
            "Copy passphrases", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.clicked.connect(self.copy)
        self.copy_button.hide()
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._date = info.date

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the packs in", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def make(self) -> None:
        """Seal a pack per chosen member, off the GUI thread (scrypt takes ~0.3 s each)."""
        folder = Path(self.folder.text())
        expires = self.expires.date().toPython()
        assert isinstance(expires, dt.date)
        extra = {"kdf_n": self.kdf_n} if self.kdf_n else {}
        chosen = []
        for i in range(self.members.count()):
            item = self.members.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                name = item.data(Qt.ItemDataRole.UserRole + 1)
                slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
                path = folder / f"{slug}-{self._date:%Y-%m-%d}.scrutiny"
                chosen.append((item.data(Qt.ItemDataRole.UserRole), name, path))
        if not chosen:
            return

        def work(progress: ProgressFn, cancel: CancelToken) -> None:
            for i, (member_id, name, path) in enumerate(chosen):
                cancel.check()
                progress(i, len(chosen), f"Sealing {name}'s pack…")
                passphrase = new_passphrase()
                made = make_pack(
                    self.db,
                    self.meeting_id,
                    member_id,
                    path,
                    passphrase,
                    expires_on=expires,
                    actor=self.actor,
                    **extra,
                )
                self.made.append((made, passphrase))  # kept if a later one is cancelled

        self.make_button.setEnabled(False)
        background.run_in_background(
            work,
            lambda _result: None,
            lambda exc: show_error(self, "Member packs", exc),
            parent=self,
            title="Member packs",
            label="Sealing the packs…",
            on_finally=self._show_made,
        )

    def _show_made(self) -> None:
        t = self.result_table
        t.setRowCount(0)
        for made, passphrase in self.made:
            i = t.rowCount()
            t.insertRow(i)
            for j, text in enumerate((made.member, made.path.name, passphrase)):
                t.setItem(i, j, QTableWidgetItem(text))
        t.resizeColumnsToContents()
        t.setVisible(bool(self.made))
        self.copy_button.setVisible(bool(self.made))
        self.make_button.setEnabled(True)

    def copy(self) -> None:
        QApplication.clipboard().setText(
            "\n".join(f"{m.member}: {p} ({m.path.name})" for m, p in self.made)
        )
