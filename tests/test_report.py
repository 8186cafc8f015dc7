"""The panel report PDF and the Commissioner's summary paragraph (no Qt)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BACKENDS, open_scratch
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from scrutiny_app.errors import UserError
from scrutiny_app.services import (
    cases,
    files,
    importer,
    panels,
    recommendations,
    sampling,
    session,
)
from scrutiny_app.services.cases import OutcomeCount
from scrutiny_app.services.progress import Cancelled, CancelToken
from scrutiny_app.services.report import pdf as report
from scrutiny_app.services.report.pdf import SECTION_TITLES, build_report, commissioner_summary
from scrutiny_app.services.templates import Outcome, builtin_specs
from scrutiny_app.storage import Database

DATA = Path(__file__).parent / "data"
FILE_2019_01 = DATA / "2019-01-avon-and-somerset-stop-and-search.csv"
MARKING = "OFFICIAL-SENSITIVE"
GENERATED_ON = dt.date(2019, 3, 8)
# 40 cases: 20 green, 11 amber, 5 red, 2 no consensus and 2 not judged yet.
SPLIT = ["green"] * 20 + ["amber"] * 11 + ["red"] * 5 + ["no_consensus"] * 2
MEMBERS = [
    ("Alice Chairperson", "chair", "Independent member", True),
    ("Bob Magistrate", "member", "Magistrates' Association", True),
    ("Carol Magistrate", "member", "Magistrates' Association", True),
    ("Dan Resident", "member", "", True),
    ("Eve Officer", "officer", "Office of the Police and Crime Commissioner", True),
    ("Frank Liaison", "force_liaison", "Avon and Somerset Constabulary", True),
    ("Grace Absent", "member", "Youth Offending Team", False),
]


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Judged:
    db: Database
    panel_id: int
    meeting_id: int
    references: tuple[str, ...]
    rec_reference: str
    pdf: Path


def _pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module", params=BACKENDS)
def judged(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Judged]:
    """A police powers meeting of 40 sampled cases, 38 judged, with attendance and two
    recommendations; and its report, built once for the module (per backend)."""
    folder = tmp_path_factory.mktemp("report")
    db = open_scratch(request, request.param, folder)
    pid = panels.create_panel(
        db, "stop_search", "Police Powers Panel", force="Avon and Somerset", code="SOPP"
    )
    mid = panels.create_meeting(
        db, pid, dt.date(2019, 3, 1), "Drug searches", location="Police HQ, Portishead"
    )
    importer.import_stop_search(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, 40, seed=40213)
    for name, role, org, present in MEMBERS:
        member = panels.add_member(db, pid, name, role=role, organisation=org)
        panels.set_attendance(
            db,
            mid,
            member,
            present=present,
            declarations="Knows an officer in one case" if name.startswith("Carol") else "",
        )
    rows = cases.meeting_cases(db, mid).rows
    for i, (row, code) in enumerate(zip(rows, SPLIT, strict=False)):
        session.save_decision(
            db,
            row.item_id,
            outcome_code=code,
            consensus="majority" if i == 3 else "unanimous",
            observations=f"Observation on case {i + 1}: grounds were recorded clearly. " * (i % 3),
            good_practice="Calm & courteous <throughout>." if i in (0, 9) else "",
            organisational_learning="Video switched on late." if code == "red" else "",
        )
    rec = recommendations.add_recommendation(
        db,
        pid,
        "Remind officers to switch on body-worn video before the encounter begins.",
        meeting_id=mid,
        addressed_to="Body-worn video lead",
        response_due=dt.date(2019, 5, 1),
        case_ids=[rows[33].case_id],
    )
    recommendations.change_status(db, rec.id, "issued", on=dt.date(2019, 3, 10))
    pdf = build_report(db, mid, folder / "report.pdf", generated_on=GENERATED_ON)
    yield Judged(db, pid, mid, tuple(r.reference for r in rows), rec.reference, pdf)
    db.close()


@pytest.fixture(scope="module")
def pages(judged: Judged) -> list[str]:
    return _pdf_text(judged.pdf)


def _counts(template_key: str, numbers: list[int]) -> list[OutcomeCount]:
    """OutcomeCounts of a built-in scheme, in scheme order."""
    spec = builtin_specs()[template_key]["outcomes"]
    total = sum(numbers)
    return [
        OutcomeCount(
            Outcome(
                o["code"],
                o["label"],
                o["colour"],
                bool(o.get("is_concern")),
                bool(o.get("is_carry_over")),
            ),
            n,
            100.0 * n / total if total else 0.0,
        )
        for o, n in zip(spec, numbers, strict=True)
    ]


# --------------------------------------------------------------------------- the PDF


def test_report_is_a_multi_page_pdf_with_metadata(judged: Judged) -> None:
    reader = PdfReader(judged.pdf)
    assert len(reader.pages) > 1
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Police Powers Panel report: 1 March 2019"
    assert meta.author == "Police Powers Panel"
    assert meta.creator == "Scrutiny app"
    assert meta.subject == "Scrutiny of Police Powers Panel - stop and search - Drug searches"
    assert "OFFICIAL-SENSITIVE" in meta["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_every_page_is_marked_and_numbered(pages: list[str]) -> None:
    total = len(pages)
    for n, text in enumerate(pages, start=1):
        assert text.count(MARKING) >= 2, f"page {n} lacks the header and footer marking"
        assert f"Page {n} of {total}" in text


def test_cover_carries_panel_force_date_theme_and_classification(pages: list[str]) -> None:
    cover = _flat(pages[0])
    for expected in (
        "Police Powers Panel",
        "Avon and Somerset",
        "1 March 2019",
        "Drug searches",
        f"Classification {MARKING}",
        "Case references are pseudonymised.",
        "Report produced 8 March 2019",
        "Contents",
    ):
        assert expected in cover


def test_sections_come_in_order_after_the_cover(pages: list[str]) -> None:
    body = _flat(" ".join(pages[1:]))
    positions = [body.find(f"{i}. {title}") for i, title in enumerate(SECTION_TITLES, start=1)]
    assert all(p >= 0 for p in positions), dict(zip(SECTION_TITLES, positions, strict=True))
    assert positions == sorted(positions)
    assert SECTION_TITLES == (
        "Purpose and remit",
        "Attendance",
        "Performance context",
        "Theme and case selection",
        "Outcomes",
        "Findings by criterion",
        "Summary for the Commissioner",
        "Case-by-case findings",
        "Good practice and learning",
        "Themes and concerns",
        "Recommendations",
        "Force response",
        "Status of earlier recommendations",
        "Next theme and next steps",
    )


def test_outcome_table_has_scheme_labels_counts_and_percentages(pages: list[str]) -> None:
    body = _flat(" ".join(pages[1:]))
    section = body[body.find("5. Outcomes") : body.find("7. Summary for the Commissioner")]
    for label, count, pct in (
        ("Green - good practice", 20, "52.6%"),
        ("Amber - adequate, feedback required", 11, "28.9%"),
        ("Red - concern, escalated", 5, "13.2%"),
        ("No consensus / more information needed", 2, "5.3%"),
        ("Total reviewed", 38, "100.0%"),
    ):
        assert re.search(rf"{re.escape(label)} {count} {re.escape(pct)}", section), label
    assert "2 cases on the agenda had no recorded judgement" in section
    labels = [
        "Green - good practice",
        "Amber - adequate, feedback required",
        "Red - concern, escalated",
        "No consensus / more information needed",
    ]
    first = [section.find(label) for label in labels]
    assert first == sorted(first), "the table follows the scheme's order"


def test_zero_outcomes_are_listed(db: Database, tmp_path: Path) -> None:
    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon and Somerset")
    mid = panels.create_meeting(db, pid, dt.date(2019, 4, 1), "Knives")
    importer.import_stop_search(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, 3, seed=7)
    for row in cases.meeting_cases(db, mid).rows:
        session.save_decision(db, row.item_id, outcome_code="green")
    text = _flat(" ".join(_pdf_text(build_report(db, mid, tmp_path / "z.pdf"))))
    assert "Green - good practice 3 100.0%" in text
    assert "Red - concern, escalated 0 0.0%" in text
    assert "No consensus / more information needed 0 0.0%" in text
    assert 'The Panel scrutinised 3 cases: all 3 were rated "Green - good practice".' in text
    db.close()


def test_summary_paragraph_is_in_the_report(pages: list[str]) -> None:
    body = _flat(" ".join(pages[1:]))
    assert (
        'The Panel scrutinised 38 cases: 20 were rated "Green - good practice", '
        '11 "Amber - adequate, feedback required" and 5 "Red - concern, escalated". '
        "The Panel did not reach consensus in 2 cases."
    ) in body


def test_findings_list_every_case_with_repeated_header(judged: Judged, pages: list[str]) -> None:
    body = _flat(" ".join(pages))
    for ref in judged.references:
        assert ref in body
    findings_pages = [p for p in pages if "SOPP-715D97" in p and "Key observations" in p]
    assert len(findings_pages) >= 2, "the findings table runs over pages, header repeated"
    assert "Not yet judged" in body
    assert "Majority" in body
    assert "Misuse of Drugs Act 1971" in body  # the power used, for stop and search


def test_attendance_lists_roles_and_organisations_not_names(pages: list[str]) -> None:
    text = _flat(" ".join(pages[1:]))
    section = text[text.find("2. Attendance") : text.find("3. Performance context")]
    assert "Chair Independent member 1" in section
    assert "Panel member Magistrates' Association 2" in section
    assert "OPCC scrutiny officer" in section
    assert "Force liaison Avon and Somerset Constabulary 1" in section
    assert "Apologies: Panel member." in section
    assert "Panel member: Knows an officer in one case" in section
    for name, *_ in MEMBERS:
        first = name.split()[0]
        assert not re.search(rf"\b{first}\b", text), f"member name {first!r} printed"


def test_selection_section_states_population_method_seed_and_numbers(pages: list[str]) -> None:
    body = _flat(" ".join(pages[1:]))
    section = body[body.find("4. Theme and case selection") : body.find("5. Outcomes")]
    assert "The theme of this meeting was: Drug searches." in section
    assert "40 cases were drawn at random from a population of 519" in section
    assert "Population 519 eligible cases" in section
    assert "Method Simple random sample" in section
    assert "Random seed 40213" in section
    assert "Cases selected 40" in section
    assert "Cases reviewed (judged) 38" in section
    assert "Carried over to the next meeting 2" in section
    assert "Not yet judged 2" in section


def test_learning_recommendations_and_next_steps(judged: Judged, pages: list[str]) -> None:
    body = _flat(" ".join(pages[1:]))
    learning = body[
        body.find("9. Good practice and learning") : body.find("10. Themes and concerns")
    ]
    assert "Calm & courteous <throughout>." in learning  # escaped, not taken as markup
    assert judged.references[0] in learning and judged.references[9] in learning
    assert "Organisational learning" in learning
    assert "Video switched on late." in learning
    recs = body[body.find("11. Recommendations") : body.find("12. Force response")]
    assert judged.rec_reference == "SOPP-2019-03-R1"
    assert judged.rec_reference in recs
    assert "Body-worn video lead" in recs
    assert "1 May 2019" in recs
    assert "Issued (awaiting response)" in recs
    steps = body[body.find("14. Next theme and next steps") :]
    assert "This recommendation has been sent to" in steps
    assert "a written response is due by 1 May 2019" in steps
    assert "The 2 cases on which the Panel did not reach consensus" in steps


def test_cancel_before_the_call_raises_and_leaves_no_file(judged: Judged, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(Cancelled):
        build_report(judged.db, judged.meeting_id, out, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_cancel_during_layout_keeps_the_old_file(judged: Judged, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the previous report")
    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(message)
        if message.startswith("Laying out"):
            token.cancel()  # cancelled while reportlab is laying out the pages

    with pytest.raises(Cancelled):
        build_report(judged.db, judged.meeting_id, out, progress=progress, cancel=token)
    assert out.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
    assert any(m.startswith("Writing case-by-case findings") for m in seen)


def test_progress_runs_to_done(judged: Judged, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    build_report(
        judged.db,
        judged.meeting_id,
        tmp_path / "r.pdf",
        progress=lambda d, t, m: calls.append((d, t)),
    )
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_a_failed_write_is_a_user_error_and_leaves_nothing(
    judged: Judged, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(UserError, match=r"Cannot save the report to .*Permission denied"):
        build_report(judged.db, judged.meeting_id, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_user_error(judged: Judged, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no folder"):
        build_report(judged.db, judged.meeting_id, tmp_path / "nope" / "r.pdf")


def test_meeting_without_cases_still_reports(db: Database, tmp_path: Path) -> None:
    pid = panels.create_panel(db, "oocd", "OOCD Scrutiny Panel", force="Avon and Somerset")
    mid = panels.create_meeting(db, pid, dt.date(2019, 6, 1), "")
    out = build_report(db, mid, tmp_path / "empty.pdf")
    text = _flat(" ".join(_pdf_text(out)))
    assert "There were no cases on this meeting's agenda." in text
    assert "The Panel has not yet recorded a judgement on any case." in text
    assert "Attendance was not recorded for this meeting." in text
    assert "The Panel made no recommendations at this meeting." in text
    assert "Appropriate with observations 0 0.0%" in text
    db.close()


def test_fonts_are_embedded_and_nothing_else_is_used(judged: Judged) -> None:
    reader = PdfReader(judged.pdf)
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font["/BaseFont"])
            seen.add(name.split("+", 1)[-1])
            assert font["/Subtype"] == "/TrueType", name  # no unembedded standard font
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{name} is not embedded"
            assert "+" in name  # a subset
    assert seen == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}


def test_contents_list_and_outline_point_at_the_sections(judged: Judged, pages: list[str]) -> None:
    reader = PdfReader(judged.pdf)
    outline = reader.outline
    titles = [f"{i}. {t}" for i, t in enumerate(SECTION_TITLES, start=1)]
    assert [o.title for o in outline] == titles
    starts = [reader.get_destination_page_number(o) + 1 for o in outline]
    for title, page in zip(titles, starts, strict=True):
        assert title in _flat(pages[page - 1]), (title, page)
    # The cover's contents list: every title, then the page numbers drawn at save time.
    cover = pages[0]
    assert all(t in cover for t in titles)
    numbers = [int(x) for x in cover.split(f"Page 1 of {len(pages)}")[1].split()]
    assert numbers == starts
    links = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert sum(1 for a in links if a["/Subtype"] == "/Link") == len(titles)


def test_pdf_bytes_for_the_preview(judged: Judged) -> None:
    data = report.report_pdf_bytes(judged.db, judged.meeting_id, public=True)
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_meeting_summary_matches_the_report(judged: Judged, pages: list[str]) -> None:
    text = report.meeting_summary(judged.db, judged.meeting_id)
    assert text.startswith("The Panel scrutinised 38 cases")
    assert text in _flat(" ".join(pages))


def test_report_module_exports() -> None:
    assert report.__all__ == [
        "SECTION_TITLES",
        "build_report",
        "commissioner_summary",
        "meeting_summary",
        "register_fonts",
        "render_pdf",
        "report_pdf_bytes",
    ]


# --------------------------------------------------------------------------- the summary

PUBLISHED = (
    "The Panel scrutinised 24 cases: 3 were found to be appropriate, 8 appropriate with "
    "observations and 12 inappropriate. The Panel did not reach consensus in one case."
)


def test_summary_matches_the_published_example() -> None:
    assert commissioner_summary(_counts("oocd", [3, 8, 12, 1]), "oocd") == PUBLISHED


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([0, 0, 0, 0], "The Panel has not yet recorded a judgement on any case."),
        ([1, 0, 0, 0], "The Panel scrutinised 1 case: it was found to be appropriate."),
        ([0, 0, 2, 0], "The Panel scrutinised 2 cases: both were found to be inappropriate."),
        (
            [0, 7, 0, 0],
            "The Panel scrutinised 7 cases: all 7 were found to be appropriate with observations.",
        ),
        (
            [1, 0, 2, 0],
            "The Panel scrutinised 3 cases: 1 was found to be appropriate and 2 inappropriate.",
        ),
        (
            [4, 0, 1, 2],
            "The Panel scrutinised 7 cases: 4 were found to be appropriate and 1 inappropriate. "
            "The Panel did not reach consensus in 2 cases.",
        ),
        (
            [0, 3, 0, 1],
            "The Panel scrutinised 4 cases: 3 were found to be appropriate with observations. "
            "The Panel did not reach consensus in one case.",
        ),
        ([0, 0, 0, 1], "The Panel scrutinised 1 case but did not reach consensus in it."),
        (
            [0, 0, 0, 2],
            "The Panel scrutinised 2 cases but did not reach consensus in either of them.",
        ),
        (
            [0, 0, 0, 5],
            "The Panel scrutinised 5 cases but did not reach consensus in any of them.",
        ),
    ],
)
def test_summary_grammar(numbers: list[int], expected: str) -> None:
    assert commissioner_summary(_counts("oocd", numbers), "oocd") == expected


def test_summary_quotes_other_schemes_labels_as_they_are() -> None:
    text = commissioner_summary(_counts("stop_search", [33, 14, 3, 2]), "stop_search")
    assert text == (
        'The Panel scrutinised 52 cases: 33 were rated "Green - good practice", '
        '14 "Amber - adequate, feedback required" and 3 "Red - concern, escalated". '
        "The Panel did not reach consensus in 2 cases."
    )
    one = commissioner_summary(_counts("hate_crime", [0, 1, 0, 0]), "hate_crime")
    assert one == 'The Panel scrutinised 1 case: it was rated "Requires improvement".'


@given(
    key=st.sampled_from(sorted(builtin_specs())),
    numbers=st.lists(st.integers(0, 200), min_size=4, max_size=4),
)
def test_summary_reads_well_for_any_numbers(key: str, numbers: list[int]) -> None:
    counts = _counts(key, numbers)
    text = commissioner_summary(counts, key)
    total = sum(numbers)
    assert text.endswith(".") and "  " not in text and ".." not in text
    if total:
        assert text.startswith(f"The Panel scrutinised {total} case{'s' if total != 1 else ''}")
    assert not re.search(r"\b0 (was|were|case)", text), "zero categories are left out"
    assert not re.search(r"\b1 (were|cases)\b", text)
    assert not re.search(r"\b([2-9]|\d\d+) (was|case)\b", text)
    carried = sum(c.count for c in counts if c.outcome.is_carry_over)
    assert ("did not reach consensus" in text) == bool(carried)
    for c in counts:
        if c.count and not c.outcome.is_carry_over:
            label = c.outcome.label.lower() if key == "oocd" else f'"{c.outcome.label}"'
            assert label in text


def test_awkward_text_never_breaks_the_report(db: Database, tmp_path: Path) -> None:
    from scrutiny_app.services.report import sections as report_sections
    from scrutiny_app.services.report.word import build_report_docx

    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon & Somerset <Police>")
    mid = panels.create_meeting(db, pid, dt.date(2019, 4, 1), "Knives & <b>bold</b>")
    importer.import_stop_search(db, mid, FILE_2019_01)
    sampling.draw_sample(db, mid, 3, seed=7)
    odd = (
        "Tabs\there, a bell \x07, emoji \U0001f46e, Welsh ŵ ŷ, <i>not markup</i> & "
        "**unclosed, and a very long word " + "x" * 400
    )
    for row in cases.meeting_cases(db, mid).rows:
        session.save_decision(db, row.item_id, outcome_code="amber", observations=odd)
    report_sections.set_section(db, mid, "themes", odd + "\n\n- " + odd)
    pdf = build_report(db, mid, tmp_path / "odd.pdf")
    text = _flat(" ".join(_pdf_text(pdf)))
    assert "<i>not markup</i> &" in text
    assert "Avon & Somerset <Police>" in text
    build_report(db, mid, tmp_path / "odd-public.pdf", public=True)
    build_report_docx(db, mid, tmp_path / "odd.docx")
    db.close()
