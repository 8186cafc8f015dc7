"""The panel report as an editable Word document (python-docx), because officers finish
reports in Word.

It is rendered from the same :class:`~scrutiny_app.services.report.model.ReportDocument` as
the PDF, so it holds the same sections (as Word headings, "1. Purpose and remit", ...), the same
sentences and the same tables (real Word tables whose header row repeats on every page). The
classification is in every page's header and footer, with "Page N of M" fields; the contents
list is a Word TOC field that Word fills in when the document is opened (it asks to update
fields); the outcome chart is a picture. Word's own fonts are used (Arial), since the file is
meant to be edited, not archived.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from scrutiny_app.paths import resource
from scrutiny_app.services import logins
from scrutiny_app.services.audit import record_export
from scrutiny_app.services.files import atomic_output
from scrutiny_app.services.progress import CancelToken, ProgressFn, no_progress
from scrutiny_app.services.report.content import build_document
from scrutiny_app.services.report.model import (
    BarChart,
    Block,
    Bullets,
    Callout,
    Inline,
    KeyValues,
    Para,
    ReportDocument,
    Subheading,
    Table,
)
from scrutiny_app.storage.database import Database

__all__ = ["build_report_docx", "render_docx"]

FONT = "Arial"
INK = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x52, 0x60, 0x6D)
ACCENT = RGBColor(0x1D, 0x35, 0x57)
HEADER_FILL = "E3E9F0"
NOTE_FILL = "EEF3F8"
ACCENT_HEX = "1D3557"
RULE_HEX = "C5CED8"
PAGE_W_MM, MARGIN_MM = 210, 20
FRAME_MM = PAGE_W_MM - 2 * MARGIN_MM


# --------------------------------------------------------------------------- low-level XML


def _shade(element: Any, fill: str) -> None:
    """Background fill of a table cell (``w:tcPr``) or a paragraph (``w:pPr``)."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    element.append(shd)


def _fld_char(paragraph: Any, kind: str, *, dirty: bool = False) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    if dirty:
        el.set(qn("w:dirty"), "true")  # Word recomputes it
    paragraph.add_run()._r.append(el)


def _field_start(paragraph: Any, instruction: str) -> None:
    _fld_char(paragraph, "begin", dirty=True)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    _fld_char(paragraph, "separate")


def _field_end(paragraph: Any) -> None:
    _fld_char(paragraph, "end")


def _field(paragraph: Any, instruction: str, placeholder: str = "") -> Any:
    """A Word field (PAGE, NUMPAGES, ...) in ``paragraph``; returns the placeholder's run."""
    _field_start(paragraph, instruction)
    run = paragraph.add_run(placeholder)
    _field_end(paragraph)
    return run


def _borders(table: Any) -> None:
    """Thin horizontal rules between rows, none down the sides (as in the PDF)."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in ("left", "right", "insideV"):
            el.set(qn("w:val"), "nil")
        else:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "6" if edge == "top" else "4")
            el.set(qn("w:color"), ACCENT_HEX if edge == "top" else RULE_HEX)
        borders.append(el)
    tbl_pr.append(borders)


def _layout(table: Any, widths_mm: Sequence[float]) -> None:
    """Fixed column widths (Word and LibreOffice both honour the grid) and cell padding."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(sum(widths_mm) * 56.7)))
    width.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    margins = OxmlElement("w:tblCellMar")
    for edge, twips in (("top", 45), ("bottom", 45), ("left", 85), ("right", 85)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)
    for column, w in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(w)


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _no_split(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _left_bar(paragraph: Any) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    left.set(qn("w:val"), "single")
    left.set(qn("w:sz"), "24")
    left.set(qn("w:space"), "8")
    left.set(qn("w:color"), ACCENT_HEX)
    bdr.append(left)
    p_pr.append(bdr)
    _shade(p_pr, NOTE_FILL)


# --------------------------------------------------------------------------- the document


def _setup(document: Any, report: ReportDocument) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.font.color.rgb = INK
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.1
    for name, size in (("Heading 1", 15), ("Heading 2", 11.5), ("Title", 24), ("Subtitle", 13)):
        st = styles[name]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.color.rgb = ACCENT
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            st.element.rPr.rFonts.attrib.pop(qn(attr), None)  # the theme font would win
    styles["Heading 1"].paragraph_format.space_before = Pt(16)
    styles["Heading 1"].paragraph_format.space_after = Pt(6)
    styles["Heading 2"].paragraph_format.space_before = Pt(10)
    styles["Heading 2"].paragraph_format.space_after = Pt(3)
    # The document's language, for Word's proofing tools and screen readers.
    r_pr = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), report.language)

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(MARGIN_MM)
    section.top_margin, section.bottom_margin = Mm(24), Mm(22)
    section.header_distance = section.footer_distance = Mm(9)

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run(report.classification)
    run.bold = True
    run.font.size = Pt(10)

    footer_style = styles["Footer"]
    footer_style.font.size = Pt(7.5)  # field results (page numbers) take the style's size
    footer_style.font.color.rgb = MUTED
    footer = section.footer
    first = footer.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.LEFT
    tab_stops = first.paragraph_format.tab_stops
    for inherited in (4680, 9360):  # the Footer style's own centre and right tabs
        tab_stops.add_tab_stop(Twips(inherited), alignment=WD_TAB_ALIGNMENT.CLEAR)
    tab_stops.add_tab_stop(Mm(FRAME_MM - 0.5), alignment=WD_TAB_ALIGNMENT.RIGHT)
    lead = first.add_run(f"{report.running_title}\t")
    lead.font.size = Pt(7.5)
    lead.font.color.rgb = MUTED
    for text, instruction in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        r = first.add_run(text)
        r.font.size = Pt(7.5)
        r.font.color.rgb = MUTED
        number = _field(first, instruction, "1")
        number.font.size = Pt(7.5)
        number.font.color.rgb = MUTED
    mark = footer.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = mark.add_run(report.classification)
    run.bold = True
    run.font.size = Pt(10)

    props = document.core_properties
    props.title = report.title
    props.author = report.author
    props.subject = report.subject
    props.keywords = ", ".join(report.keywords)
    props.language = report.language
    props.category = report.classification
    props.comments = f"Classification: {report.classification}"
    props.last_modified_by = report.author
    # Ask Word to fill in the contents and page fields when the document is opened.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


