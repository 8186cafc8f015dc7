"""Findings by criterion (issue 14): the panel's agreed answers, tallied in the report as the
template says, read back from the PDF and the Word files the CLI writes."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from scrutiny_app.cli import main
from scrutiny_app.services import cases, criteria, panels
from scrutiny_app.services.session.common import QuestionInfo, review_template
from scrutiny_app.storage import Database

FIXTURES = Path(__file__).parent / "fixtures" / "databases"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("criteria") / "demo.db"
    assert main(["demo", "--db", str(path)]) == 0
    return path


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pdf_text(path: Path) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def section(text: str, start: str, end: str) -> str:
    i = text.find(start, text.find(start) + len(start))  # the body's heading, not the contents
    return text[i : text.find(end, i)]


def test_the_complaints_report_prints_25_22_25_against_their_criteria(demo, tmp_path):
    out = tmp_path / "complaints.pdf"
    assert main(["report", "--db", str(demo), "--meeting", "3", "--out", str(out), "--docx"]) == 0
    text = pdf_text(out)
    found = section(text, "Findings by criterion", "Summary for the Commissioner")
    assert "on the 27 cases it decided" in found
    assert "Handled in a timely way 25 (92.6%) 2 (7.4%)" in found
    assert "Appropriate progress updates to the complainant 22 (81.5%) 5 (18.5%)" in found
    assert "Correct final outcome 25 (92.6%) 2 (7.4%)" in found
    assert found.index("Handling") < found.index("Outcome") < found.index("Learning")
    summary = section(text, "Summary for the Commissioner", "Case-by-case findings")
    assert (
        "Of the 27 decided, 25 were handled in a timely way, 22 had appropriate progress updates "
        "to the complainant and 25 had the correct outcome." in summary
    )
    # The case-by-case table names what a case did not meet (internal version).
    findings = section(text, "Case-by-case findings", "Good practice")
    assert "Not met: Appropriate progress updates to the complainant" in findings
    # The Word version carries the same table.
    word = Document(str(out.with_suffix(".docx")))
    rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    assert ["Handled in a timely way", "25 (92.6%)", "2 (7.4%)"] in rows


def test_the_police_powers_report_has_a_gowisely_table(demo, tmp_path):
    out = tmp_path / "powers.pdf"
    assert main(["report", "--db", str(demo), "--meeting", "2", "--out", str(out)]) == 0
    found = section(pdf_text(out), "Findings by criterion", "Summary for the Commissioner")
    assert "on the 3 cases it decided" in found
    assert "Grounds for the search 2 (66.7%) 1 (33.3%) 0 (0.0%)" in found  # reasonable, insuff.
    gowisely = found[found.index("GOWISELY") : found.index("Body-worn video")]
    assert "G: grounds explained 2 (66.7%) 1 (33.3%) 0 (0.0%)" in gowisely
    assert "S: station given 2 (66.7%) 1 (33.3%) 0 (0.0%)" in gowisely
    assert "W: warrant card shown (not in uniform) 0 (0.0%) 0 (0.0%) 3 (100.0%)" in gowisely
    assert "Body-worn video on early enough 2 (66.7%) 1 (33.3%)" in found


def test_the_public_version_leaves_out_an_internal_criterion(demo, tmp_path):
    work = tmp_path / "copy.db"
    shutil.copy(demo, work)
    with sqlite3.connect(work) as conn:  # the template marks one question internal
        conn.execute(
            "update review_questions set report = json_set(report, '$.internal', json('true')) "
            "where key = 'learning_identified'"
        )
    internal, public = tmp_path / "internal.pdf", tmp_path / "public.pdf"
    assert main(["report", "--db", str(work), "--meeting", "3", "--out", str(internal)]) == 0
    assert (
        main(["report", "--db", str(work), "--meeting", "3", "--out", str(public), "--public"]) == 0
    )
    assert "Learning identified and acted on (internal)" in pdf_text(internal)
    text = pdf_text(public)
    assert "Learning identified and acted on" not in text
    assert "Handled in a timely way 25 (92.6%)" in text
    assert "Not met:" not in text  # no case-level finding in the published version


def q(key: str, answers: tuple[str, ...], **report) -> QuestionInfo:
    return QuestionInfo(key, f"Question {key}?", "Group", answers, report)


def test_tally_counts_decided_cases_and_follows_the_template(demo):
    with Database.open(demo) as db:
        rows = cases.meeting_cases(db, 3).rows
    questions = [
        q("timely", ("yes", "no"), label="Timely", phrase="{was} timely", summary=True),
        q("updates", ("yes", "no"), reported=False),
        q("letter_clear", ("yes", "no", "not applicable"), internal=True),
    ]
    tallies = criteria.tally(rows, questions)
    assert [t.criterion.key for t in tallies] == ["timely", "letter_clear"]
    timely = tallies[0]
    assert (timely.met, timely.count("no"), timely.unanswered, timely.total) == (25, 2, 0, 27)
    assert [t.criterion.key for t in criteria.tally(rows, questions, public=True)] == ["timely"]
    assert criteria.summary_sentence(tallies) == "Of the 27 decided, 25 were timely."
    one = criteria.summary_sentence([criteria.Tally(timely.criterion, (("yes", 1),), 0, 1)])
    assert one == "Of the 1 decided, 1 was timely."
    # A decided case with no answer to a question is "not answered"; an undecided one is not
    # counted at all.
    decided_without = criteria.tally(rows[:1], [q("x", ("yes", "no"))])[0]
    assert (decided_without.unanswered, decided_without.total) == (1, 1)
    undecided = [r.__class__(**{**r.__dict__, "outcome_code": None}) for r in rows[:2]]
    assert criteria.tally(undecided, [q("x", ("yes", "no"))])[0].total == 0


def test_judge_records_the_panels_answers(demo, tmp_path, capsys):
    work = tmp_path / "judge.db"
    shutil.copy(demo, work)
    with Database.open(work) as db:
        row = next(r for r in cases.meeting_cases(db, 2).rows if not r.decided)
    base = ["judge", "--db", str(work), "--meeting", "2", "--case", row.reference]
    assert (
        main(
            [
                *base,
                "--outcome",
                "amber",
                "--answer",
                "grounds=reasonable",
                "--answer",
                "gowisely_s=no",
            ]
        )
        == 0
    )
    assert main([*base, "--outcome", "amber", "--answer", "grounds=maybe"]) == 2
    assert "not an answer" in capsys.readouterr().err
    with Database.open(work) as db:
        answers = cases.case_row(db, row.item_id).answers
        assert answers == {"grounds": "reasonable", "gowisely_s": "no"}
        assert "S: station given" in criteria.not_met(
            cases.case_row(db, row.item_id), review_template(db, 2).questions
        )


def test_the_upgrade_gives_the_builtin_templates_copies_their_report_wording(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0009.db", path)
    with Database.open(path) as db:
        powers = next(p for p in panels.list_panels(db) if p.template.key == "stop_search")
        questions = {x.key: x for x in review_template(db, powers.meetings[0].id).questions}
    assert questions["grounds"].report["label"] == "Grounds for the search"
    assert questions["grounds"].report["positive"] == "reasonable"


def test_prefill_takes_the_members_majority_and_marks_where_they_split():
    from scrutiny_app.services.session import majority_answers, members_split

    views = [
        {"timely": "yes", "updates": "no"},
        {"timely": "yes", "updates": "yes"},
        {"timely": "yes", "updates": None},
    ]
    assert majority_answers(views) == {"timely": "yes"}
    assert members_split(views) == {"updates": "Members split: 1 no, 1 yes"}
