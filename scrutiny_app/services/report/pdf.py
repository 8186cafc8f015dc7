"""The panel report as a PDF (reportlab platypus), and the Commissioner's summary paragraph.

What the report says is decided in :mod:`~scrutiny_app.services.report.content` (one
:class:`~scrutiny_app.services.report.model.ReportDocument` per version); this module lays it out:

- the classification at the top and bottom of every page (OFFICIAL-SENSITIVE for the internal
  version, OFFICIAL for the public one), a running title and "Page N of M";
- a contents list on the cover and a PDF outline (bookmarks), both linked to the sections;
- document metadata (title, author, subject, keywords, language en-GB);
- one embedded font family (DejaVu Sans, shipped in ``resources/fonts``), so the file looks the
  same everywhere and its text can be searched, copied and read aloud;
- tables that run over pages repeat their header row.

The layout runs once: the contents' page numbers and "Page N of M" are drawn when the file is
saved (every page is held until then), not by a second layout pass, so a 1,000-case report costs
about what a bare reportlab build of the same tables does (``benchmarks/report_bench.py``).

The file is written beside ``out_path`` under a temporary name and renamed at the end, so a
cancelled or failed export never leaves a half-written report.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    LongTable,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paraparser import ParaParser

from scrutiny_app.paths import resource
from scrutiny_app.services import logins
from scrutiny_app.services.audit import record_export
from scrutiny_app.services.files import atomic_output
from scrutiny_app.services.progress import CancelToken, ProgressFn, no_progress
from scrutiny_app.services.report.content import SECTIONS, build_document
from scrutiny_app.services.report.model import (
    BarChart,
    Block,
    Bullets,
    Callout,
    Cell,
    Inline,
    KeyValues,
    Para,
    ReportDocument,
    Run,
    Subheading,
)
from scrutiny_app.services.report.model import (
    Table as TableBlock,
)
from scrutiny_app.services.report.summary import commissioner_summary, meeting_summary
from scrutiny_app.storage.database import Database

__all__ = [
    "SECTION_TITLES",
    "build_report",
    "commissioner_summary",
    "meeting_summary",
    "register_fonts",
    "render_pdf",
    "report_pdf_bytes",
]

# The report's sections, in order (the cover carries no heading).
SECTION_TITLES: tuple[str, ...] = tuple(title for _, title in SECTIONS)
CREATOR = "Scrutiny app"

# --------------------------------------------------------------------------- fonts

FONT = "ReportSans"
FONT_BOLD = "ReportSans-Bold"
FONT_ITALIC = "ReportSans-Oblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}


@cache
def register_fonts() -> str:
    """Register the report's font family with reportlab (once); returns its name.

    DejaVu Sans (regular, bold, oblique; bold oblique falls back to bold), embedded as subsets.
    """
    folder = resource("fonts")
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
    )
    return FONT


# --------------------------------------------------------------------------- look and feel

INK = colors.HexColor("#1f2933")
MUTED_HEX = "#52606d"
MUTED = colors.HexColor(MUTED_HEX)
ACCENT = colors.HexColor("#1d3557")  # headings, the title band
RULE = colors.HexColor("#c5ced8")
HEADER_FILL = colors.HexColor("#e3e9f0")
ZEBRA = colors.HexColor("#f6f8fa")
NOTE_FILL = colors.HexColor("#eef3f8")

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 24 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X


@cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13.5, textColor=INK, spaceAfter=6
    )
    small = ParagraphStyle("small", parent=base, fontSize=8.2, leading=10.8, spaceAfter=0)
    compact = ParagraphStyle("compact", parent=small, fontSize=7.6, leading=9.6)
    return {
        "body": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=10.5, leading=15, spaceAfter=8),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8.5, leading=11.5, textColor=MUTED, spaceBefore=2
        ),
        "small": small,
        "cell": small,
        "cell_right": ParagraphStyle("cell_right", parent=small, alignment=TA_RIGHT),
        "cell_head": ParagraphStyle("cell_head", parent=small, fontName=FONT_BOLD),
        "cell_head_right": ParagraphStyle(
            "cell_head_right", parent=small, fontName=FONT_BOLD, alignment=TA_RIGHT
        ),
        "compact": compact,
        "compact_right": ParagraphStyle("compact_right", parent=compact, alignment=TA_RIGHT),
        "compact_head": ParagraphStyle("compact_head", parent=compact, fontName=FONT_BOLD),
        "compact_head_right": ParagraphStyle(
            "compact_head_right", parent=compact, fontName=FONT_BOLD, alignment=TA_RIGHT
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            textColor=ACCENT,
            spaceBefore=14,
            spaceAfter=7,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            textColor=ACCENT,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "bullet": ParagraphStyle(
            "bullet",
            parent=base,
            leftIndent=13,
            bulletIndent=3,
            spaceAfter=3,
            bulletFontName=FONT,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=23,
            leading=28,
            textColor=colors.white,
            spaceAfter=4,
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=12.5,
            leading=17,
            textColor=colors.HexColor("#dbe4ee"),
            spaceAfter=0,
        ),
        "callout": ParagraphStyle("callout", parent=base, fontSize=10.5, leading=15, spaceAfter=0),
        "callout_small": ParagraphStyle("callout_small", parent=small, fontSize=8.5, leading=11.5),
        "toc": ParagraphStyle("toc", parent=base, fontSize=10, leading=16, spaceAfter=0),
    }


def _markup(line: Inline) -> str:
    """An inline as Paragraph markup: the text escaped, never taken as markup itself."""
    parts = []
    for r in line:
        t = escape(r.text).replace("\r\n", "\n").replace("\n", "<br/>")
        if r.bold:
            t = f"<b>{t}</b>"
        if r.italic:
            t = f"<i>{t}</i>"
        if r.muted:
            t = f"<font color='{MUTED_HEX}'>{t}</font>"
        parts.append(t)
    return "".join(parts)


def _markup_lines(lines: Sequence[Inline]) -> str:
    return "<br/>".join(_markup(line) for line in lines)


# Paragraph fragments made straight from runs, without reportlab's markup parser (a third of a
# long table's cost): one parsed template per style and emphasis, cloned with each run's text.
_TEMPLATES: dict[tuple[str, bool, bool, bool], Any] = {}


def _template(style: ParagraphStyle, bold: bool, italic: bool, muted: bool) -> Any:
    key = (style.name, bold, italic, muted)
    frag = _TEMPLATES.get(key)
    if frag is None:
        markup = _markup((Run("x", bold=bold, italic=italic, muted=muted),)) + "<br/>x"
        _, frags, _ = ParaParser().parse(markup, style)
        frag = _TEMPLATES[key] = (frags[0], frags[1])
    return frag


def _frags(lines: Sequence[Inline], style: ParagraphStyle) -> list[Any]:
    out: list[Any] = []
    for n, line in enumerate(lines):
        if n:
            out.append(_template(style, False, False, False)[1].clone(link=[], us_lines=[]))
        for r in line:
            text, line_break = _template(style, r.bold, r.italic, r.muted)
            for i, part in enumerate(r.text.replace("\r\n", "\n").split("\n")):
                if i:
                    out.append(line_break.clone(link=[], us_lines=[]))
                if part:
                    out.append(text.clone(text=part, link=[], us_lines=[]))
    return out


def _plain(lines: Sequence[Inline]) -> str:
    return "\n".join("".join(r.text for r in line) for line in lines)


def _line_width(line: Inline, size: float) -> float:
    return sum(pdfmetrics.stringWidth(r.text, FONT_BOLD if r.bold else FONT, size) for r in line)


def _widths(t: TableBlock, size: float, pad: float, total: float = FRAME_W) -> list[float]:
    """Column widths in points: fixed ones as given, ``fit`` ones as wide as their longest
    line, and what is left shared by the flexible ones."""
    widths = []
    for i, col in enumerate(t.columns):
        w = col.width_mm * mm
        if col.fit:
            longest = max(
                [pdfmetrics.stringWidth(col.title, FONT_BOLD, size)]
                + [_line_width(line, size) for row in t.rows for line in row[i].lines]
            )
            w = max(w, longest + 2 * pad + 1.5)
        widths.append(w)
    flexible = [i for i, col in enumerate(t.columns) if col.width_mm == 0 and not col.fit]
    rest = total - sum(widths)
    for i in flexible:
        widths[i] = max(rest / len(flexible), 20 * mm)
    return widths


# --------------------------------------------------------------------------- page furniture


class _Contents(Flowable):
    """The contents list: titles with dot leaders; page numbers are filled in at save time."""

    def __init__(self, entries: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.entries = list(entries)  # (key, "1. Title")
        self.style = _styles()["toc"]

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.style.leading * len(self.entries)

    def draw(self) -> None:
        c = self.canv
        st = self.style
        number_w = 10 * mm
        for i, (key, title) in enumerate(self.entries):
            y = self.style.leading * (len(self.entries) - i - 1) + 4
            c.setFont(st.fontName, st.fontSize)
            c.setFillColor(INK)
            c.drawString(0, y, title)
            start = pdfmetrics.stringWidth(title, st.fontName, st.fontSize) + 6
            dot = pdfmetrics.stringWidth(". ", st.fontName, st.fontSize)
            dots = max(0, int((self.width - number_w - start) / dot))
            c.setFillColor(RULE)
            c.drawString(start, y, ". " * dots)
            x_abs, y_abs = c.absolutePosition(self.width, y)
            x0_abs, _ = c.absolutePosition(0, y)
            c._toc_slots.append((c.getPageNumber(), key, x0_abs, x_abs, y_abs))  # type: ignore[attr-defined]


class _Para(Paragraph):
    """A Paragraph that remembers its last wrap: a table cell is wrapped to the same width
    when its row's height is measured, again at every page split, and again when drawn;
    breaking its lines once instead of three times is most of a long table's layout cost."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            return self._wrapped[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size)
        return size


