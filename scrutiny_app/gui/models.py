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

from scrutiny_app.domain.when import calendar_date, show_when
from scrutiny_app.services.cases import CaseRow, CaseState
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
    """A stored date or time as a person reads it: UK local time (the date rule,
    :mod:`scrutiny_app.domain.when`)."""
    return show_when(value)


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
    return format_when(calendar_date(row.occurred_at)) if row.occurred_at else ""


STATE_ORDER = {
    CaseState.NOT_STARTED: 0,
    CaseState.VIEWS_IN: 1,
    CaseState.DECIDED: 2,
    CaseState.CARRIED_OVER: 3,
}
STATE_COLOURS = {
    CaseState.NOT_STARTED: "#6b7280",
    CaseState.VIEWS_IN: "#1f4e8c",
    CaseState.DECIDED: "#1b5e20",
    CaseState.CARRIED_OVER: "#7a4b00",
}


def state_text(row: CaseRow) -> str:
    """'Not started', 'Views in · 2', 'Revealed · 3', 'Decided', 'Carried over'."""
    state = row.state
    if state == CaseState.VIEWS_IN:
        return f"{'Revealed' if row.revealed else 'Views in'} \u00b7 {row.views}"
    return state.label


COLUMNS: tuple[Column, ...] = (
    Column("position", "#", lambda r: str(r.position + 1), 4, lambda r: r.position),
    Column("reference", "Reference", lambda r: r.reference, 22),
    Column("state", "State", state_text, 14, lambda r: (STATE_ORDER[r.state], r.position)),
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
    "state": "Not started, members' views in (hidden until revealed), decided, or carried over",
}
# Columns the session layout shows (the case details give the rest); the others are a
# right-click on the header away.
SESSION_COLUMNS = ("position", "reference", "state", "judgement")


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

    def update_row(self, new: CaseRow) -> bool:
        """Replace the row of ``new.item_id`` in place (no reset: selection and scroll stay)."""
        row = self.row_of(new.item_id)
        if row < 0:
            return False
        rows = list(self._rows)
        rows[row] = new
        self._rows = tuple(rows)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return True

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
            if column.key == "state":
                return {
                    CaseState.NOT_STARTED: "No member has recorded a view yet",
                    CaseState.VIEWS_IN: (
                        f"{row.views} member view(s), revealed: the panel decides next"
                        if row.revealed
                        else f"{row.views} member view(s) in, hidden until revealed"
                    ),
                    CaseState.DECIDED: "The panel has decided",
                    CaseState.CARRIED_OVER: "No consensus: carried over to the next meeting",
                }[row.state]
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
        if column.key == "state" and role == Qt.ItemDataRole.ForegroundRole:
            return QColor(STATE_COLOURS[row.state])
        if column.key == "reference" and role == Qt.ItemDataRole.FontRole:
            return _mono_font()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.key == "position":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


STATE_FILTERS: tuple[tuple[str, frozenset[CaseState]], ...] = (
    ("All cases", frozenset(CaseState)),
    ("Not decided yet", frozenset({CaseState.NOT_STARTED, CaseState.VIEWS_IN})),
    ("Not started", frozenset({CaseState.NOT_STARTED})),
    ("Views in", frozenset({CaseState.VIEWS_IN})),
    ("Decided", frozenset({CaseState.DECIDED, CaseState.CARRIED_OVER})),
    ("Carried over", frozenset({CaseState.CARRIED_OVER})),
)


class CaseSortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE (dates and positions sort as values, text without case), and filters
    by state and by text (reference, summary, tags).

    The ``pinned`` case always passes the filter, so the case being worked on does not vanish
    from under the user when its state changes (e.g. deciding it under "Not decided yet").
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._states: frozenset[CaseState] = frozenset(CaseState)
        self._text = ""
        self.pinned: int | None = None

    def set_filter(
        self, states: frozenset[CaseState] | None = None, text: str | None = None
    ) -> None:
        if states is not None:
            self._states = states
        if text is not None:
            self._text = " ".join(text.casefold().split())
        self.refilter()

    def refilter(self) -> None:
        """Apply the filter again (``invalidateFilter`` is deprecated from Qt 6.10)."""
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self.endFilterChange()
        else:  # Qt before 6.10
            self.invalidateFilter()

    @property
    def filtering(self) -> bool:
        return self._states != frozenset(CaseState) or bool(self._text)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, CaseTableModel):
            return True
        row = model.case_at(source_row)
        if row is None:
            return False
        if self.pinned is not None and row.item_id == self.pinned:
            return True
        if row.state not in self._states:
            return False
        if self._text:
            haystack = " ".join((row.reference, row.summary, " ".join(row.tags))).casefold()
            return self._text in haystack
        return True

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
