"""Report speed: ``build_report`` against a bare reportlab build of the same content.

Two stop and search meetings are made through the real services, from the four real
data.police.uk files in ``tests/data`` (1,909 searches): import, a seeded random sample of 100
and of 1,000 cases, a judgement with observations on every case, attendance, narrative sections
and recommendations. For each, the app's ``build_report`` (reading the database, building the
document, laying it out, writing the file) is timed against a **bare reportlab** build of the
same content made in the same run: the same paragraphs and tables (the same cell texts, fonts and
table kinds), written straight with platypus (``SimpleDocTemplate.build``), with no app code in
the timed part. The ratio is app / bare; targets: ratio <= 2, and the 1,000-case report under 5 s.
The app and the bare build run ``repeat`` times, interleaved; the ratio is the median of
the runs' ratios.

Run it alone with ``python -m benchmarks.report_bench [--repeat N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SIZES = (100, 1_000)
SEED = 40213
GENERATED_ON = dt.date(2019, 4, 1)
RATIO_TARGET = 2.0
SECONDS_TARGET_1000 = 5.0

OBSERVATIONS = (
    "Grounds recorded clearly; GOWISELY complete and body-worn video on from the start.",
    "Search justified, but the officer did not give the station or offer a receipt.",
    "Grounds rested on the smell of cannabis alone; body-worn video switched on late.",
    "Courteous throughout. The record does not say why a search of the vehicle was needed.",
    "",
)
CODES = ("green", "green", "amber", "red", "green", "amber", "no_consensus")


# --------------------------------------------------------------------------- set-up


def _make_meeting(db: Any, size: int) -> int:
    """A judged stop and search meeting of ``size`` cases, through the real services."""
    from scrutiny_app.services import (
        cases,
        importer,
        panels,
        recommendations,
        sampling,
        session,
    )
    from scrutiny_app.services.report import sections as report_sections

    pid = panels.create_panel(
        db,
        "stop_search",
        f"Police Powers Panel ({size})",
        force="Avon and Somerset",
        code=f"SOPP{size}",
    )
    mid = panels.create_meeting(
        db, pid, dt.date(2019, 3, 14), "Drugs searches", location="Police HQ, Portishead"
    )
    for path in sorted(DATA.glob("*-stop-and-search.csv")):
        importer.import_stop_search(db, mid, path)
    sampling.draw_sample(db, mid, size, seed=SEED)
    for name, role, org in (
        ("A", "chair", "Independent member"),
        ("B", "member", "Magistrates' Association"),
        ("C", "member", "Youth Offending Team"),
        ("D", "officer", "Office of the Police and Crime Commissioner"),
    ):
        member = panels.add_member(db, pid, name, role=role, organisation=org)
        panels.set_attendance(db, mid, member, present=True)
    rows = cases.meeting_cases(db, mid).rows
    for i, row in enumerate(rows):
        session.save_decision(
            db,
            row.item_id,
            outcome_code=CODES[i % len(CODES)],
            consensus="majority" if i % 9 == 4 else "unanimous",
            observations=OBSERVATIONS[i % len(OBSERVATIONS)],
            good_practice="Clear explanation of the grounds." if i % 25 == 0 else "",
            organisational_learning="Switch body-worn video on early." if i % 40 == 3 else "",
        )
    for n in range(3):
        recommendations.add_recommendation(
            db,
            pid,
            f"Recommendation {n + 1}: remind officers to switch body-worn video on before the "
            "encounter begins and to record the grounds in full.",
            meeting_id=mid,
            addressed_to="Body-worn video lead",
            response_due=dt.date(2019, 5, 1),
            case_ids=[rows[n].case_id],
        )
    report_sections.set_section(
        db,
        mid,
        "performance_context",
        "The force carried out **1,909** searches in the four months sampled.\n\n"
        "- Find rate: 27%\n- Searches of people from Black backgrounds: 9%",
    )
    report_sections.set_section(db, mid, "themes", "Body-worn video was switched on late.")
    return mid


# --------------------------------------------------------------------------- the bare build


def _bare_inputs(db: Any, meeting_id: int) -> dict[str, Any]:
    """The content, read once through the app's read models before any timing."""
    from scrutiny_app.services import cases, panels, recommendations

    data = cases.meeting_cases(db, meeting_id)
    return {
        "panel": panels.panel_of_meeting(db, meeting_id),
        "meeting": panels.meeting_info(db, meeting_id),
        "cases": data,
        "counts": data.counts(),
        "recs": recommendations.list_recommendations(db, meeting_id=meeting_id),
    }