class _Heading(Paragraph):
    """A section heading: feeds the contents list and the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, key: str) -> None:
        super().__init__(escape(text), style)
        self.section_key = key
        self.section_title = text


class _Canvas(rl_canvas.Canvas):
    """Holds every page until the end, then draws "Page N of M" and the contents' page numbers
    (known by then) before writing the pages out: one layout pass instead of two."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_states: list[dict[str, Any]] = []
        self._toc_slots: list[tuple[int, str, float, float, float]] = []
        self._section_pages: dict[str, int] = {}
        self._sections: list[tuple[int, str, str]] = []  # (page, key, title)

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        slots, pages, sections = self._toc_slots, self._section_pages, self._sections
        for state in self._page_states:
            self.__dict__.update(state)
            n = self._pageNumber
            # Destinations refer to the page being written, so they are made now, not when
            # the heading was laid out (no page had been written then).
            for page, key, _ in sections:
                if page == n:
                    self.bookmarkPage(key)
            self.saveState()
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_W - MARGIN_X, 14 * mm, f"Page {n} of {total}")
            for page, key, x0, x1, y in slots:
                if page != n or key not in pages:
                    continue
                self.setFont(FONT, 10)
                self.setFillColor(INK)
                self.drawRightString(x1, y, str(pages[key]))
                self.linkAbsolute(
                    "", key, Rect=(x0, y - 4, x1, y + 11), name=f"toc-{key}", thickness=0
                )
            self.restoreState()
            super().showPage()
        for _, key, title in sections:
            self.addOutlineEntry(title, key, level=0, closed=False)
        self.showOutline()
        super().save()


