"""The two versions of the report: internal (OFFICIAL-SENSITIVE) and public (OFFICIAL).

Built on the demo OOCD meeting (24 judged cases), with what a real officer adds: narrative
sections (one flagged internal), a judgement and a recommendation flagged internal, an
observation that quotes a case reference, an earlier meeting with a recommendation still open,
the force's response, and the next theme. Also the report and tracker commands' exit codes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from scrutiny_app.cli import main
from scrutiny_app.services import (
    cases,
    demo,
    panels,
    recommendations,
    session,
)
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.services.report.content import REDACTED, build_document
from scrutiny_app.services.report.pdf import SECTION_TITLES, build_report
from scrutiny_app.services.report.word import build_report_docx
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import PanelJudgement

TODAY = dt.date(2026, 10, 1)
INTERNAL_NARRATIVE = "Sergeant on the panel raised a concern about one officer's conduct."
PUBLIC_NARRATIVE = "The force issued **312** out of court disposals for stalking offences."
INTERNAL_OBSERVATION = "Internal only: the officer named in the file is under investigation."
INTERNAL_REC = "Refer the conduct of the officer in this case to Professional Standards."
EARLIER_REC = "Review the use of community resolutions for repeat harassment."


@dataclass(frozen=True)
class World:
    db: Database
    panel_id: int
    meeting_id: int
    references: tuple[str, ...]  # every case reference the panel has seen
    quoted: str  # the reference an observation quotes
    internal_ref: str  # the case whose judgement is internal
    internal_rec: str
    public_rec: str
    earlier_rec: str


def _pages(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(path).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = Database.open(tmp_path_factory.mktemp("public") / "demo.db")
    ids = demo.create_demo(db)
    mid, pid = ids.oocd_meeting, ids.oocd_panel
    rows = cases.meeting_cases(db, mid).rows
    quoted = rows[5].reference
    # An observation that names another case: the public version must not carry it.
    session.save_decision(
        db,
        rows[0].item_id,
        observations=f"Same pattern as {quoted}; the victim was not consulted.",
    )
    session.save_decision(
        db,
        rows[1].item_id,
        observations=INTERNAL_OBSERVATION,
    )
    with db.transaction() as s:
        j = s.query(PanelJudgement).filter_by(meeting_case_id=rows[1].item_id).one()
        j.internal = True
    report_sections.set_section(db, mid, "performance_context", PUBLIC_NARRATIVE)
    report_sections.set_section(db, mid, "themes", INTERNAL_NARRATIVE, internal=True)
    report_sections.set_section(
        db, mid, "force_response", "The Deputy Chief Constable wrote on 20 October 2026."
    )
    report_sections.set_next_theme(db, mid, "Hate crime community resolutions")
    internal = recommendations.raise_from_case(
        db, rows[1].item_id, INTERNAL_REC, addressed_to="Head of Professional Standards",
        internal=True,
    )  # fmt: skip
    public = next(
        r for r in recommendations.list_recommendations(db, meeting_id=mid) if not r.internal
    )
    # The demo issued it and recorded the force's answer; this one replaces the wording.
    recommendations.update_recommendation(
        db,
        public.id,
        {"force_response": "Accepted. Guidance will be reissued to all officers."},
        on=dt.date(2026, 10, 20),
    )
    earlier_meeting = panels.create_meeting(db, pid, dt.date(2026, 6, 10), "Harassment")
    earlier = recommendations.add_recommendation(
        db,
        pid,
        EARLIER_REC,
        meeting_id=earlier_meeting,
        addressed_to="Head of Criminal Justice",
        response_due=dt.date(2026, 8, 1),
        case_ids=[rows[7].case_id],
    )
    recommendations.change_status(db, earlier.id, "issued", on=dt.date(2026, 6, 20))
    refs = tuple(r.reference for r in rows)
    yield World(
        db, pid, mid, refs, quoted, rows[1].reference, internal.reference, public.reference,
        earlier.reference,
    )  # fmt: skip
    db.close()


@pytest.fixture(scope="module")
def internal_pdf(world: World, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("internal") / "internal.pdf"
    return _pages(build_report(world.db, world.meeting_id, out, generated_on=TODAY))


@pytest.fixture(scope="module")
def public_pdf(world: World, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("public") / "public.pdf"
    return _pages(build_report(world.db, world.meeting_id, out, public=True, generated_on=TODAY))


# --------------------------------------------------------------------------- markings


def test_internal_is_official_sensitive_on_every_page(internal_pdf: list[str]) -> None:
    for n, text in enumerate(internal_pdf, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {n}"


def test_public_is_official_on_every_page_and_never_sensitive(public_pdf: list[str]) -> None:
    for n, text in enumerate(public_pdf, start=1):
        assert len(re.findall(r"\bOFFICIAL\b(?!-)", text)) >= 2, f"page {n}"
        assert "OFFICIAL-SENSITIVE" not in text, f"page {n}"
        assert f"Page {n} of {len(public_pdf)}" in text


def test_public_metadata_says_official(world: World, tmp_path: Path) -> None:
    out = build_report(world.db, world.meeting_id, tmp_path / "p.pdf", public=True)
    meta = PdfReader(out).metadata
    assert meta is not None
    assert "OFFICIAL" in meta["/Keywords"] and "SENSITIVE" not in meta["/Keywords"]


# --------------------------------------------------------------------------- what is left out


def test_public_has_no_case_reference_anywhere(world: World, public_pdf: list[str]) -> None:
    text = " ".join(public_pdf)
    flat = _flat(text)
    for ref in world.references:
        assert ref not in text and ref not in flat, ref
    # Nothing that looks like this panel's case pseudonym either.
    assert not re.search(r"OOCD-[0-9A-Z]{8}\b", flat)
    assert REDACTED in flat  # the quoted reference was replaced, the sentence kept
    assert "Same pattern as [case]; the victim was not consulted." in flat


def test_internal_keeps_references_and_linked_cases(world: World, internal_pdf: list[str]) -> None:
    flat = _flat(" ".join(internal_pdf))
    for ref in world.references:
        assert ref in flat, ref
    assert f"Same pattern as {world.quoted}" in flat
    assert "Cases: " in flat  # linked cases under a recommendation


def test_public_leaves_out_everything_flagged_internal(world: World, public_pdf: list[str]) -> None:
    flat = _flat(" ".join(public_pdf))
    for text in (INTERNAL_NARRATIVE, INTERNAL_OBSERVATION, INTERNAL_REC, world.internal_rec):
        assert text not in flat, text
    assert "Internal: left out" not in flat
    assert "1 case is not described in this version" in flat
    # What is not internal is still there.
    assert "The force issued 312 out of court disposals" in flat
    assert world.public_rec in flat
    assert "Accepted. Guidance will be reissued to all officers." in flat


def test_internal_shows_internal_material_marked(world: World, internal_pdf: list[str]) -> None:
    flat = _flat(" ".join(internal_pdf))
    for text in (INTERNAL_NARRATIVE, INTERNAL_OBSERVATION, INTERNAL_REC, world.internal_rec):
        assert text in flat, text
    assert flat.count("Internal: left out of the published version.") >= 3


def test_public_findings_are_numbered_rows_in_the_internal_order(
    world: World, public_pdf: list[str], internal_pdf: list[str]
) -> None:
    flat = _flat(" ".join(public_pdf[1:]))
    findings = flat[flat.find("8. Case-by-case findings") : flat.find("9. Good practice")]
    numbers = [int(n) for n in re.findall(r"Case (\d+)\b", findings)]
    # Case 2 is internal: left out, and the others keep the internal numbering.
    assert sorted(set(numbers)) == [n for n in range(1, 25) if n != 2]
    assert "Offence / disposal" in findings and "Key observations" in findings
    assert "Stalking (s.2A Protection from Harassment Act 1997)" in findings
    # The good practice list points at the same numbers instead of references.
    learning = flat[flat.find("9. Good practice") : flat.find("10. Themes and concerns")]
    assert re.search(r"\(cases? [\d, and]+\)", learning)


def test_both_versions_count_every_judged_case(
    public_pdf: list[str], internal_pdf: list[str]
) -> None:
    for pages in (public_pdf, internal_pdf):
        flat = _flat(" ".join(pages))
        for label, count in (
            ("Appropriate", 3),
            ("Appropriate with observations", 8),
            ("Inappropriate", 12),
            ("No consensus / more information needed", 1),
        ):
            assert f"{label} {count}" in flat, label
        assert (
            "The Panel scrutinised 24 cases: 3 were found to be appropriate, 8 appropriate with "
            "observations and 12 inappropriate. The Panel did not reach consensus in one case."
        ) in flat


def test_sections_in_order_in_both_versions(public_pdf: list[str], internal_pdf: list[str]) -> None:
    for pages in (public_pdf, internal_pdf):
        body = _flat(" ".join(pages[1:]))
        positions = [body.find(f"{i}. {t}") for i, t in enumerate(SECTION_TITLES, start=1)]
        assert all(p >= 0 for p in positions), positions
        assert positions == sorted(positions)


# --------------------------------------------------------------------------- new sections


def test_force_response_and_earlier_recommendations(world: World, internal_pdf: list[str]) -> None:
    flat = _flat(" ".join(internal_pdf[1:]))
    response = flat[flat.find("12. Force response") : flat.find("13. Status of earlier")]
    assert "The Deputy Chief Constable wrote on 20 October 2026." in response
    assert world.public_rec in response and "Accepted" in response
    assert "Force Crime Registrar" in response and "Target: 31 Jan 2027" in response
    earlier = flat[flat.find("13. Status of earlier") : flat.find("14. Next theme")]
    assert world.earlier_rec in earlier and EARLIER_REC in earlier
    assert "Issued (awaiting response)" in earlier and "Overdue" in earlier
    assert "1 open, 1 overdue" in earlier
    nxt = flat[flat.find("14. Next theme") :]
    assert "The theme of the next meeting will be: Hate crime community resolutions." in nxt


def test_narrative_keeps_its_bold_as_real_text(world: World, internal_pdf: list[str]) -> None:
    context = _flat(" ".join(internal_pdf[1:]))
    context = context[context.find("3. Performance context") : context.find("4. Theme")]
    assert "The force issued 312 out of court disposals for stalking offences." in context
    assert "**" not in context
    assert "Eligible cases 96" in context  # the population the sample came from


def test_document_model_of_public_has_no_reference(world: World) -> None:
    doc = build_document(world.db, world.meeting_id, public=True, generated_on=TODAY)
    text = "\n".join(doc.texts())
    for ref in world.references:
        assert ref not in text
    assert doc.classification == "OFFICIAL"
    assert doc.section_titles == SECTION_TITLES


def test_public_docx_has_no_reference_either(world: World, tmp_path: Path) -> None:
    from docx import Document

    out = build_report_docx(world.db, world.meeting_id, tmp_path / "p.docx", public=True)
    d = Document(str(out))
    texts = [p.text for p in d.paragraphs]
    texts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    for section in d.sections:
        texts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    joined = "\n".join(texts)
    for ref in world.references:
        assert ref not in joined, ref
    assert INTERNAL_NARRATIVE not in joined
    assert "OFFICIAL" in joined and "OFFICIAL-SENSITIVE" not in joined


# --------------------------------------------------------------------------- the command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_report_public_and_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    assert run(capsys, "demo", "--db", db)[0] == 0
    refs = [c.reference for c in cases.meeting_cases(Database.open(db), 1).rows]

    pdf = tmp_path / "public.pdf"
    code, out, err = run(
        capsys, "report", "--db", db, "--meeting", "1", "--out", str(pdf), "--public", "--docx"
    )
    assert code == 0, err
    assert "public, OFFICIAL" in out
    assert pdf.exists() and (tmp_path / "public.docx").exists()
    text = " ".join(_pages(pdf))
    assert "OFFICIAL-SENSITIVE" not in text
    assert not any(ref in text for ref in refs)

    only_word = tmp_path / "internal.docx"
    code, out, _ = run(capsys, "report", "--db", db, "--meeting", "1", "--out", str(only_word))
    assert code == 0 and only_word.exists() and not (tmp_path / "internal.pdf").exists()

    code, _, err = run(capsys, "report", "--db", db, "--meeting", "1", "--out", "r.txt")
    assert code == 2 and ".pdf or .docx" in err and "Traceback" not in err
