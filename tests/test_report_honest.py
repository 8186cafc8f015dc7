"""Honest report content (issue 9, item 7): every number in the text equals the table beside
it, a police powers report describes its population by ethnicity, age and gender, and a
population made of separate monthly files names the months."""

from __future__ import annotations

import datetime as dt
import re

from conftest import STOP_SEARCH_FILES

from scrutiny_app.services import demo, importer, panels, population
from scrutiny_app.services.report.content import build_document
from scrutiny_app.storage import Database


def _text(db: Database, meeting_id: int) -> str:
    return " ".join(str(build_document(db, meeting_id, generated_on=dt.date(2026, 12, 4))).split())


def test_the_demo_narratives_numbers_are_the_tables(db: Database) -> None:
    ids = demo.create_demo(db)
    document = build_document(db, ids.oocd_meeting)
    [context] = [s for s in document.sections if s.key == "performance_context"]
    text = " ".join(str(context).split())
    table = population.meeting_breakdown(db, ids.oocd_meeting, "disposal_type")
    for label, value in (
        ("Community resolutions", "Community resolution"),
        ("Conditional cautions", "Conditional caution"),
        ("Youth conditional cautions", "Youth conditional caution"),
    ):
        said = int(re.search(rf"{label}: (\d+)", text).group(1))
        assert said == table.count(value), label
        assert f"'{value}'" in text and f"'{table.count(value)}'" in text  # the table's row
    assert f"holds {table.total} disposals" in text

    [themes] = [s for s in document.sections if s.key == "themes"]
    [learning] = [s for s in document.sections if s.key == "good_practice"]
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
    said = re.search(r"In (\w+) cases? a course of conduct", " ".join(str(themes).split()))
    n = words.get(said.group(1)) or int(said.group(1))
    cited = re.search(
        re.escape(demo.STALKING_LEARNING) + r"', .*?' \(([^)]*)\)", " ".join(str(learning).split())
    )
    assert cited is not None
    assert n == len(cited.group(1).split(", "))


def test_a_police_powers_context_gives_ethnicity_age_and_gender(db: Database) -> None:
    ids = demo.create_demo(db)
    document = build_document(db, ids.police_powers_meeting)
    [section] = [s for s in document.sections if s.key == "performance_context"]
    context = " ".join(str(section).split())
    for heading in (
        "Object of search",
        "Self-defined ethnicity (broad group)",
        "Age band",
        "Gender",
    ):
        assert heading in context, heading
    groups = population.meeting_breakdown(db, ids.police_powers_meeting, "ethnicity_group")
    assert groups.total == 519 and groups.count("White") > 0
    assert f"'{groups.count('White')}'" in context


def test_separate_monthly_files_name_their_months(db: Database) -> None:
    pid = panels.create_panel(db, "stop_search", "Powers", force="Avon and Somerset", code="PP")
    mid = panels.create_meeting(db, pid, dt.date(2026, 3, 1), "Four months")
    for path in STOP_SEARCH_FILES:
        importer.import_file(db, mid, path)
    text = _text(db, mid)
    assert "November 2016, March 2018, January 2019 and January 2026" in text
    assert "1 November 2016 to 31 January 2026" not in text
