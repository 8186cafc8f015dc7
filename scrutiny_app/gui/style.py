"""Colours and per-widget styles computed from data (outcome colours); the rest is in app.qss."""

from __future__ import annotations

from PySide6.QtGui import QColor


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
    return "#111111" if lum > 0.4 else "#ffffff"


def mix(colour: str, with_white: float) -> str:
    """``colour`` lightened towards white by ``with_white`` (0..1)."""
    c = QColor(colour)
    r, g, b = (round(v + (255 - v) * with_white) for v in (c.red(), c.green(), c.blue()))
    return QColor(r, g, b).name()


FOCUS = "#d35400"  # the focus ring everywhere (app.qss uses the same colour)


def outcome_button_style(colour: str, *, large: bool = False) -> str:
    """A white button with a thick outcome-coloured edge; filled with the colour when chosen.

    ``large``: the review form's buttons, big enough to hit in a hurry.
    """
    dark = QColor(colour).darker(125).name()
    padding, height = ("8px 12px", "26px") if large else ("6px 10px", "22px")
    # The 2px more border on top, right and bottom, given back by the padding.
    focus_padding = "6px 10px 6px 12px" if large else "4px 8px 4px 10px"
    return f"""
        QPushButton {{
            text-align: left;
            padding: {padding};
            min-height: {height};
            border: 1px solid #c3c9d4;
            border-left: 10px solid {colour};
            border-radius: 4px;
            background: #ffffff;
            color: #1d2330;
            font-weight: 600;
        }}
        QPushButton:hover {{ background: {mix(colour, 0.85)}; }}
        QPushButton:focus {{
            border: 3px solid {FOCUS};
            border-left: 10px solid {colour};
            padding: {focus_padding};
        }}
        QPushButton:checked {{
            background: {colour};
            color: {text_on(colour)};
            border: 1px solid {dark};
            border-left: 10px solid {dark};
        }}
        QPushButton:checked:focus {{
            border: 3px solid {FOCUS};
            border-left: 10px solid {dark};
            padding: {focus_padding};
        }}
        QPushButton:disabled {{
            background: #f3f4f6;
            color: #9aa3b2;
            border-left: 10px solid {mix(colour, 0.6)};
        }}
    """


def swatch(colour: str, size: int = 11) -> str:
    """A small coloured square for rich-text labels."""
    return f'<span style="color:{colour}; font-size:{size}pt;">&#9632;</span>'
