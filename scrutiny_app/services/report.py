"""The panel report as a PDF (reportlab platypus), and the Commissioner's summary paragraph.

The report follows the published layout (see DOMAIN.md, "The report"): a cover with the title
block and contents, then purpose and remit, attendance (roles, never names), the theme and how
the cases were selected, the outcome counts with a bar chart in the scheme's colours, the
summary for the Commissioner, the case-by-case findings, good practice and learning, the
recommendations and the next steps. It holds case-level material, so every page is marked
OFFICIAL-SENSITIVE at the top and the bottom.

The file is written beside ``out_path`` under a temporary name and renamed at the end, so a
cancelled or failed export never leaves a half-written report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents
from sqlalchemy import select

from scrutiny_app.domain.vocab import (
    AccessMode,
    Classification,
    Consensus,
    MemberRole,
    RecommendationStatus,
    SampleMethod,
    Selection,
)
from scrutiny_app.services import panels
from scrutiny_app.services.cases import CaseRow, MeetingCases, OutcomeCount, meeting_cases
from scrutiny_app.services.files import atomic_output
from scrutiny_app.services.progress import CancelToken, ProgressFn, no_progress
from scrutiny_app.services.recommendations import RecommendationRow, list_recommendations
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Attendance, Meeting, Member, Sample

__all__ = ["SECTION_TITLES", "build_report", "commissioner_summary"]

CLASSIFICATION = Classification.OFFICIAL_SENSITIVE.value
AUTHOR = "Scrutiny app"

# The report's sections, in order (the cover carries no heading).
SECTION_TITLES: tuple[str, ...] = (
    "Purpose and remit",
    "Attendance",
    "Theme and case selection",
    "Outcomes",
    "Summary for the Commissioner",
    "Case-by-case findings",
    "Good practice and learning",
    "Recommendations",
    "Next steps",
)

# --------------------------------------------------------------------------- the summary

# Schemes whose labels read as adjectives in a sentence ("3 were found to be appropriate"):
# the four-point OOCD scale. Other schemes' labels are quoted as they are.
_ADJECTIVAL_SCHEMES = frozenset({"oocd"})


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def commissioner_summary(counts: list[OutcomeCount], template_key: str) -> str:
    """The short paragraph for the Commissioner's update to the Police and Crime Panel.

    ``counts`` are the meeting's judged cases per outcome (as ``MeetingCases.counts()``); the
    carry-over outcome (no consensus) gets its own sentence, zero categories are left out.
    """
    total = sum(c.count for c in counts)
    if total == 0:
        return "The Panel has not yet recorded a judgement on any case."
    carried = sum(c.count for c in counts if c.outcome.is_carry_over)
    decided = [c for c in counts if c.count and not c.outcome.is_carry_over]
    opening = f"The Panel scrutinised {_cases(total)}"

    if not decided:  # every case was carried over
        where = {1: "in it", 2: "in either of them"}.get(total, "in any of them")
        return f"{opening} but did not reach consensus {where}."

    adjectival = template_key in _ADJECTIVAL_SCHEMES

    def label(c: OutcomeCount) -> str:
        return c.outcome.label.lower() if adjectival else f'"{c.outcome.label}"'

    verb_one, verb_many = (
        ("was found to be", "were found to be") if adjectival else ("was rated", "were rated")
    )
    if len(decided) == 1 and carried == 0:
        only = decided[0]
        who = {1: "it was", 2: "both were"}.get(total, f"all {total} were")
        verb = verb_one.removeprefix("was ") if total == 1 else verb_many.removeprefix("were ")
        text = f"{opening}: {who} {verb} {label(only)}."
    else:
        first, *rest = decided
        parts = [f"{first.count} {verb_one if first.count == 1 else verb_many} {label(first)}"]
        parts += [f"{c.count} {label(c)}" for c in rest]
        text = f"{opening}: {_join(parts)}."
    if carried:
        text += " The Panel did not reach consensus in " + (
            "one case." if carried == 1 else f"{carried} cases."
        )
    return text


# --------------------------------------------------------------------------- look and feel

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
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


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=10, leading=13.5, textColor=INK, spaceAfter=6
    )
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, spaceAfter=0)
    return {
        "body": base,
        "small": small,
        "note": ParagraphStyle("note", parent=small, textColor=MUTED, spaceBefore=2, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=small),
        "cell_muted": ParagraphStyle("cell_muted", parent=small, textColor=MUTED),
        "cell_head": ParagraphStyle("cell_head", parent=small, fontName="Helvetica-Bold"),
        "cell_right": ParagraphStyle("cell_right", parent=small, alignment=TA_RIGHT),
        "cell_head_right": ParagraphStyle(
            "cell_head_right", parent=small, fontName="Helvetica-Bold", alignment=TA_RIGHT
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName="Helvetica-Bold",
            fontSize=14,
            leading=18,
            textColor=ACCENT,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            textColor=ACCENT,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=12, bulletIndent=2, spaceAfter=3
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName="Helvetica-Bold",
            fontSize=24,
            leading=29,
            textColor=colors.white,
            spaceAfter=4,
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=13,
            leading=17,
            textColor=colors.HexColor("#dbe4ee"),
            spaceAfter=0,
        ),
        "summary": ParagraphStyle("summary", parent=base, fontSize=10.5, leading=15, spaceAfter=0),
        "toc": ParagraphStyle("toc", parent=base, fontSize=10, leading=15, spaceAfter=0),
        "classified": ParagraphStyle(
            "classified",
            parent=base,
            fontName="Helvetica-Bold",
            alignment=TA_CENTER,
            fontSize=10,
            spaceAfter=0,
        ),
    }


def _text(value: object) -> str:
    """Escape user text for a Paragraph, keeping its line breaks."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


