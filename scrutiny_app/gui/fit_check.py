"""Does a window fit its screen, with every label and button's text in full? (issue 11, item 3)

:func:`problems` lists what a user on a small screen would see cut: a window reaching past the
screen's available area, a button narrower than its text, a one-line label narrower than its
text (unless it elides and gives the full text as a tooltip), a wrapping label shorter than
its wrapped text. Used by the small-screen test and by ``python -m scrutiny_app.gui.screen_tour``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QScrollArea,
    QToolBar,
    QToolButton,
    QWidget,
)

ELIDED = "elidedText"  # property set on a label that shows an elided text on purpose
SLACK = 2  # pixels of rounding


def _name(w: QWidget) -> str:
    text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
    short = " ".join(text.split())[:40]
    return f"{type(w).__name__} {w.objectName() or '?'} {short!r}"


def _shown(w: QWidget, root: QWidget) -> bool:
    """Visible and inside what its scroll area or window shows (not scrolled away)."""
    return w.isVisibleTo(root) and w.isVisible() and w.width() > 0 and w.height() > 0


def off_screen(window: QWidget) -> list[str]:
    screen = window.screen()
    if screen is None:
        return []
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    if area.contains(frame):
        return []
    return [
        f"{window.objectName() or type(window).__name__}: {frame.width()}x{frame.height()} at "
        f"({frame.x()},{frame.y()}) is not within the screen's {area.width()}x{area.height()}"
    ]


def clipped(root: QWidget) -> list[str]:
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not _shown(w, root):
            continue
        if isinstance(w, QScrollArea) and w.widget() is not None:
            inner, seen = w.widget().width(), w.viewport().width()
            if inner > seen + SLACK:  # cut, or read by scrolling sideways: both fail
                out.append(f"{_name(w)}: content {inner}px wide in a {seen}px pane")
            continue
        if isinstance(w, QAbstractButton) and w.text():
            if w.property(ELIDED):
                continue
            if (
                isinstance(w, QToolButton)
                and w.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
            ):
                continue
            need = w.sizeHint().width()
            if need > w.width() + SLACK:
                out.append(f"{_name(w)}: needs {need}px, has {w.width()}px")
        elif isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.property(ELIDED):
                continue
            rect = w.contentsRect()
            margin = 2 * w.margin() + 2 * max(w.indent(), 0)
            if w.wordWrap():
                need = w.heightForWidth(w.width())
                if need > w.height() + SLACK:
                    out.append(f"{_name(w)}: wraps to {need}px high, has {w.height()}px")
                continue
            if w.textFormat() == Qt.TextFormat.RichText or GuiQt.mightBeRichText(w.text()):
                doc = QTextDocument()
                doc.setDefaultFont(w.font())
                doc.setHtml(w.text())
                doc.setDocumentMargin(0)
                need = int(doc.idealWidth())
            else:
                fm = QFontMetrics(w.font())
                shown = w.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
                need = max(fm.horizontalAdvance(line) for line in shown.splitlines() or [""])
            if need + margin > rect.width() + SLACK:
                out.append(f"{_name(w)}: text {need}px wide, has {rect.width()}px")
    return out


def overflow(root: QWidget) -> list[str]:
    """A toolbar too narrow for its buttons shows a chevron wide enough to see and click."""
    out: list[str] = []
    for bar in root.findChildren(QToolBar):
        if not bar.isVisible():
            continue
        hidden = [
            a.text() for a in bar.actions()
            if not a.isSeparator() and (w := bar.widgetForAction(a)) is not None and not w.isVisible()
        ]  # fmt: skip
        chevron = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        if hidden and (chevron is None or not chevron.isVisible() or chevron.width() < 16):
            out.append(f"toolbar: {', '.join(hidden)} hidden with no usable chevron")
    return out


def problems(window: QWidget) -> list[str]:
    return off_screen(window) + clipped(window) + overflow(window)