def bare_reportlab(inputs: dict[str, Any], out: Path) -> None:
    """The same paragraphs and tables written straight with reportlab platypus."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Table, TableStyle

    fonts = REPO / "resources" / "fonts"
    if "BareSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BareSans", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("BareSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(TTFont("BareSans-Oblique", str(fonts / "DejaVuSans-Oblique.ttf")))
        pdfmetrics.registerFontFamily(
            "BareSans",
            normal="BareSans",
            bold="BareSans-Bold",
            italic="BareSans-Oblique",
            boldItalic="BareSans-Bold",
        )
    body = ParagraphStyle("b", fontName="BareSans", fontSize=9.5, leading=13.5, spaceAfter=6)
    h1 = ParagraphStyle("h1", parent=body, fontName="BareSans-Bold", fontSize=14, leading=18)
    cell = ParagraphStyle("c", parent=body, fontSize=7.6, leading=9.6, spaceAfter=0)
    head = ParagraphStyle("ch", parent=cell, fontName="BareSans-Bold")
    grid = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e9f0")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f8fa")]),
        ]
    )
    muted = "<font color='#52606d'>{}</font>"
    panel, meeting, data, counts, recs = (
        inputs["panel"],
        inputs["meeting"],
        inputs["cases"],
        inputs["counts"],
        inputs["recs"],
    )
    story: list[Any] = [
        Paragraph(escape(panel.name), h1),
        Paragraph(escape(f"Meeting of {meeting.date:%d %B %Y}: {meeting.theme}"), body),
    ]
    for title in ("Purpose and remit", "Attendance", "Performance context", "Theme and selection"):
        story += [
            Paragraph(title, h1),
            Paragraph("The Panel reviews closed case files. " * 6, body),
        ]
    story.append(Paragraph("Outcomes", h1))
    rows = [[Paragraph(h, head) for h in ("Outcome", "Cases", "Per cent")]]
    rows += [
        [Paragraph(escape(c.outcome.label), cell), Paragraph(str(c.count), cell),
         Paragraph(f"{c.percent:.1f}%", cell)]
        for c in counts
    ]  # fmt: skip
    t = Table(rows, colWidths=[110 * mm, 25 * mm, 25 * mm], repeatRows=1)
    t.setStyle(grid)
    story.append(t)
    drawing = Drawing(170 * mm, 22 * len(counts) + 28)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.height, chart.width = 190, 18, 22 * len(counts), 250
    chart.data = [tuple(c.count for c in counts)]
    chart.categoryAxis.categoryNames = [c.outcome.label for c in counts]
    chart.categoryAxis.labels.fontName = "BareSans"
    chart.valueAxis.labels.fontName = "BareSans"
    for i, c in enumerate(counts):
        chart.bars[(0, i)].fillColor = colors.HexColor(c.outcome.colour)
    drawing.add(chart)
    story += [drawing, Paragraph("Case-by-case findings", h1)]
    rows = [[Paragraph(h, head) for h in ("#", "Reference", "Power", "Judgement", "Observations")]]
    for i, r in enumerate(data.rows, start=1):
        power = "<br/>".join(
            [muted.format(escape(str(r.fields.get("legislation") or "")))]
            + [escape(str(r.fields.get(k) or "")) for k in ("object_of_search", "outcome")]
        )
        rows.append(
            [
                Paragraph(muted.format(i), cell),
                Paragraph(escape(r.reference), cell),
                Paragraph(power, cell),
                Paragraph(
                    escape(r.outcome_label) + "<br/>" + muted.format(escape(r.consensus)), cell
                ),
                Paragraph(escape(r.observations or "-"), cell),
            ]
        )
    findings = LongTable(rows, colWidths=[6 * mm, 31 * mm, 36 * mm, 28 * mm, 69 * mm], repeatRows=1)
    findings.setStyle(grid)
    story.append(findings)
    for title in ("Good practice and learning", "Themes and concerns"):
        story += [Paragraph(title, h1), Paragraph("Learning recorded by the Panel. " * 4, body)]
    story.append(Paragraph("Recommendations", h1))
    rows = [[Paragraph(h, head) for h in ("Reference", "Recommendation", "Addressed to")]]
    rows += [
        [Paragraph(escape(r.reference), cell), Paragraph(escape(r.text), cell),
         Paragraph(escape(r.addressed_to), cell)]
        for r in recs
    ]  # fmt: skip
    t = Table(rows, colWidths=[32 * mm, 100 * mm, 38 * mm], repeatRows=1)
    t.setStyle(grid)
    story.append(t)
    for title in ("Force response", "Status of earlier recommendations", "Next theme"):
        story += [Paragraph(title, h1), Paragraph("To follow. " * 8, body)]
    doc = SimpleDocTemplate(
        str(out), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=panel.name
    )
    doc.build(story)


# --------------------------------------------------------------------------- timing


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(workdir: Path, repeat: int = 3) -> list[dict]:
    """Build the meetings in ``workdir`` and time the reports; one result per size."""
    from scrutiny_app.services.report.pdf import build_report, register_fonts
    from scrutiny_app.services.report.word import build_report_docx
    from scrutiny_app.storage import Database

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for p in workdir.glob("report-bench.db*"):
        p.unlink()
    db = Database.open(workdir / "report-bench.db")
    register_fonts()  # once per process, as in the app: not part of a report's cost
    results = []
    try:
        meetings = {size: _make_meeting(db, size) for size in SIZES}
        for size, mid in meetings.items():
            inputs = _bare_inputs(db, mid)
            app_out, bare_out = workdir / f"app-{size}.pdf", workdir / f"bare-{size}.pdf"
            # Warm both paths once (imports, font subsets), then interleave the timed runs.
            build_report(db, mid, app_out, generated_on=GENERATED_ON)
            bare_reportlab(inputs, bare_out)
            pairs = []
            for _ in range(repeat):  # interleaved: app, bare, app, bare...
                a = _seconds(lambda: build_report(db, mid, app_out, generated_on=GENERATED_ON))  # noqa: B023
                b = _seconds(lambda: bare_reportlab(inputs, bare_out))  # noqa: B023
                pairs.append((b, a))
            ratios = [a / b for b, a in pairs]
            ratio = statistics.median_low(ratios)
            bare, app = pairs[ratios.index(ratio)]
            target = f"ratio <= {RATIO_TARGET:g}"
            ok = ratio <= RATIO_TARGET
            if size >= 1_000:
                target += f", < {SECONDS_TARGET_1000:g} s"
                ok = ok and app < SECONDS_TARGET_1000
            results.append(
                {
                    "name": f"report PDF {size:,} cases",
                    "seconds": round(app, 3),
                    "baseline_seconds": round(bare, 3),
                    "ratio": round(ratio, 2),
                    "ratios": [round(r, 2) for r in ratios],
                    "target": target,
                    "ok": ok,
                }
            )
        # The largest meeting's other outputs: the public PDF (same baseline) and the Word file.
        size, mid = max(meetings.items())
        public_pairs = []
        for _ in range(repeat):
            a = _seconds(
                lambda: build_report(
                    db, mid, workdir / "public.pdf", public=True, generated_on=GENERATED_ON
                )
            )
            b = _seconds(lambda: bare_reportlab(inputs, bare_out))
            public_pairs.append((b, a))
        public_ratios = [a / b for b, a in public_pairs]
        public_ratio = statistics.median_low(public_ratios)
        bare, public = public_pairs[public_ratios.index(public_ratio)]
        results.append(
            {
                "name": f"report PDF {size:,} cases, public",
                "seconds": round(public, 3),
                "baseline_seconds": bare,
                "ratio": round(public_ratio, 2),
                "ratios": [round(r, 2) for r in public_ratios],
                "target": f"ratio <= {RATIO_TARGET:g}, < {SECONDS_TARGET_1000:g} s",
                "ok": public_ratio <= RATIO_TARGET and public < SECONDS_TARGET_1000,
            }
        )
        word = statistics.median(
            _seconds(lambda: build_report_docx(db, mid, workdir / "report.docx"))
            for _ in range(repeat)
        )
        results.append(
            {
                "name": f"report Word {size:,} cases",
                "seconds": round(word, 3),
                "baseline_seconds": None,
                "ratio": None,
                "target": f"< {SECONDS_TARGET_1000:g} s",
                "ok": word < SECONDS_TARGET_1000,
            }
        )
    finally:
        db.close()
    return results


def _table(results: list[dict]) -> str:
    lines = [f"{'benchmark':<34} {'app s':>8} {'bare s':>8} {'ratio':>6}  target"]
    for r in results:
        mark = "ok" if r.get("ok") else "MISSED"
        base = "-" if r["baseline_seconds"] is None else f"{r['baseline_seconds']:.3f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(
            f"{r['name']:<34} {r['seconds']:>8.3f} {base:>8} {ratio:>6}  {r['target']} ({mark})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per build (best kept)")
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.workdir:
        results = run(args.workdir, repeat=args.repeat)
    else:
        with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
            results = run(Path(tmp), repeat=args.repeat)
    print(_table(results))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
