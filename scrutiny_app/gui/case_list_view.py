"""Browse a meeting's whole imported population, a million cases if need be.

The model holds only :class:`~scrutiny_app.services.case_list.CaseList` (ordered ids or a
row-number mapping, plus a page cache); clicking a header sorts in SQL, the filter box filters
in SQL. No QSortFilterProxyModel: it needed minutes to sort a million rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from scrutiny_app.services.case_list import COLUMNS, CaseList, CaseListQuery
from scrutiny_app.storage.database import Database

AnyIndex = QModelIndex | QPersistentModelIndex


class CaseListModel(QAbstractTableModel):
    def __init__(self, cases: CaseList, fields: list[tuple[str, str]]) -> None:
        super().__init__()
        self.cases = cases
        self.columns: list[tuple[str, str]] = [(k, v[0]) for k, v in COLUMNS.items()] + fields

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cases)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.columns[section][1]
            return str(section + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self.cases.row(index.row()).value(self.columns[index.column()][0])
        if value is None:
            return ""
        if hasattr(value, "strftime"):
            return value.strftime("%d %b %Y %H:%M")
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.cases.resort(self.columns[column][0], order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def refilter(self, text: str) -> None:
        self.beginResetModel()
        self.cases.refilter(text)
        self.endResetModel()


class CaseListDialog(QDialog):
    """The population window: a filter box and the lazy table."""

    def __init__(
        self,
        db: Database,
        meeting_id: int,
        fields: list[tuple[str, str]],
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Imported cases: {title}")
        self.model = CaseListModel(CaseList(db, CaseListQuery(meeting_id=meeting_id)), fields)
        self.filter = QLineEdit(objectName="caseFilter")
        self.filter.setPlaceholderText("Filter: reference, area or any value")
        self.count = QLabel(objectName="caseCount")
        self.table = QTableView(objectName="caseTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(lambda _t: self._timer.start())
        marking = QLabel("OFFICIAL-SENSITIVE", objectName="markingBadge")
        layout = QVBoxLayout(self)
        layout.addWidget(marking)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self._show_count()
        self.resize(1200, 700)

    def _apply_filter(self) -> None:
        self.model.refilter(self.filter.text())
        self._show_count()

    def _show_count(self) -> None:
        self.count.setText(f"{len(self.model.cases):,} cases")
