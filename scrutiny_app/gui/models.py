"""Item models and delegates: the case table and the two-line panel/meeting tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from scrutiny_app.services.cases import CaseRow
from scrutiny_app.services.templates import TemplateInfo

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 10  # tree: ("panel", id) or ("meeting", id)
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 11  # tree: the grey second line

AnyIndex = QModelIndex | QPersistentModelIndex


def tint(colour: str, alpha: int = 48) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


def format_when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    day = f"{value.day} {value:%b %Y}"
    if isinstance(value, dt.datetime) and (value.hour, value.minute) != (0, 0):
        return f"{day} {value:%H:%M}"
    return day


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[CaseRow], str]
    max_chars: int  # the widest a column grows to fit its contents, in average characters
    sort: Callable[[CaseRow], Any] | None = None


def short_label(label: str) -> str:
    """'Green - good practice' -> 'Green'; 'No consensus / more information' -> 'No consensus'.

    The table and the header counts show this; the colour and the tooltip carry the rest.
    """
    for sep in (" - ", " / ", ", "):
        if sep in label:
            return label.split(sep, 1)[0]
    return label


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _day(row: CaseRow) -> str:
    return format_when(row.occurred_at.date()) if row.occurred_at else ""


COLUMNS: tuple[Column, ...] = (
    Column("position", "#", lambda r: str(r.position + 1), 4, lambda r: r.position),
    Column("reference", "Reference", lambda r: r.reference, 22),
    Column(
        "date",
        "Date",
        _day,
        12,
        lambda r: r.occurred_at.isoformat() if r.occurred_at else "",
    ),
    Column("age", "Age", lambda r: r.age_band, 9),
    Column("gender", "Gender", lambda r: r.gender, 9),
    Column("ethnicity", "Ethnicity", lambda r: r.self_defined_ethnicity, 20),
    Column("summary", "Summary", lambda r: r.summary, 19),
    Column("judgement", "Judgement", lambda r: short_label(r.outcome_label), 24),
    Column("observations", "Observations", lambda r: _one_line(r.observations), 40),
)
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
COLUMN_TOOLTIPS = {
    "position": "Position on the meeting's agenda",
    "ethnicity": "Self-defined ethnicity: as the person described themselves",
    "summary": "The case in brief (for stop and search: object of search / outcome)",
    "judgement": "The panel's judgement (hover a cell for the full outcome)",
}


def _mono_font() -> QFont:
    font = QFont()  # the application font, in a fixed-width family
    font.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "Liberation Mono", "monospace"])
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class CaseTableModel(QAbstractTableModel):
    """The meeting's cases, one row per CaseRow, with the outcome colour on the judgement."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[CaseRow, ...] = ()
        self._template: TemplateInfo | None = None

    # ----------------------------------------------------------------- data in

    def set_rows(self, rows: tuple[CaseRow, ...], template: TemplateInfo | None) -> None:
        self.beginResetModel()
        self._rows, self._template = tuple(rows), template
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows((), None)

    # ----------------------------------------------------------------- lookups

    @property
    def rows(self) -> tuple[CaseRow, ...]:
        return self._rows

    def case_at(self, row: int) -> CaseRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, item_id: int) -> int:
        for i, r in enumerate(self._rows):
            if r.item_id == item_id:
                return i
        return -1

    def _colour(self, row: CaseRow) -> str | None:
        if self._template is None or row.outcome_code is None:
            return None
        outcome = self._template.outcome(row.outcome_code)
        return outcome.colour if outcome else None

    # ----------------------------------------------------------------- Qt API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMN_TOOLTIPS.get(COLUMNS[section].key)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.key == "observations" and row.observations:
                return row.observations
            if column.key == "judgement" and row.decided:
                return f"{row.outcome_label} ({row.consensus or 'no consensus recorded'})"
            if column.key == "date" and row.occurred_at:
                return format_when(row.occurred_at)
            text = column.text(row)
            return text if len(text) > 20 else None
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.text(row).casefold()
        if role == ITEM_ID_ROLE:
            return row.item_id
        if column.key == "judgement":
            colour = self._colour(row)
            if colour is not None:
                if role == Qt.ItemDataRole.DecorationRole:
                    return QColor(colour)
                if role == Qt.ItemDataRole.BackgroundRole:
                    return tint(colour)
            elif role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#6b7280")
            if role == Qt.ItemDataRole.FontRole and row.decided:
                font = QFont()
                font.setBold(True)
                return font
        if column.key == "reference" and role == Qt.ItemDataRole.FontRole:
            return _mono_font()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.key == "position":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class CaseSortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE (dates and positions sort as values, text without case)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class TwoLineDelegate(QStyledItemDelegate):
    """Tree items as a title (bold for panels) over a grey, smaller subtitle."""

    PADDING_V = 6
    CHILD_INDENT = 14  # the tree's own indentation is 0 so the selection spans the full row

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        base = super().sizeHint(option, index)
        fm = QFontMetrics(option.font)
        lines = 2 if index.data(SUBTITLE_ROLE) else 1
        return QSize(base.width(), fm.height() * lines + 2 * self.PADDING_V + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title = opt.text
        subtitle = index.data(SUBTITLE_ROLE) or ""
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        indent = 10 + (self.CHILD_INDENT if index.parent().isValid() else 0)
        rect: QRect = opt.rect.adjusted(indent, self.PADDING_V, -6, -self.PADDING_V)
        painter.save()
        title_font = QFont(opt.font)
        is_panel = (index.data(KEY_ROLE) or ("",))[0] == "panel"
        title_font.setBold(is_panel)
        painter.setFont(title_font)
        fm = QFontMetrics(title_font)
        text_colour = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        painter.setPen(text_colour)
        line = QRect(rect.left(), rect.top(), rect.width(), fm.height())
        painter.drawText(
            line,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(title, Qt.TextElideMode.ElideRight, line.width()),
        )
        if subtitle:
            sub_font = QFont(opt.font)
            sub_font.setPointSizeF(max(opt.font.pointSizeF() - 1, 8))
            painter.setFont(sub_font)
            sfm = QFontMetrics(sub_font)
            grey = QColor(text_colour)
            grey.setAlpha(165)
            painter.setPen(grey)
            sub = QRect(rect.left(), line.bottom() + 2, rect.width(), sfm.height())
            painter.drawText(
                sub,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                sfm.elidedText(subtitle, Qt.TextElideMode.ElideRight, sub.width()),
            )
        painter.restore()
