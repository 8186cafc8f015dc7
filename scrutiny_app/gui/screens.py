"""Every window within the screen it opens on (issue 11, item 3).

:class:`ScreenFitter` watches the application's windows: when one is shown it is made no
larger than the screen's available area (the desktop without its panels) and moved so that
all of it is on that screen. A window whose layout cannot shrink that far is a layout bug the
small-screen test finds (:mod:`scrutiny_app.gui.fit_check`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

FRAME_GUESS = (8, 38)  # window frame and title bar before the window manager says (w, h)


def fit_rect(frame: QRect, client: QRect, area: QRect) -> QRect:
    """The client geometry that keeps ``frame`` (the window with its decorations) in ``area``."""
    extra_w = frame.width() - client.width() if frame.width() > client.width() else 0
    extra_h = frame.height() - client.height() if frame.height() > client.height() else 0
    width = min(client.width(), area.width() - extra_w)
    height = min(client.height(), area.height() - extra_h)
    left = client.x() - frame.x()
    top = client.y() - frame.y()
    x = min(max(frame.x(), area.left()), area.right() + 1 - (width + extra_w))
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - (height + extra_h))
    return QRect(x + left, y + top, width, height)


def fit_to_screen(window: QWidget) -> None:
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame, client = window.frameGeometry(), window.geometry()
    if frame == client and not window.isVisible():  # no decorations known yet: allow for them
        frame = client.adjusted(-FRAME_GUESS[0] // 2, -FRAME_GUESS[1] + FRAME_GUESS[0] // 2,
                                FRAME_GUESS[0] // 2, FRAME_GUESS[0] // 2)  # fmt: skip
    target = fit_rect(frame, client, area)
    if target.size() != client.size():
        window.resize(target.size())
    if target.topLeft() != client.topLeft():
        window.move(target.topLeft() - (client.topLeft() - window.pos()))


class ScreenFitter(QObject):
    """Fits each window to its screen when it is shown (installed on the application)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and not watched.isFullScreen()
            and watched.windowType().name not in ("Popup", "ToolTip", "SplashScreen")
        ):
            fit_to_screen(watched)
            # The window manager may place and decorate it after the show: check again.
            QTimer.singleShot(0, watched, lambda: fit_to_screen(watched))
        return False


_installed: dict[int, ScreenFitter] = {}  # one per application, kept alive with it


def install(app: QApplication) -> None:
    if id(app) in _installed:
        return
    fitter = ScreenFitter(app)
    app.installEventFilter(fitter)
    _installed[id(app)] = fitter
