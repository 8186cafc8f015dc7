"""Helpers the GUI tests share: drive real widgets the way a user does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from scrutiny_app.gui.main_window import MainWindow
from scrutiny_app.gui.models import COLUMN_INDEX

DATA = Path(__file__).resolve().parents[1] / "data"
CSV_2019_01 = DATA / "2019-01-avon-and-somerset-stop-and-search.csv"


@dataclass
class Box:
    kind: str
    title: str
    text: str


@dataclass
class Boxes:
    """What the app tried to show in message boxes, and the answer to give to questions."""

    shown: list[Box] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Save

    @property
    def errors(self) -> list[Box]:
        return [b for b in self.shown if b.kind in ("critical", "warning")]

    def texts(self, kind: str | None = None) -> list[str]:
        return [b.text for b in self.shown if kind is None or b.kind == kind]


@dataclass
class Files:
    """The paths the faked QFileDialog returns ('' = the user pressed Cancel)."""

    open_path: str = ""
    save_path: str = ""
    asked: list[tuple[str, str]] = field(default_factory=list)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(qtbot, w: MainWindow, row: int, column: int = 1) -> None:
    """Click a row of the case table as a user would."""
    index = w.page.case_proxy.index(row, column)
    w.page.case_table.scrollTo(index)
    rect = w.page.case_table.visualRect(index)
    qtbot.mouseClick(w.page.case_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def cell(w: MainWindow, row: int, key: str, role=Qt.ItemDataRole.DisplayRole):
    return w.page.case_proxy.index(row, COLUMN_INDEX[key]).data(role)
