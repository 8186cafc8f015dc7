"""Charts drawn with QPainter (PySide6-Essentials has no QtCharts).

:class:`TallyChart` is the live tally of the panel's decisions as horizontal bars: one row per
outcome of the scheme, its label, a bar in the outcome's colour and the count with its share.
Horizontal bars keep long outcome labels ("No consensus / more information needed") readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    colour: str


class TallyChart(QWidget):
    """Horizontal bars, one per outcome, their length the share of the total (or of
    ``scale_to``)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        font_scale: float = 1.0,
        labels_above: bool = False,
    ) -> None:
        super().__init__(parent)
        self._labels_above = labels_above  # a narrow column: each label on a line of its own
        self._bars: tuple[Bar, ...] = ()
        self._scale_to = 0
        self._font_scale = font_scale
        self._dark = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName("Tally of the panel's decisions")

    # ------------------------------------------------------------------ data

    def set_bars(self, bars: Sequence[Bar], *, scale_to: int = 0) -> None:
        """``scale_to``: the count a full-width bar stands for (default: the total, so a bar's
        length is the share printed beside it)."""
        self._bars = tuple(bars)
        self._scale_to = scale_to
        total = sum(b.count for b in self._bars)
        text = "; ".join(f"{b.label}: {b.count}" for b in self._bars)
        self.setAccessibleDescription(text)
        self.setToolTip(
            "\n".join(f"{b.label}: {b.count} ({self._share(b.count, total)})" for b in self._bars)
        )
        self.updateGeometry()
        self.update()

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self.update()

    @property
    def bars(self) -> tuple[Bar, ...]:
        return self._bars

    @staticmethod
    def _share(count: int, total: int) -> str:
        return f"{100 * count / total:.0f}%" if total else "0%"

    # ------------------------------------------------------------------ geometry

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * self._font_scale)
        return font

    def _row_height(self) -> int:
        factor = 2.9 if self._labels_above else 1.9
        return int(QFontMetrics(self._font()).height() * factor)

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self._font())
        label = max((fm.horizontalAdvance(b.label) for b in self._bars), default=80)
        width = max(label, 260) if self._labels_above else label + 260
        return QSize(width, max(1, len(self._bars)) * self._row_height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, max(1, len(self._bars)) * self._row_height() + 4)

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = self._font()
        painter.setFont(font)
        fm = QFontMetrics(font)
        text = QColor("#f3f4f6" if self._dark else "#1d2330")
        track = QColor("#374151" if self._dark else "#eef1f5")
        total = sum(b.count for b in self._bars)
        scale = max(self._scale_to or total, 1)  # a bar's length is its share, as printed
        width = self.width()
        above = self._labels_above
        label_w = (
            0
            if above
            else min(
                max((fm.horizontalAdvance(b.label) for b in self._bars), default=0) + 12,
                int(width * 0.55),
            )
        )
        number_w = fm.horizontalAdvance("000 (100%)") + 10
        bar_x = label_w
        bar_w = max(width - label_w - number_w, 20)
        row_h = self._row_height()
        bar_h = int(fm.height() * 1.15)
        for i, bar in enumerate(self._bars):
            painter.setPen(text)
            if above:
                label_rect = QRectF(0, i * row_h, width, fm.height() * 1.3)
                y = label_rect.bottom() + 2
                alignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            else:
                label_rect = QRectF(0, i * row_h, label_w - 8, row_h)
                y = i * row_h + (row_h - bar_h) / 2
                alignment = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(
                label_rect,
                int(alignment),
                fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(label_rect.width())),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(QRectF(bar_x, y, bar_w, bar_h), 3, 3)
            filled = bar_w * bar.count / scale
            if filled > 0:
                painter.setBrush(QColor(bar.colour))
                painter.drawRoundedRect(QRectF(bar_x, y, max(filled, 4), bar_h), 3, 3)
            painter.setPen(QPen(text))
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(
                QRectF(bar_x + bar_w + 8, y, number_w, bar_h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                f"{bar.count} ({self._share(bar.count, total)})",
            )
            painter.setFont(font)
        painter.end()