def _furniture(doc: ReportDocument) -> Callable[[rl_canvas.Canvas, Any], None]:
    marking, running = doc.classification, doc.running_title

    def on_page(c: rl_canvas.Canvas, d: Any) -> None:
        c.saveState()
        c.setFont(FONT_BOLD, 10)
        c.setFillColor(colors.black)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 11 * mm, marking)
        c.drawCentredString(PAGE_W / 2, 7 * mm, marking)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, 17.5 * mm, PAGE_W - MARGIN_X, 17.5 * mm)
        c.setFont(FONT, 7.5)
        c.setFillColor(MUTED)
        c.drawString(MARGIN_X, 14 * mm, running)
        if d.page > 1:
            c.line(MARGIN_X, PAGE_H - 15 * mm, PAGE_W - MARGIN_X, PAGE_H - 15 * mm)
        c.restoreState()

    return on_page


class _ReportDoc(BaseDocTemplate):
    """Records where each section starts (contents, outline); checks for cancel."""

    def __init__(self, filename: Any, *, cancel: CancelToken | None, **kw: Any) -> None:
        super().__init__(filename, **kw)
        self._cancel = cancel

    def afterFlowable(self, flowable: Flowable) -> None:
        if self._cancel is not None:
            self._cancel.check()
        if isinstance(flowable, _Heading):
            key = flowable.section_key
            self.canv._section_pages[key] = self.page  # type: ignore[attr-defined]
            self.canv._sections.append((self.page, key, flowable.section_title))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- blocks


