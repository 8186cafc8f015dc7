"""Narrative sections written in the app, the next theme, and the plain-text format."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import panels
from scrutiny_app.services.report import sections as report_sections
from scrutiny_app.services.report import summary
from scrutiny_app.services.report.model import Bullets, Para, Run, parse_text, plain_text
from scrutiny_app.services.report.sections import NARRATIVE_SECTIONS
from scrutiny_app.storage import Database
from scrutiny_app.storage.models import AuditEvent


@pytest.fixture
def meeting(db: Database) -> int:
    pid = panels.create_panel(db, "oocd", "OOCD Panel", force="Avon and Somerset")
    return panels.create_meeting(db, pid, dt.date(2026, 9, 16), "Stalking")


def test_every_section_listed_in_report_order_empty_at_first(db: Database, meeting: int) -> None:
    listed = report_sections.list_sections(db, meeting)
    assert [s.key for s in listed] == [
        "purpose",
        "performance_context",
        "good_practice",
        "themes",
        "force_response",
        "earlier_recommendations",
        "next_steps",
    ]
    assert all(s.is_empty and not s.internal and s.updated_at is None for s in listed)
    assert all(s.title and s.hint for s in listed)
    assert [s.key for s in NARRATIVE_SECTIONS] == [s.key for s in listed]


def test_set_get_and_internal_flag(db: Database, meeting: int) -> None:
    saved = report_sections.set_section(
        db, meeting, "themes", "Victims were not consulted.\r\n\r\n", internal=True, actor="me"
    )
    assert saved.text == "Victims were not consulted."
    assert saved.internal and saved.updated_at is not None
    again = report_sections.get_section(db, meeting, "themes")
    assert (again.text, again.internal) == ("Victims were not consulted.", True)
    # internal=None keeps the flag; False clears it.
    kept = report_sections.set_section(db, meeting, "themes", "Changed.")
    assert kept.internal and kept.text == "Changed."
    cleared = report_sections.set_section(db, meeting, "themes", "Changed.", internal=False)
    assert not cleared.internal


def test_saving_the_same_text_writes_nothing(db: Database, meeting: int) -> None:
    def events() -> int:
        with db.session() as s:
            return s.query(AuditEvent).filter_by(entity="report_sections").count()

    report_sections.set_section(db, meeting, "purpose", "Our remit.")
    before = events()
    report_sections.set_section(db, meeting, "purpose", "Our remit.")
    report_sections.set_section(db, meeting, "purpose", "Our remit.", internal=False)
    assert events() == before == 1


def test_unknown_section_and_meeting(db: Database, meeting: int) -> None:
    with pytest.raises(UserError, match="No report section 'nope'"):
        report_sections.set_section(db, meeting, "nope", "x")
    with pytest.raises(NotFound):
        report_sections.get_section(db, 999, "purpose")


def test_next_theme(db: Database, meeting: int) -> None:
    assert report_sections.get_next_theme(db, meeting) == ""
    assert report_sections.set_next_theme(db, meeting, "  Hate   crime ") == "Hate crime"
    assert report_sections.get_next_theme(db, meeting) == "Hate crime"
    with pytest.raises(UserError, match="too long"):
        report_sections.set_next_theme(db, meeting, "x" * 301)


def test_meeting_summary_for_the_copy_button(db: Database, meeting: int) -> None:
    assert (
        summary.meeting_summary(db, meeting)
        == "The Panel has not yet recorded a judgement on any case."
    )


# --------------------------------------------------------------------------- the text format


def test_paragraphs_bullets_and_bold() -> None:
    text = (
        "First paragraph with **bold words** in it.\n"
        "Its second line.\n"
        "\n"
        "- one bullet\n"
        "- another **strong** one\n"
        "  continued on an indented line\n"
        "After the list, a paragraph."
    )
    blocks = parse_text(text)
    assert blocks == (
        Para(
            (
                (Run("First paragraph with "), Run("bold words", bold=True), Run(" in it.")),
                (Run("Its second line."),),
            )
        ),
        Bullets(
            (
                (Run("one bullet"),),
                (
                    Run("another "),
                    Run("strong", bold=True),
                    Run(" one continued on an indented line"),
                ),
            )
        ),
        Para(((Run("After the list, a paragraph."),),)),
    )


def test_unmatched_stars_and_markup_stay_as_text() -> None:
    (para,) = parse_text("Price **5 <b>not markup</b> & more")
    assert isinstance(para, Para)
    assert plain_text(para.lines) == "Price **5 <b>not markup</b> & more"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_parsing_keeps_every_word(text: str) -> None:
    blocks = parse_text(text)
    out = " ".join(
        plain_text(b.lines) if isinstance(b, Para) else " ".join(plain_text(i) for i in b.items)
        for b in blocks
    )
    words = [w.strip("*-•") for w in text.replace("**", " ").split()]
    got = out.replace("**", " ")
    for w in words:
        if w:
            assert w in got