class _Writer:
    def __init__(self, document: Any, report: ReportDocument) -> None:
        self.doc = document
        self.report = report

    def runs(self, paragraph: Any, line: Inline, *, size: float | None = None) -> None:
        for r in line:
            parts = r.text.replace("\r\n", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    paragraph.add_run().add_break()
                run = paragraph.add_run(part)
                run.bold = r.bold or None
                run.italic = r.italic or None
                if r.muted:
                    run.font.color.rgb = MUTED
                if size:
                    run.font.size = Pt(size)

    def lines(self, paragraph: Any, lines: Sequence[Inline], *, size: float | None = None) -> None:
        for i, line in enumerate(lines):
            if i:
                paragraph.add_run().add_break()
            self.runs(paragraph, line, size=size)

    def para(self, b: Para) -> None:
        p = self.doc.add_paragraph()
        size = {"note": 8.5, "lead": 11.0}.get(b.style)
        self.lines(p, b.lines, size=size)
        if b.style == "note":
            for run in p.runs:
                if run.font.color.rgb is None:
                    run.font.color.rgb = MUTED

    def table(self, t: Table) -> None:
        compact = t.compact
        size = 7.5 if compact else 8.5
        widths = _widths_mm(t, size)
        table = self.doc.add_table(rows=1, cols=len(t.columns))
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        _layout(table, widths)
        _borders(table)
        head = table.rows[0]
        _repeat_header(head)
        for i, (col, cell) in enumerate(zip(t.columns, head.cells, strict=True)):
            cell.width = Mm(widths[i])
            _shade(cell._tc.get_or_add_tcPr(), HEADER_FILL)
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            if col.align == "right":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = p.add_run(col.title)
            run.bold = True
            run.font.size = Pt(size)
        for row_cells in t.rows:
            row = table.add_row()
            _no_split(row)
            for i, (col, c, cell) in enumerate(zip(t.columns, row_cells, row.cells, strict=True)):
                cell.width = Mm(widths[i])
                if c.fill:
                    _shade(cell._tc.get_or_add_tcPr(), c.fill)
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                if col.align == "right":
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self.lines(p, c.lines, size=size)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def key_values(self, kv: KeyValues) -> None:
        if kv.title:
            self.doc.add_heading(kv.title, level=2)
        label = kv.label_mm
        value = kv.value_mm or FRAME_MM - label
        table = self.doc.add_table(rows=0, cols=2)
        _layout(table, (label, value))
        _borders(table)
        for k, v in kv.pairs:
            row = table.add_row()
            for cell, text, width, bold in (
                (row.cells[0], k, label, True),
                (row.cells[1], v, value, False),
            ):
                cell.width = Mm(width)
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                run = p.add_run(text)
                run.bold = bold or None
                run.font.size = Pt(8.5)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def callout(self, c: Callout) -> None:
        p = self.doc.add_paragraph()
        _left_bar(p)
        p.paragraph_format.space_before = Pt(4)
        p.paragraph_format.space_after = Pt(8)
        self.lines(p, c.lines, size=11 if c.large else 9)

    def chart(self, b: BarChart) -> None:
        png = _chart_png(b)
        self.doc.add_picture(io.BytesIO(png), width=Mm(150))
        alt = "; ".join(f"{label}: {count}" for label, count, _ in b.bars)
        doc_pr = self.doc.paragraphs[-1]._p.xpath(".//wp:docPr")
        if doc_pr:
            doc_pr[0].set("descr", f"Bar chart of the outcomes. {alt}")
            doc_pr[0].set("title", "Outcomes")

    def block(self, b: Block) -> None:
        match b:
            case Para():
                self.para(b)
            case Bullets():
                for item in b.items:
                    self.runs(self.doc.add_paragraph(style="List Bullet"), item)
            case Subheading():
                self.doc.add_heading(b.text, level=2)
            case Table():
                self.table(b)
            case KeyValues():
                self.key_values(b)
            case Callout():
                self.callout(b)
            case BarChart():
                self.chart(b)
            case _:
                raise TypeError(f"unknown block {b!r}")

    def contents(self) -> None:
        """A Word TOC field whose current result is the list of section titles, so the list
        reads right before Word updates it (with page numbers and links) on opening."""
        titles = self.report.numbered_titles()
        paragraphs = [self.doc.add_paragraph() for _ in titles]
        for i, (p, title) in enumerate(zip(paragraphs, titles, strict=True)):
            p.paragraph_format.space_after = Pt(2)
            if i == 0:
                _field_start(p, 'TOC \\o "1-1" \\h \\z \\u')
            p.add_run(title)
            if i == len(titles) - 1:
                _field_end(p)

    def cover(self) -> None:
        cv = self.report.cover
        self.doc.add_paragraph(cv.title, style="Title")
        self.doc.add_paragraph(cv.subtitle, style="Subtitle")
        p = self.doc.add_paragraph()
        run = p.add_run(cv.meeting_line)
        run.font.size = Pt(12)
        run.font.color.rgb = ACCENT
        self.key_values(KeyValues(cv.details))
        self.callout(Callout(cv.notice))
        self.doc.add_heading("Contents", level=2)
        self.contents()
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _widths_mm(t: Table, size: float) -> list[float]:
    """Column widths in millimetres; ``fit`` columns sized by their longest line (Arial's
    average character is about half the type size wide)."""
    char_mm = size * 0.75 * 25.4 / 72  # generous: capitals and digits are wide
    fixed = []
    for i, col in enumerate(t.columns):
        w = col.width_mm
        if col.fit:
            longest = max(
                [len(col.title)]
                + [sum(len(r.text) for r in line) for row in t.rows for line in row[i].lines]
            )
            w = max(w, longest * char_mm + 4)
        elif w and col.title and w < 9:
            w = 9  # room for "24" beside Word's cell padding
        fixed.append(w)
    flexible = [i for i, col in enumerate(t.columns) if not col.width_mm and not col.fit]
    rest = FRAME_MM - sum(fixed)
    for i in flexible:
        fixed[i] = max(rest / len(flexible), 20)
    return fixed


@cache
def _chart_font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(resource("fonts", "DejaVuSans.ttf")), size)