def _table_style_of(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose cells' own font is the report's (reportlab's default, Helvetica,
    would otherwise be set, and listed unembedded, on every page with a table)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8), *commands])


def _table_style(
    t: TableBlock | None, n_rows: int, *, header: bool = True, zebra: bool = True
) -> list[tuple[Any, ...]]:
    pad = 3.5 if (t is not None and t.compact) else 5
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    if zebra and n_rows > 2:
        style.append(("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [colors.white, ZEBRA]))
    return style


class _Renderer:
    def __init__(self, doc: ReportDocument) -> None:
        self.doc = doc
        self.st = _styles()

    def para(self, lines: Sequence[Inline], style: str) -> Paragraph:
        return Paragraph(_markup_lines(lines), self.st[style])

    def cell(self, c: Cell, style: str) -> Paragraph | str:
        if not c.lines:
            return ""
        st = self.st[style]
        return _Para(_plain(c.lines), st, frags=_frags(c.lines, st))

    def table(self, t: TableBlock) -> Flowable:
        base = "compact" if t.compact else "cell"
        head = [
            Paragraph(
                escape(col.title),
                self.st[f"{base}_head_right" if col.align == "right" else f"{base}_head"],
            )
            if col.title
            else ""
            for col in t.columns
        ]
        rows: list[list[Any]] = [head]
        extra: list[tuple[Any, ...]] = []
        for r, row in enumerate(t.rows, start=1):
            out_row = []
            for i, (col, c) in enumerate(zip(t.columns, row, strict=True)):
                out_row.append(self.cell(c, f"{base}_right" if col.align == "right" else base))
                if c.fill:
                    extra.append(("BACKGROUND", (i, r), (i, r), colors.HexColor(c.fill)))
            rows.append(out_row)
        style = _table_style(t, len(rows), zebra=not t.total)
        if t.swatch:
            style += [("LEFTPADDING", (0, 0), (0, -1), 0), ("RIGHTPADDING", (0, 0), (0, -1), 0)]
        if t.total:
            style += [
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        style += extra
        size = self.st[base].fontSize
        widths = _widths(t, size, 3.5 if t.compact else 5)
        cls = LongTable if len(rows) > 40 else Table
        table = cls(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(_table_style_of(style))
        return table

    def key_values(self, kv: KeyValues) -> Flowable:
        label_w = kv.label_mm * mm
        value_w = kv.value_mm * mm if kv.value_mm else FRAME_W - label_w
        rows = [
            [
                Paragraph(escape(k), self.st["cell_head"]),
                Paragraph(escape(v).replace("\n", "<br/>"), self.st["cell"]),
            ]
            for k, v in kv.pairs
        ]
        table = Table(rows, colWidths=[label_w, value_w], hAlign="LEFT")
        table.setStyle(_table_style_of(_table_style(None, len(rows), header=False, zebra=False)))
        if kv.title:
            return KeepTogether([Paragraph(escape(kv.title), self.st["h2"]), table])
        return table

    def callout(self, c: Callout) -> Flowable:
        box = Table(
            [[self.para(c.lines, "callout" if c.large else "callout_small")]],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        box.setStyle(
            _table_style_of(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8 if c.large else 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 9 if c.large else 7),
                ]
            )
        )
        return box

    def block(self, b: Block) -> list[Flowable]:
        match b:
            case Para():
                return [self.para(b.lines, b.style)]
            case Bullets():
                return [
                    Paragraph(_markup(item), self.st["bullet"], bulletText="\u2022")
                    for item in b.items
                ]
            case Subheading():
                return [CondPageBreak(30 * mm), Paragraph(escape(b.text), self.st["h2"])]
            case TableBlock():
                return [self.table(b), Spacer(1, 6)]
            case KeyValues():
                return [self.key_values(b), Spacer(1, 6)]
            case Callout():
                return [self.callout(b)]
            case BarChart():
                return [Spacer(1, 4), bar_chart(b), Spacer(1, 4)]
        raise TypeError(f"unknown block {b!r}")

    def section(self, number: int, key: str, title: str, blocks: Sequence[Block]) -> list[Flowable]:
        # Keep a heading with the start of what follows; a long table moves to a new page
        # rather than start with one row at the foot of a page.
        room = 70 * mm if blocks and isinstance(blocks[0], TableBlock) else 45 * mm
        if key == "findings":
            room = 90 * mm
        out: list[Flowable] = [
            CondPageBreak(room),
            _Heading(f"{number}. {title}", self.st["h1"], key),
        ]
        for b in blocks:
            out += self.block(b)
        return out

    def cover(self) -> list[Flowable]:
        d, st = self.doc, self.st
        cv = d.cover
        band = Table(
            [
                [Paragraph(escape(cv.title), st["title"])],
                [Paragraph(escape(cv.subtitle), st["subtitle"])],
                [Paragraph(escape(cv.meeting_line), st["subtitle"])],
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        band.setStyle(
            _table_style_of(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 14),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                    ("TOPPADDING", (0, 0), (-1, 0), 18),
                    ("TOPPADDING", (0, 1), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 18),
                ]
            )
        )
        entries = [(s.key, t) for s, t in zip(d.sections, d.numbered_titles(), strict=True)]
        return [
            Spacer(1, 6 * mm),
            band,
            Spacer(1, 8 * mm),
            self.key_values(KeyValues(cv.details)),
            Spacer(1, 7 * mm),
            self.callout(Callout(cv.notice)),
            Spacer(1, 8 * mm),
            Paragraph("Contents", st["h2"]),
            Spacer(1, 2),
            _Contents(entries),
            PageBreak(),
        ]


def bar_chart(chart_block: BarChart, width: float = FRAME_W) -> Drawing:
    """The outcome counts as horizontal bars in the scheme's colours."""
    register_fonts()
    bars = chart_block.bars
    n = max(len(bars), 1)
    bar_h = 22
    plot_h = bar_h * n
    label_w = 190
    drawing = Drawing(width, plot_h + 28, initialFontName=FONT, initialFontSize=8)
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 18
    chart.height = plot_h
    chart.width = width - label_w - 30
    chart.data = [tuple(count for _, count, _ in bars) or (0,)]
    chart.barWidth = bar_h * 0.6
    chart.groupSpacing = bar_h * 0.4
    chart.strokeColor = None
    chart.bars.strokeColor = None
    for i, (_, _, colour) in enumerate(bars):
        chart.bars[(0, i)].fillColor = colors.HexColor(colour)
    chart.categoryAxis.categoryNames = [label for label, _, _ in bars] or [""]
    chart.categoryAxis.reverseDirection = 1  # the scheme's first outcome at the top
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.8
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -6
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.tickLeft = 0
    top = max((count for _, count, _ in bars), default=0)
    step = max(1, -(-top // 6))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, -(-top // step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e6eaef")
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.valueAxis.labelTextFormat = "%d"
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT_BOLD
    chart.barLabels.fontSize = 7.8
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    drawing.add(chart)
    return drawing


# --------------------------------------------------------------------------- the build


def render_pdf(
    document: ReportDocument,
    out: Any,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressFn = no_progress,
    first_step: int = 0,
    steps: int | None = None,
) -> None:
    """Lay ``document`` out as a PDF into ``out`` (a path or a binary file object)."""
    steps = steps or len(document.sections) + 2
    r = _Renderer(document)
    story: list[Flowable] = r.cover()
    for i, sec in enumerate(document.sections, start=1):
        if cancel is not None:
            cancel.check()
        progress(first_step + i, steps, f"Writing {sec.title.lower()}")
        story += r.section(i, sec.key, sec.title, sec.blocks)
    progress(steps - 1, steps, "Laying out the pages")
    doc = _ReportDoc(
        out,
        cancel=cancel,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=document.title,
        author=document.author,
        subject=document.subject,
        creator=CREATOR,
        keywords=list(document.keywords),
        lang=document.language,
        initialFontName=FONT,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body")
    doc.addPageTemplates([PageTemplate("page", frames=[frame], onPage=_furniture(document))])
    doc.build(story, canvasmaker=_Canvas)
    if cancel is not None:
        cancel.check()


def build_report(
    db: Database,
    meeting_id: int,
    out_path: str | Path,
    *,
    public: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    generated_on: dt.date | None = None,
    allow_unjudged: bool = False,
    actor: str = "",
) -> Path:
    """Write the meeting's panel report as a PDF at ``out_path``; returns the path.

    ``public=False`` (default): the internal version, OFFICIAL-SENSITIVE, with case references.
    ``public=True``: the published version, OFFICIAL, without anything flagged internal or
    anything that identifies a case (see :mod:`~scrutiny_app.services.report.content`); it is
    refused while cases are unjudged (unless ``allow_unjudged``) or while the publication
    check has undecided passages (:class:`~scrutiny_app.services.publication.PublicationBlocked`).

    Raises :class:`~scrutiny_app.services.progress.Cancelled` if ``cancel`` is set, leaving no
    file behind (an existing file at ``out_path`` is left as it was).
    """
    logins.require_officer(db, "write the panel report")
    out_path = Path(out_path)
    if cancel is not None:
        cancel.check()
    steps = len(SECTIONS) + 3
    progress(0, steps, "Reading the meeting")
    document = build_document(
        db, meeting_id, public=public, generated_on=generated_on, allow_unjudged=allow_unjudged
    )
    with atomic_output(out_path, "report") as tmp:
        render_pdf(document, str(tmp), cancel=cancel, progress=progress, steps=steps)
    record_export(db, actor, "report", out_path, meeting_id=meeting_id,
                  version="public" if public else "internal", format="PDF")  # fmt: skip
    progress(steps, steps, "Report written")
    return out_path


def report_pdf_bytes(
    db: Database,
    meeting_id: int,
    *,
    public: bool = False,
    cancel: CancelToken | None = None,
    generated_on: dt.date | None = None,
) -> bytes:
    """The report PDF in memory, for the app's preview: the public version is built even while
    cases are unjudged or passages undecided (the export is what refuses)."""
    document = build_document(
        db, meeting_id, public=public, generated_on=generated_on, strict=False
    )
    buffer = io.BytesIO()
    render_pdf(document, buffer, cancel=cancel)
    return buffer.getvalue()
