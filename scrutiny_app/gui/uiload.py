"""Load the Qt Designer forms in ``ui/`` into our own widget classes, and the stylesheet."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QWidget

from scrutiny_app.paths import resource, ui_dir

T = TypeVar("T", bound=QObject)


class _IntoInstance(QUiLoader):
    """A loader that builds the form's top-level widget into an existing instance.

    PySide has no ``uic.loadUi(file, self)``: this is its equivalent, so a ``QMainWindow`` or
    ``QDialog`` subclass can take its layout, menus and actions from a .ui file.
    """

    def __init__(self, base: QWidget) -> None:
        super().__init__(base)
        self._base = base

    def createWidget(
        self, class_name: str, parent: QWidget | None = None, name: str = ""
    ) -> QWidget:
        if parent is None:
            return self._base
        return super().createWidget(class_name, parent, name)


def load_form(name: str, base: QWidget) -> QWidget:
    """Build ``ui/<name>`` into ``base`` (whose class must match the form's top-level class)."""
    path = ui_dir() / name
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"Cannot read the form {path}")
    try:
        loader = _IntoInstance(base)
        widget = loader.load(file)
    finally:
        file.close()
    if widget is None:
        raise RuntimeError(f"Cannot load the form {path}: {loader.errorString()}")
    return widget


def child(parent: QObject, cls: type[T], name: str) -> T:
    """The form's child ``name``; a missing one is a broken form, reported by name."""
    found = parent.findChild(cls, name)
    if found is None:
        raise RuntimeError(f"The form has no {cls.__name__} named {name!r}")
    return found


def stylesheet() -> str:
    """The app's stylesheet, or '' if the file is missing (the app still works, plainer).

    ``url(@icons/x.svg)`` in the file points at ``resources/icons/x.svg`` wherever the app runs
    from (source checkout, wheel or bundle).
    """
    path = resource("styles", "app.qss")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    return text.replace("@icons/", resource("icons").as_posix() + "/")