def _chart_png(b: BarChart) -> bytes:
    """The outcome bar chart as a PNG (Pillow, the report's font), 150 mm wide at 200 dpi."""
    from PIL import Image, ImageDraw

    width = 1180
    bar_h, gap, top_pad = 33, 15, 10
    n = max(len(b.bars), 1)
    height = top_pad * 2 + n * (bar_h + gap) + 40
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = _chart_font(22)
    label_w = 30 + max((draw.textlength(label, font=font) for label, _, _ in b.bars), default=0)
    label_w = min(label_w, width // 2)
    top = max((count for _, count, _ in b.bars), default=0) or 1
    plot_w = width - label_w - 80
    for i, (label, count, colour) in enumerate(b.bars):
        y = top_pad + i * (bar_h + gap)
        tw = draw.textlength(label, font=font)
        draw.text((label_w - 14 - tw, y + bar_h / 2), label, fill="#1f2933", font=font, anchor="lm")
        w = round(plot_w * count / top)
        if w:
            draw.rectangle((label_w, y, label_w + w, y + bar_h), fill=colour)
        draw.text(
            (label_w + w + 10, y + bar_h / 2), str(count), fill="#1f2933", font=font, anchor="lm"
        )
    axis_y = top_pad + n * (bar_h + gap)
    draw.line((label_w, top_pad - 4, label_w, axis_y), fill="#c5ced8", width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def render_docx(report: ReportDocument, out: Any, *, cancel: CancelToken | None = None) -> None:
    """Write ``report`` as a Word document to ``out`` (a path or a binary file object)."""
    document = Document()
    _setup(document, report)
    w = _Writer(document, report)
    w.cover()
    for i, title in enumerate(report.numbered_titles()):
        if cancel is not None:
            cancel.check()
        document.add_heading(title, level=1)
        for b in report.sections[i].blocks:
            w.block(b)
    document.save(out)


def build_report_docx(
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
    """Write the meeting's report as a Word document at ``out_path``; returns the path.

    The same sections and tables as :func:`~scrutiny_app.services.report.pdf.build_report`, for
    the same version (``public``). Written all or nothing, like the PDF.
    """
    logins.require_officer(db, "write the panel report")
    out_path = Path(out_path)
    if cancel is not None:
        cancel.check()
    progress(0, 3, "Reading the meeting")
    report = build_document(
        db, meeting_id, public=public, generated_on=generated_on, allow_unjudged=allow_unjudged
    )
    progress(1, 3, "Writing the Word document")
    with atomic_output(out_path, "report") as tmp:
        render_docx(report, str(tmp), cancel=cancel)
        if cancel is not None:
            cancel.check()
    record_export(db, actor, "report", out_path, meeting_id=meeting_id,
                  version="public" if public else "internal", format="Word")  # fmt: skip
    progress(3, 3, "Report written")
    return out_path