def _table(
    rows: list[list[Any]],
    widths: Sequence[float],
    *,
    extra: Iterable[tuple[Any, ...]] = (),
    zebra: bool = True,
    header: bool = True,
) -> Table:
    """A report table: light header fill, thin rules, repeated header row across pages."""
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    if zebra:
        first = 1 if header else 0
        style += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(first + 1, len(rows), 2)]
    style += list(extra)
    table.setStyle(TableStyle(style))
    return table


def _key_values(
    pairs: Sequence[tuple[str, str]],
    st: dict[str, ParagraphStyle],
    widths: tuple[float, float] = (45 * mm, FRAME_W - 45 * mm),
) -> Table:
    """A two-column table of labels (bold) and values, without a header row."""
    rows = [
        [Paragraph(_text(k), st["cell_head"]), Paragraph(_text(v), st["cell"])] for k, v in pairs
    ]
    return _table(rows, list(widths), zebra=False, header=False)


def _tint(hex_colour: str, strength: float = 0.22) -> colors.Color:
    """``hex_colour`` mixed with white: a light cell fill in the outcome's colour."""
    c = colors.HexColor(hex_colour)
    return colors.Color(*(1 - (1 - v) * strength for v in (c.red, c.green, c.blue)))


# --------------------------------------------------------------------------- page furniture


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws "Page N of M" once the number of pages is known (at save time)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for state in self._page_states:
            self.__dict__.update(state)
            self.saveState()
            self.setFont("Helvetica", 8)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_W - MARGIN_X, 14 * mm, f"Page {self._pageNumber} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def _marking(c: rl_canvas.Canvas) -> None:
    """The classification at the top and bottom centre of the page."""
    c.setFont("Helvetica-Bold", 10)
    c.setFillColor(colors.black)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 11 * mm, CLASSIFICATION)
    c.drawCentredString(PAGE_W / 2, 7 * mm, CLASSIFICATION)


def _page_furniture(running_title: str) -> Callable[[rl_canvas.Canvas, Any], None]:
    def on_page(c: rl_canvas.Canvas, doc: Any) -> None:
        c.saveState()
        _marking(c)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, 17.5 * mm, PAGE_W - MARGIN_X, 17.5 * mm)
        c.setFont("Helvetica", 8)
        c.setFillColor(MUTED)
        c.drawString(MARGIN_X, 14 * mm, running_title)
        if doc.page > 1:
            c.line(MARGIN_X, PAGE_H - 15 * mm, PAGE_W - MARGIN_X, PAGE_H - 15 * mm)
        c.restoreState()

    return on_page


