"""The report as a Word document: the same sections and tables as the PDF (python-docx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from scrutiny_app.services import demo
from scrutiny_app.services.progress import Cancelled, CancelToken
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.services.report.content import build_document
from scrutiny_app.services.report.model import KeyValues, Table, plain_text
from scrutiny_app.services.report.pdf import build_report
from scrutiny_app.services.report.word import build_report_docx
from scrutiny_app.storage import Database

TODAY = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, int]]:
    db = Database.open(tmp_path_factory.mktemp("docx") / "demo.db")
    ids = demo.create_demo(db)
    report_sections.set_section(
        db, ids.oocd_meeting, "themes", "Two themes:\n\n- **Victims** not consulted\n- Late reviews"
    )
    yield db, ids.oocd_meeting
    db.close()


@pytest.fixture(scope="module", params=[False, True], ids=["internal", "public"])
def built(
    request: pytest.FixtureRequest,
    demo_db: tuple[Database, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[bool, Path, Path]:
    db, mid = demo_db
    public = request.param
    folder = tmp_path_factory.mktemp("out")
    docx = build_report_docx(db, mid, folder / "r.docx", public=public, generated_on=TODAY)
    pdf = build_report(db, mid, folder / "r.pdf", public=public, generated_on=TODAY)
    return public, docx, pdf


def _cell_text(cell: object) -> str:
    return "\n".join(p.text for p in cell.paragraphs)  # type: ignore[attr-defined]


def test_opens_with_metadata_and_language(built: tuple[bool, Path, Path]) -> None:
    public, docx, _ = built
    d = Document(str(docx))
    props = d.core_properties
    assert props.title == "Out of Court Disposals Scrutiny Panel report: 16 September 2026"
    assert props.author == "Out of Court Disposals Scrutiny Panel"
    assert props.subject.startswith("Out of Court Disposals Scrutiny Panel")
    assert props.language == "en-GB"
    marking = "OFFICIAL" if public else "OFFICIAL-SENSITIVE"
    assert marking in props.keywords
    lang = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert lang.find(qn("w:lang")).get(qn("w:val")) == "en-GB"


def test_headings_are_the_pdf_sections(built: tuple[bool, Path, Path]) -> None:
    _, docx, pdf = built
    d = Document(str(docx))
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    outline = [o.title for o in PdfReader(pdf).outline]
    assert headings == outline
    assert len(headings) == 14 and headings[0] == "1. Purpose and remit"


def test_tables_are_the_same_as_the_document(
    built: tuple[bool, Path, Path], demo_db: tuple[Database, int]
) -> None:
    public, docx, _ = built
    db, mid = demo_db
    model = build_document(db, mid, public=public, generated_on=TODAY)
    expected: list[list[list[str]]] = [[[k, v] for k, v in model.cover.details]]
    for section in model.sections:
        for b in section.blocks:
            if isinstance(b, Table):
                head = [c.title for c in b.columns]
                expected.append([head] + [[plain_text(c.lines) for c in row] for row in b.rows])
            elif isinstance(b, KeyValues):
                expected.append([[k, v] for k, v in b.pairs])
    d = Document(str(docx))
    got = [[[_cell_text(c) for c in row.cells] for row in t.rows] for t in d.tables]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == e
    findings = next(t for t in d.tables if _cell_text(t.rows[0].cells[-1]) == "Key observations")
    assert len(findings.rows) == 1 + 24
    # The header row repeats on every page the table runs over.
    tr_pr = findings.rows[0]._tr.trPr
    assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def test_marking_in_every_header_and_footer_with_page_numbers(
    built: tuple[bool, Path, Path],
) -> None:
    public, docx, _ = built
    marking = "OFFICIAL" if public else "OFFICIAL-SENSITIVE"
    d = Document(str(docx))
    for section in d.sections:
        assert marking in [p.text for p in section.header.paragraphs]
        footer = [p.text for p in section.footer.paragraphs]
        assert marking in footer
        xml = section.footer._element.xml
        assert "PAGE" in xml and "NUMPAGES" in xml
    if public:
        assert all("SENSITIVE" not in p.text for s in d.sections for p in s.header.paragraphs)


def test_contents_field_chart_bullets_and_bold(built: tuple[bool, Path, Path]) -> None:
    _, docx, _ = built
    d = Document(str(docx))
    body = d.element.body.xml
    assert "TOC \\o" in body
    assert d.settings.element.find(qn("w:updateFields")) is not None
    assert len(d.inline_shapes) == 1  # the outcome chart, with a text alternative
    assert "Bar chart of the outcomes. Appropriate: 3" in body
    bullets = [p for p in d.paragraphs if p.style.name == "List Bullet"]
    victims = next(p for p in bullets if "Victims" in p.text)
    assert victims.text == "Victims not consulted"
    assert victims.runs[0].bold and victims.runs[0].text == "Victims"


def test_same_sentences_as_the_pdf(built: tuple[bool, Path, Path]) -> None:
    _, docx, pdf = built
    d = Document(str(docx))
    text = " ".join(p.text for p in d.paragraphs)
    summary = (
        "The Panel scrutinised 24 cases: 3 were found to be appropriate, 8 appropriate with "
        "observations and 12 inappropriate. The Panel did not reach consensus in one case."
    )
    assert summary in text
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert summary in pdf_text


def test_cancel_leaves_no_file(demo_db: tuple[Database, int], tmp_path: Path) -> None:
    db, mid = demo_db
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        build_report_docx(db, mid, tmp_path / "r.docx", cancel=token)
    assert list(tmp_path.iterdir()) == []
