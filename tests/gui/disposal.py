"""Delete a top-level test widget now, on the GUI thread, between tests.

Left to Python's garbage collector, a parentless dialog's wrapper can be collected in the middle
of a later test's Qt call (``setStyleSheet`` walking every widget) and the C++ delete then
crashes the interpreter. So tests that create top-level dialogs dispose of them explicitly
(and do not also register them with ``qtbot.addWidget``, which would close them again).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def dispose(widget: QWidget, qtbot) -> None:
    widget.close()
    widget.deleteLater()
    qtbot.wait(20)