class _ReportDoc(BaseDocTemplate):
    """Feeds section headings to the contents list and the PDF outline; checks for cancel."""

    def __init__(self, filename: str, *, cancel: CancelToken | None, **kw: Any) -> None:
        super().__init__(filename, **kw)
        self._cancel = cancel

    def afterFlowable(self, flowable: Flowable) -> None:
        if self._cancel is not None:
            self._cancel.check()
        if isinstance(flowable, Paragraph) and flowable.style.name == "h1":
            text = flowable.getPlainText()
            key = f"section-{self.seq.nextf('section')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=0, closed=False)
            self.notify("TOCEntry", (0, text, self.page, key))


# --------------------------------------------------------------------------- content

_REMIT: dict[str, str] = {
    "oocd": (
        "The Out of Court Disposals Scrutiny Panel is an independent panel of volunteers "
        "convened by the Office of the Police and Crime Commissioner. It reviews closed cases "
        "that the police finished with an out of court disposal, such as a community resolution "
        "or a conditional caution, to judge whether the disposal was appropriate and consistent "
        "with national and local policy, and to feed learning back to the force."
    ),
    "stop_search": (
        "The Scrutiny of Police Powers Panel is an independent panel of volunteers convened by "
        "the Office of the Police and Crime Commissioner. It reviews records of stop and search, "
        "with body-worn video where available, to judge whether the power was used lawfully, "
        "fairly and respectfully: whether the grounds were reasonable and the person was told "
        "what they are entitled to know (GOWISELY)."
    ),
    "use_of_force": (
        "The Scrutiny of Police Powers Panel is an independent panel of volunteers convened by "
        "the Office of the Police and Crime Commissioner. It reviews records of police use of "
        "force, with body-worn video where available, to judge whether the force used was "
        "proportionate, lawful, accountable and necessary (PLAN)."
    ),
    "complaints": (
        "The Independent Residents' Panel is an independent panel of volunteers convened by the "
        "Office of the Police and Crime Commissioner. It reviews closed police complaint files, "
        "chosen at random around a theme, to judge whether each complaint was handled in a "
        "timely way, whether the complainant was kept informed and whether the final outcome "
        "was correct."
    ),
    "hate_crime": (
        "The Hate Crime Scrutiny Panel is an independent panel of volunteers convened by the "
        "Office of the Police and Crime Commissioner. It reviews finalised hate crime "
        "investigations and non-crime hate incidents, chosen at random, to judge how victims "
        "were treated and supported and whether the investigation and its outcome were "
        "appropriate."
    ),
}
_REMIT_DEFAULT = (
    "The Panel is an independent panel of volunteers convened by the Office of the Police and "
    "Crime Commissioner to review closed case files and judge whether police decisions were "
    "appropriate."
)
_REMIT_COMMON = (
    "The Panel does not re-open cases and is not an appeal: it looks at closed case files with "
    "the benefit of hindsight, and its findings are offered as learning for the force. The force "
    "is asked to respond in writing to each recommendation, and the response is published with "
    "this report."
)

_CONSENSUS_LABELS = {
    Consensus.UNANIMOUS: "Unanimous",
    Consensus.MAJORITY: "Majority",
    Consensus.NONE: "No consensus",
}
_SAMPLE_METHOD_LABELS = {
    SampleMethod.SIMPLE_RANDOM: "Simple random sample",
    SampleMethod.STRATIFIED: "Stratified random sample",
    SampleMethod.ALL: "All eligible cases",
}
_ROLE_ORDER = {role.value: i for i, role in enumerate(MemberRole)}


@dataclass(frozen=True)
class _Attendee:
    role: str
    organisation: str
    present: bool
    declarations: str


@dataclass(frozen=True)
class _SampleInfo:
    method: str
    seed: int
    population_size: int
    target_size: int
    drawn_size: int
    method_statement: str


@dataclass(frozen=True)
class _ReportData:
    panel: panels.PanelInfo
    meeting: panels.MeetingInfo
    location: str
    cases: MeetingCases
    attendance: tuple[_Attendee, ...]
    samples: tuple[_SampleInfo, ...]
    recommendations: tuple[RecommendationRow, ...]
    generated_on: dt.date


def _role_label(role: str) -> str:
    try:
        return MemberRole(role).label
    except ValueError:
        return role.replace("_", " ").capitalize()


