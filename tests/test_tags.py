"""A panel's shared tags: added once, reused by all; one typo does not make two tags."""

from __future__ import annotations

import pytest
from test_session import Meeting, make_meeting

from scrutiny_app.errors import UserError
from scrutiny_app.services import cases, panels, tags
from scrutiny_app.services.history import History
from scrutiny_app.storage import Database


@pytest.fixture
def meeting(db: Database) -> Meeting:
    return make_meeting(db)


@pytest.mark.parametrize(
    "name",
    ["No BWV", "no bwv", "  no   BWV. ", "no-bwv", "NO_BWV", "No BWV!", "nó bwv"],
)
def test_names_that_differ_only_in_case_spacing_punctuation_or_accents_are_one_key(name):
    assert tags.normalise(name) == "no bwv"


def test_a_tag_is_added_once_and_reused(db, meeting: Meeting):
    first, second = meeting.items[:2]
    assert tags.add_tag(db, first, "Victim not consulted", actor="Alice Moss") is not None
    assert tags.add_tag(db, second, "victim NOT consulted.", actor="Bob Lane") is not None
    assert tags.add_tag(db, second, "Victim not consulted") is None  # already on the case
    [only] = tags.list_tags(db, meeting.panel_id)
    assert (only.name, only.uses) == ("Victim not consulted", 2)  # the first spelling stays
    assert cases.case_row(db, second).tags == ("Victim not consulted",)


def test_a_typo_is_offered_the_existing_tag(db, meeting: Meeting):
    tags.add_tag(db, meeting.items[0], "Victim not consulted")
    with pytest.raises(tags.SimilarTag) as caught:
        tags.add_tag(db, meeting.items[1], "victim not consluted")
    assert caught.value.existing == "Victim not consulted"
    assert "already a tag" in str(caught.value)
    assert [t.name for t in tags.similar_tags(db, meeting.panel_id, "Victim not consluted")] == [
        "Victim not consulted"
    ]
    # ...unless the user says it really is a new tag
    tags.add_tag(db, meeting.items[1], "victim not consluted", allow_similar=True)
    assert len(tags.list_tags(db, meeting.panel_id)) == 2
    # and a typo that got through can be merged away
    assert (
        tags.merge_tags(db, meeting.panel_id, "victim not consluted", "Victim not consulted") == 1
    )
    [only] = tags.list_tags(db, meeting.panel_id)
    assert only.uses == 2


@pytest.mark.parametrize(
    ("new", "existing", "typo"),
    [
        ("no bvw", "no bwv", True),  # two letters swapped
        ("apology letters", "apology letter", True),
        ("victim not consluted", "victim not consulted", True),
        ("victim not contacted", "victim not consulted", False),  # a different tag
        ("dash not done", "dash done", False),
        ("no cctv", "no bwv", False),
        ("no bwv", "no bwv", False),  # the same tag, not a typo of it
    ],
)
def test_what_counts_as_a_typo(new, existing, typo):
    assert tags.is_typo_of(new, existing) is typo


def test_edit_distance_counts_a_swap_as_one_edit():
    assert tags.edit_distance("bwv", "bvw") == 1
    assert tags.edit_distance("kitten", "sitting") == 3
    assert tags.edit_distance("", "abc") == 3


def test_tags_are_per_panel(db, meeting: Meeting):
    other = panels.create_panel(db, "oocd", "Other")
    tags.create_tag(db, other, "No BWV")
    tags.add_tag(db, meeting.items[0], "no bwv")
    assert [t.name for t in tags.list_tags(db, meeting.panel_id)] == ["no bwv"]
    assert [t.name for t in tags.list_tags(db, other)] == ["No BWV"]


def test_list_is_most_used_first(db, meeting: Meeting):
    for item in meeting.items[:3]:
        tags.add_tag(db, item, "Good rationale")
    tags.add_tag(db, meeting.items[0], "Apology letter")
    tags.create_tag(db, meeting.panel_id, "Unused")
    assert [(t.name, t.uses) for t in tags.list_tags(db, meeting.panel_id)] == [
        ("Good rationale", 3),
        ("Apology letter", 1),
        ("Unused", 0),
    ]


def test_remove_and_undo(db, meeting: Meeting):
    item = meeting.items[0]
    h = History()
    h.push(tags.add_tag(db, item, "No BWV"))
    h.push(tags.add_tag(db, item, "Apology letter"))
    h.push(tags.remove_tag(db, item, "no bwv"))
    assert tags.case_tags(db, item) == ("Apology letter",)
    assert tags.remove_tag(db, item, "never there") is None
    h.undo(db)
    assert tags.case_tags(db, item) == ("Apology letter", "No BWV")
    h.undo(db)
    h.undo(db)
    assert tags.case_tags(db, item) == ()
    assert [t.name for t in tags.list_tags(db, meeting.panel_id)] == ["Apology letter", "No BWV"]
    h.redo(db)
    assert tags.case_tags(db, item) == ("No BWV",)


@pytest.mark.parametrize("name", ["", "   ", "!!!", "x" * 101])
def test_bad_names_are_refused(db, meeting: Meeting, name):
    with pytest.raises(UserError):
        tags.add_tag(db, meeting.items[0], name)