def _load(db: Database, meeting_id: int, generated_on: dt.date) -> _ReportData:
    panel = panels.panel_of_meeting(db, meeting_id)
    meeting = panels.meeting_info(db, meeting_id)
    with db.session() as s:
        row = s.get(Meeting, meeting_id)
        location = (row.location or "") if row is not None else ""
        attendance = tuple(
            _Attendee(a.role or m.role, m.organisation or "", bool(a.present), a.declarations or "")
            for a, m in s.execute(
                select(Attendance, Member)
                .join(Member, Attendance.member_id == Member.id)
                .where(Attendance.meeting_id == meeting_id)
                .order_by(Attendance.id)
            ).all()
        )
        samples = tuple(
            _SampleInfo(
                x.method,
                x.seed,
                x.population_size,
                x.target_size,
                x.drawn_size,
                x.method_statement or "",
            )
            for x in s.scalars(
                select(Sample).where(Sample.meeting_id == meeting_id).order_by(Sample.id)
            )
        )
    return _ReportData(
        panel=panel,
        meeting=meeting,
        location=location,
        cases=meeting_cases(db, meeting_id),
        attendance=attendance,
        samples=samples,
        recommendations=tuple(list_recommendations(db, meeting_id=meeting_id, today=generated_on)),
        generated_on=generated_on,
    )


def _long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _short_date(d: dt.date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def _pct(value: float) -> str:
    return f"{value:.1f}%"


class _Builder:
    """Turns the report data into platypus flowables, one section at a time."""

    def __init__(self, data: _ReportData) -> None:
        self.d = data
        self.st = _styles()
        self.section_no = 0

    # helpers ------------------------------------------------------------------------------

    def h1(self, title: str) -> list[Flowable]:
        """A numbered section heading, moved to a new page when too little room is left.

        (Not ``keepWithNext``: that would push a long table whole to the next page.)
        """
        self.section_no += 1
        return [
            CondPageBreak(45 * mm),
            Paragraph(f"{self.section_no}. {_text(title)}", self.st["h1"]),
        ]

    def h2(self, title: str) -> list[Flowable]:
        return [CondPageBreak(30 * mm), Paragraph(_text(title), self.st["h2"])]

    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(_text(text), self.st[style])

    def bullets(self, items: Iterable[str]) -> list[Flowable]:
        return [Paragraph(_text(i), self.st["bullet"], bulletText="\u2022") for i in items]

    # sections -----------------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        d, st = self.d, self.st
        band = Table(
            [
                [Paragraph(_text(d.panel.name), st["title"])],
                [Paragraph("Panel report", st["subtitle"])],
                [
                    Paragraph(
                        _text(
                            f"Meeting of {_long_date(d.meeting.date)}"
                            + (f": {d.meeting.theme}" if d.meeting.theme else "")
                        ),
                        st["subtitle"],
                    )
                ],
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        band.setStyle(
            TableStyle(
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
        details = [("Panel", d.panel.name)]
        if d.cases.template.name != d.panel.name:
            details.append(("Panel type", d.cases.template.name))
        details += [
            ("Force", d.panel.force or "Not recorded"),
            ("Meeting date", _long_date(d.meeting.date)),
            ("Theme", d.meeting.theme or "No theme set"),
        ]
        if d.location:
            details.append(("Venue", d.location))
        details += [
            ("Classification", CLASSIFICATION),
            ("Report produced", _long_date(d.generated_on)),
        ]
        access = (
            "Case references are pseudonymised."
            if d.panel.access_mode == AccessMode.PSEUDONYMISED
            else "The panel has full access to case records."
        )
        notice = Table(
            [
                [
                    Paragraph(
                        f"<b>{CLASSIFICATION}.</b> This report contains case-level material "
                        "from police records. Handle it in line with the confidentiality "
                        f"agreement; do not publish it in this form. {access}",
                        st["small"],
                    )
                ]
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        notice.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        toc = TableOfContents(dotsMinLevel=0)
        toc.levelStyles = [self.st["toc"]]
        return [
            Spacer(1, 8 * mm),
            band,
            Spacer(1, 10 * mm),
            _key_values(details, st),
            Spacer(1, 8 * mm),
            notice,
            Spacer(1, 10 * mm),
            Paragraph("Contents", st["h2"]),
            toc,
            NextPageTemplate("body"),
            PageBreak(),
        ]

    def remit(self) -> list[Flowable]:
        tpl = self.d.cases.template
        scale = "; ".join(o.label for o in tpl.outcomes)
        return [
            *self.h1("Purpose and remit"),
            self.p(_REMIT.get(tpl.key, _REMIT_DEFAULT)),
            self.p(_REMIT_COMMON),
            self.p(f"The Panel reaches a judgement on each case on this scale: {scale}."),
        ]

    def attendance(self) -> list[Flowable]:
        st = self.st
        out: list[Flowable] = [
            *self.h1("Attendance"),
            self.p("Attendance is recorded by role and organisation; members are not named."),
        ]
        present = [a for a in self.d.attendance if a.present]
        absent = [a for a in self.d.attendance if not a.present]
        if not present:
            out.append(self.p("Attendance was not recorded for this meeting."))
        else:
            groups: dict[tuple[str, str], int] = {}
            for a in sorted(present, key=lambda a: (_ROLE_ORDER.get(a.role, 99), a.organisation)):
                key = (_role_label(a.role), a.organisation or "\u2014")
                groups[key] = groups.get(key, 0) + 1
            rows: list[list[Any]] = [
                [
                    Paragraph("Role", st["cell_head"]),
                    Paragraph("Organisation", st["cell_head"]),
                    Paragraph("Number", st["cell_head_right"]),
                ]
            ]
            rows += [
                [
                    Paragraph(_text(role), st["cell"]),
                    Paragraph(_text(org), st["cell"]),
                    Paragraph(str(n), st["cell_right"]),
                ]
                for (role, org), n in groups.items()
            ]
            out.append(_table(rows, [55 * mm, FRAME_W - 55 * mm - 22 * mm, 22 * mm]))
            out.append(Spacer(1, 4))
        if absent:
            roles: dict[str, int] = {}
            for a in absent:
                roles[_role_label(a.role)] = roles.get(_role_label(a.role), 0) + 1
            listed = _join([f"{label} ({n})" if n > 1 else label for label, n in roles.items()])
            out.append(self.p(f"Apologies: {listed}."))
        declared = [a for a in present if a.declarations.strip()]
        if declared:
            out.append(self.p("Declarations of interest:"))
            out += self.bullets(
                f"{_role_label(a.role)}: {a.declarations.strip()}" for a in declared
            )
        elif present:
            out.append(self.p("No declarations of interest were recorded."))
        return out

    def selection(self) -> list[Flowable]:
        d = self.d
        rows = d.cases.rows
        out: list[Flowable] = [*self.h1("Theme and case selection")]
        if d.meeting.theme:
            out.append(self.p(f"The theme of this meeting was: {d.meeting.theme}."))
        else:
            out.append(self.p("No theme was set for this meeting."))
        for i, smp in enumerate(d.samples, start=1):
            if len(d.samples) > 1:
                out += self.h2(f"Sample {i}")
            if smp.method_statement:
                out.append(self.p(smp.method_statement))
            try:
                method = _SAMPLE_METHOD_LABELS[SampleMethod(smp.method)]
            except ValueError:
                method = smp.method
            out.append(
                _key_values(
                    [
                        ("Population", f"{smp.population_size:,} eligible cases"),
                        ("Method", method),
                        ("Random seed", str(smp.seed)),
                        ("Cases drawn", f"{smp.drawn_size} (of {smp.target_size} requested)"),
                    ],
                    self.st,
                )
            )
            out.append(Spacer(1, 6))
        if not d.samples:
            out.append(self.p("No random sample was drawn for this meeting."))
        by_selection = {s: sum(1 for r in rows if r.selection == s) for s in Selection}
        carried_next = sum(1 for r in rows if r.carried_over)
        figures = [
            ("Cases selected", str(len(rows))),
            ("Drawn at random", str(by_selection[Selection.RANDOM])),
            ("Chosen by the panel", str(by_selection[Selection.PURPOSIVE])),
            ("Carried over from an earlier meeting", str(by_selection[Selection.CARRIED_OVER])),
            ("Cases reviewed (judged)", str(d.cases.decided_count)),
            ("Carried over to the next meeting", str(carried_next)),
            ("Not yet judged", str(len(rows) - d.cases.decided_count)),
        ]
        out.append(
            KeepTogether(
                [
                    Paragraph("Cases at this meeting", self.st["h2"]),
                    _key_values(figures, self.st, (70 * mm, 20 * mm)),
                ]
            )
        )
        return out

    def outcomes(self) -> list[Flowable]:
        st = self.st
        counts = self.d.cases.counts()
        decided = self.d.cases.decided_count
        out: list[Flowable] = [*self.h1("Outcomes")]
        out.append(
            self.p(
                f"The Panel's judgements on the {_cases(decided)} it reviewed, "
                "by the panel's outcome scheme."
            )
        )
        rows: list[list[Any]] = [
            [
                "",
                Paragraph("Outcome", st["cell_head"]),
                Paragraph("Cases", st["cell_head_right"]),
                Paragraph("Per cent", st["cell_head_right"]),
            ]
        ]
        extra: list[tuple[Any, ...]] = []
        for i, c in enumerate(counts, start=1):
            rows.append(
                [
                    "",
                    Paragraph(_text(c.outcome.label), st["cell"]),
                    Paragraph(str(c.count), st["cell_right"]),
                    Paragraph(_pct(c.percent), st["cell_right"]),
                ]
            )
            extra.append(("BACKGROUND", (0, i), (0, i), colors.HexColor(c.outcome.colour)))
        rows.append(
            [
                "",
                Paragraph("Total reviewed", st["cell_head"]),
                Paragraph(str(decided), st["cell_head_right"]),
                Paragraph(_pct(100.0 if decided else 0.0), st["cell_head_right"]),
            ]
        )
        extra += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("RIGHTPADDING", (0, 0), (0, -1), 0),
        ]
        table = _table(rows, [4 * mm, 100 * mm, 25 * mm, 25 * mm], extra=extra, zebra=False)
        out.append(KeepTogether([table, Spacer(1, 8), _bar_chart(counts)]))
        undecided = len(self.d.cases.rows) - decided
        if undecided:
            out.append(
                self.p(
                    f"{_cases(undecided).capitalize()} on the agenda had no recorded judgement "
                    "and are not counted.",
                    "note",
                )
            )
        return out

    def summary(self) -> list[Flowable]:
        text = commissioner_summary(self.d.cases.counts(), self.d.cases.template.key)
        box = Table([[Paragraph(_text(text), self.st["summary"])]], colWidths=[FRAME_W])
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ]
            )
        )
        return [
            *self.h1("Summary for the Commissioner"),
            self.p("For the Commissioner's update to the Police and Crime Panel:", "note"),
            box,
        ]

    def findings(self, cancel: CancelToken | None) -> list[Flowable]:
        st = self.st
        tpl = self.d.cases.template
        rows = self.d.cases.rows
        out: list[Flowable] = [*self.h1("Case-by-case findings")]
        if not rows:
            out.append(self.p("There were no cases on this meeting's agenda."))
            return out
        summary_head = {
            "oocd": "Offence / disposal",
            "stop_search": "Power / object / outcome",
            "use_of_force": "Tactics / outcome",
            "complaints": "Allegation / outcome",
            "hate_crime": "Offence / outcome",
        }.get(tpl.key, "Summary")
        small = ParagraphStyle("findings", parent=st["cell"], fontSize=8, leading=10)
        muted = ParagraphStyle("findings_muted", parent=small, textColor=MUTED)
        head = ParagraphStyle("findings_head", parent=small, fontName="Helvetica-Bold")
        table_rows: list[list[Any]] = [
            [
                Paragraph(h, head)
                for h in (
                    "#",
                    "Reference",
                    summary_head,
                    "Judgement",
                    "Consensus",
                    "Key observations",
                )
            ]
        ]
        extra: list[tuple[Any, ...]] = [
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
        for i, r in enumerate(rows, start=1):
            if cancel is not None and i % 50 == 0:
                cancel.check()
            outcome = tpl.outcome(r.outcome_code) if r.outcome_code else None
            judgement = (
                Paragraph(_text(r.outcome_label), small)
                if r.decided
                else Paragraph("<i>Not yet judged</i>", muted)
            )
            table_rows.append(
                [
                    Paragraph(str(i), muted),
                    Paragraph(_text(r.reference), small),
                    Paragraph(_case_summary(r), small),
                    judgement,
                    Paragraph(_text(_consensus_label(r.consensus)), small),
                    Paragraph(_text(r.observations) or "\u2014", small),
                ]
            )
            if outcome is not None:
                extra.append(("BACKGROUND", (3, i), (3, i), _tint(outcome.colour)))
        widths = [7 * mm, 31 * mm, 35 * mm, 28 * mm, 20 * mm]
        widths.append(FRAME_W - sum(widths))
        out.append(_table(table_rows, widths, extra=extra))
        return out

    def learning(self) -> list[Flowable]:
        rows = self.d.cases.rows
        out: list[Flowable] = [*self.h1("Good practice and learning")]
        found = False
        for title, attr in (
            ("Good practice", "good_practice"),
            ("Individual learning", "individual_learning"),
            ("Organisational learning", "organisational_learning"),
        ):
            items = _collect(rows, attr)
            if not items:
                continue
            found = True
            out += self.h2(title)
            out += self.bullets(items)
        if not found:
            out.append(
                self.p("The Panel recorded no good practice or learning points at this meeting.")
            )
        return out

    def recommendations(self) -> list[Flowable]:
        st = self.st
        recs = self.d.recommendations
        out: list[Flowable] = [*self.h1("Recommendations")]
        if not recs:
            out.append(self.p("The Panel made no recommendations at this meeting."))
            return out
        out.append(
            self.p(
                f"The Panel makes {len(recs)} "
                f"{'recommendation' if len(recs) == 1 else 'recommendations'} to the force."
            )
        )
        rows: list[list[Any]] = [
            [
                Paragraph(h, st["cell_head"])
                for h in ("Reference", "Addressed to", "Recommendation", "Due", "Status")
            ]
        ]
        for r in recs:
            linked = f"<br/><font color='#52606d'>Cases: {_text(', '.join(r.linked_cases))}</font>"
            rows.append(
                [
                    Paragraph(_text(r.reference), st["cell"]),
                    Paragraph(_text(r.addressed_to) or "\u2014", st["cell"]),
                    Paragraph(_text(r.text) + (linked if r.linked_cases else ""), st["cell"]),
                    Paragraph(_text(_short_date(r.response_due)) or "\u2014", st["cell"]),
                    Paragraph(_text(_status_label(r.status)), st["cell"]),
                ]
            )
        widths = [32 * mm, 32 * mm, 0.0, 22 * mm, 26 * mm]
        widths[2] = FRAME_W - sum(widths)
        out.append(_table(rows, widths))
        return out

    def next_steps(self) -> list[Flowable]:
        d = self.d
        force = d.panel.force or "the force"
        steps: list[str] = []
        recs = d.recommendations
        if recs:
            dues = sorted({r.response_due for r in recs if r.response_due})
            n = len(recs)
            what = "This recommendation" if n == 1 else f"These {n} recommendations"
            if len(dues) == 1:
                when = f" and asked for a written response by {_long_date(dues[0])}"
            elif dues:
                when = " and asked for a written response by the due dates shown"
            else:
                when = " and asked for a written response"
            steps.append(f"{what} will be sent to {force}{when}.")
        carried = sum(1 for r in d.cases.rows if r.carried_over)
        if carried:
            which = "The case" if carried == 1 else f"The {carried} cases"
            steps.append(
                f"{which} on which the Panel did not reach consensus will be carried over to "
                "the next meeting, with any further information requested."
            )
        undecided = len(d.cases.rows) - d.cases.decided_count
        if undecided:
            steps.append(
                f"{_cases(undecided).capitalize()} had no recorded judgement when this report "
                "was produced."
            )
        steps.append(
            "The Panel will review the force's responses and the status of earlier "
            "recommendations at its next meeting."
        )
        steps.append(
            "The published version of this report, with the force's response, will be made "
            "available by the Office of the Police and Crime Commissioner."
        )
        return [*self.h1("Next steps"), *self.bullets(steps)]


def _consensus_label(value: str) -> str:
    try:
        return _CONSENSUS_LABELS[Consensus(value)]
    except ValueError:
        return value.replace("_", " ").capitalize()


def _status_label(value: str) -> str:
    try:
        return RecommendationStatus(value).label
    except ValueError:
        return value


def _case_summary(r: CaseRow) -> str:
    """The case's one-line summary, with the power used (stop and search) on its own line."""
    power = str(r.fields.get("legislation") or "")
    parts = [f"<font color='#52606d'>{_text(power)}</font>"] if power else []
    if r.summary:
        parts.append(_text(r.summary))
    return "<br/>".join(parts) or "\u2014"


def _collect(rows: Sequence[CaseRow], attr: str) -> list[str]:
    """Distinct non-empty texts of ``attr``, each with the cases it came from."""
    found: dict[str, list[str]] = {}
    for r in rows:
        text = str(getattr(r, attr) or "").strip()
        if text:
            found.setdefault(text, []).append(r.reference)
    return [f"{text} ({', '.join(refs)})" for text, refs in found.items()]


def _bar_chart(counts: list[OutcomeCount]) -> Drawing:
    n = max(len(counts), 1)
    bar_h = 22
    plot_h = bar_h * n
    label_w = 175
    drawing = Drawing(FRAME_W, plot_h + 28)
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 18
    chart.height = plot_h
    chart.width = FRAME_W - label_w - 30
    chart.data = [tuple(c.count for c in counts) or (0,)]
    chart.barWidth = bar_h * 0.6
    chart.groupSpacing = bar_h * 0.4
    chart.strokeColor = None
    chart.bars.strokeColor = None
    for i, c in enumerate(counts):
        chart.bars[(0, i)].fillColor = colors.HexColor(c.outcome.colour)
    chart.categoryAxis.categoryNames = [c.outcome.label for c in counts] or [""]
    chart.categoryAxis.reverseDirection = 1  # the scheme's first outcome at the top
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -6
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.tickLeft = 0
    top = max((c.count for c in counts), default=0)
    step = max(1, -(-top // 6))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, -(-top // step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e6eaef")
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.valueAxis.labelTextFormat = "%d"
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = "Helvetica-Bold"
    chart.barLabels.fontSize = 8
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    drawing.add(chart)
    return drawing


# --------------------------------------------------------------------------- the build


def build_report(
    db: Database,
    meeting_id: int,
    out_path: str | Path,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    generated_on: dt.date | None = None,
) -> Path:
    """Write the meeting's panel report as a PDF at ``out_path``; returns the path.

    Raises :class:`~scrutiny_app.services.progress.Cancelled` if ``cancel`` is set, leaving no
    file behind (an existing file at ``out_path`` is left as it was).
    """
    out_path = Path(out_path)
    if cancel is not None:
        cancel.check()
    generated_on = generated_on or dt.date.today()

    steps = len(SECTION_TITLES) + 3
    progress(0, steps, "Reading the meeting")
    data = _load(db, meeting_id, generated_on)
    b = _Builder(data)
    sections: list[tuple[str, Callable[[], list[Flowable]]]] = [
        ("Cover", b.cover),
        ("Purpose and remit", b.remit),
        ("Attendance", b.attendance),
        ("Theme and case selection", b.selection),
        ("Outcomes", b.outcomes),
        ("Summary for the Commissioner", b.summary),
        ("Case-by-case findings", lambda: b.findings(cancel)),
        ("Good practice and learning", b.learning),
        ("Recommendations", b.recommendations),
        ("Next steps", b.next_steps),
    ]
    story: list[Flowable] = []
    for done, (name, make) in enumerate(sections, start=1):
        if cancel is not None:
            cancel.check()
        progress(done, steps, f"Writing {name.lower()}")
        story += make()

    title = f"{data.panel.name} report: {_long_date(data.meeting.date)}"
    subject = data.cases.template.name + (f" - {data.meeting.theme}" if data.meeting.theme else "")
    running = f"{data.panel.name} \u2014 {_long_date(data.meeting.date)}"
    furniture = _page_furniture(running)

    progress(steps - 1, steps, "Laying out the pages")
    with atomic_output(out_path, "report") as tmp:
        doc = _ReportDoc(
            str(tmp),
            cancel=cancel,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author=AUTHOR,
            subject=subject,
            creator=AUTHOR,
            keywords=[CLASSIFICATION, data.panel.name],
        )
        frame = Frame(
            MARGIN_X, MARGIN_BOTTOM, FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body"
        )
        doc.addPageTemplates(
            [
                PageTemplate("cover", frames=[frame], onPage=furniture),
                PageTemplate("body", frames=[frame], onPage=furniture),
            ]
        )
        doc.multiBuild(story, canvasmaker=_NumberedCanvas)
        if cancel is not None:
            cancel.check()
    progress(steps, steps, "Report written")
    return out_path
