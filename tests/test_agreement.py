"""Agreement among members' own views: Fleiss' kappa against published worked examples, and the
figures for a meeting."""

from __future__ import annotations

import pytest
from test_session import Meeting, make_meeting

from scrutiny_app.services import session
from scrutiny_app.services.agreement import (
    MIN_CASES_FOR_KAPPA,
    fleiss_kappa,
    interpret,
    kappa_interval,
    meeting_agreement,
)
from scrutiny_app.storage import Database


@pytest.fixture
def meeting(db: Database) -> Meeting:
    return make_meeting(db)


# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other), one tuple per patient.
FLEISS_1971 = [
    (4, 4, 4, 4, 4, 4), (2, 2, 2, 5, 5, 5), (2, 3, 3, 3, 3, 5), (5, 5, 5, 5, 5, 5),
    (2, 2, 2, 4, 4, 4), (1, 1, 3, 3, 3, 3), (3, 3, 3, 3, 5, 5), (1, 1, 3, 3, 3, 4),
    (1, 1, 4, 4, 4, 4), (5, 5, 5, 5, 5, 5), (1, 4, 4, 4, 4, 4), (1, 2, 4, 4, 4, 4),
    (2, 2, 2, 3, 3, 3), (1, 4, 4, 4, 4, 4), (2, 2, 4, 4, 4, 5), (3, 3, 3, 3, 3, 5),
    (1, 1, 1, 4, 5, 5), (1, 1, 1, 1, 1, 2), (2, 2, 4, 4, 4, 4), (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5), (2, 4, 4, 4, 4, 4), (2, 2, 4, 5, 5, 5), (1, 1, 4, 4, 4, 4),
    (1, 4, 4, 4, 4, 5), (2, 2, 2, 2, 2, 4), (1, 1, 1, 1, 5, 5), (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 3, 3, 3), (5, 5, 5, 5, 5, 5),
]  # fmt: skip


def test_fleiss_kappa_matches_the_wikipedia_worked_example():
    r = fleiss_kappa(WIKIPEDIA)
    assert (r.subjects, r.ratings) == (10, 140)
    assert round(r.kappa, 3) == 0.210
    assert round(r.observed, 3) == 0.378  # P-bar
    assert round(r.expected, 3) == 0.213  # P-bar_e
    assert [round(p, 3) for p in r.proportions] == [0.143, 0.200, 0.279, 0.150, 0.229]
    assert [round(p, 3) for p in r.per_subject] == [
        1.000, 0.253, 0.308, 0.440, 0.330, 0.462, 0.242, 0.176, 0.286, 0.286,
    ]  # fmt: skip


def test_fleiss_kappa_matches_fleiss_1971_table_1():
    table = [[patient.count(c) for c in range(1, 6)] for patient in FLEISS_1971]
    r = fleiss_kappa(table)
    assert (r.subjects, r.ratings) == (30, 180)
    assert round(r.kappa, 3) == 0.430
    assert round(r.observed, 4) == 0.5556
    assert r.expected == pytest.approx(0.2201, abs=0.0005)  # the paper rounds p_j first
    # Fleiss's kappa for each diagnosis (his Table 2: .245 .245 .520 .471 .566)
    assert [round(k, 3) for k in r.per_category] == [0.245, 0.245, 0.520, 0.471, 0.566]


def test_overall_kappa_is_the_weighted_mean_of_the_category_kappas():
    r = fleiss_kappa(WIKIPEDIA)
    weights = [p * (1 - p) for p in r.proportions]
    assert sum(w * k for w, k in zip(weights, r.per_category, strict=True)) / sum(
        weights
    ) == pytest.approx(r.kappa)


def test_with_two_categories_each_category_kappa_is_the_overall_kappa():
    r = fleiss_kappa([[3, 1], [2, 2], [4, 0], [0, 4], [1, 3]])
    assert r.per_category[0] == pytest.approx(r.kappa)
    assert r.per_category[1] == pytest.approx(r.kappa)


def test_edge_cases():
    perfect = fleiss_kappa([[3, 0, 0], [0, 3, 0], [0, 0, 3]])
    assert perfect.kappa == pytest.approx(1.0) and perfect.observed == 1.0
    everyone_same = fleiss_kappa([[3, 0], [3, 0]])
    assert everyone_same.kappa is None and everyone_same.observed == 1.0  # chance is total
    worse_than_chance = fleiss_kappa([[1, 1], [1, 1]])
    assert worse_than_chance.kappa == pytest.approx(-1.0)
    lone = fleiss_kappa([[1, 0], [2, 0], [0, 2]])  # one rating only: skipped
    assert lone.subjects == 2 and lone.per_subject[0] is None
    assert fleiss_kappa([]).kappa is None
    # different numbers of raters per subject (a member with an interest sits one out)
    varied = fleiss_kappa([[3, 0], [0, 2], [2, 1]])
    assert varied.per_subject == (1.0, 1.0, pytest.approx(1 / 3))
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 2], [3]])
    with pytest.raises(ValueError):
        fleiss_kappa([[1, -2]])


@pytest.mark.parametrize(
    ("kappa", "words"),
    [
        (None, "not measurable"),
        (-0.1, "poor (less than chance)"),
        (0.1, "slight"),
        (0.21, "fair"),
        (0.43, "moderate"),
        (0.7, "substantial"),
        (0.95, "almost perfect"),
    ],
)
def test_landis_and_koch_words(kappa, words):
    assert interpret(kappa) == words


def test_meeting_agreement_counts_only_revealed_views(db, meeting: Meeting):
    a, b, c = meeting.alice, meeting.bob, meeting.chair
    plan = {
        0: ("inappropriate", "inappropriate", "inappropriate"),
        1: ("appropriate", "inappropriate", "appropriate_obs"),  # all different
        2: ("appropriate", "appropriate", "inappropriate"),
        3: ("appropriate_obs", "appropriate_obs", "appropriate_obs"),
        4: ("appropriate", None, "appropriate_obs"),  # Bob declared an interest
    }
    session.declare_interest(db, meeting.items[4], b, "Knows the victim")
    for i, outcomes in plan.items():
        for member, code in zip((a, b, c), outcomes, strict=True):
            if code:
                session.record_view(db, meeting.items[i], member, outcome_code=code,
                                    note=f"{code} note")  # fmt: skip
    assert meeting_agreement(db, meeting.meeting_id).cases == ()  # nothing revealed yet
    hidden = meeting_agreement(db, meeting.meeting_id, revealed_only=False)
    assert len(hidden.cases) == 5

    session.reveal_all(db, meeting.meeting_id)
    session.save_decision(db, meeting.items[2], outcome_code="appropriate")
    ag = meeting_agreement(db, meeting.meeting_id)
    table = [c.counts for c in ag.cases]
    assert table == [(0, 0, 3, 0), (1, 1, 1, 0), (2, 0, 1, 0), (0, 3, 0, 0), (1, 1, 0, 0)]
    assert ag.kappa == pytest.approx(fleiss_kappa(table).kappa)
    assert ag.percent_agreement == pytest.approx(100 * (1 + 0 + 1 / 3 + 1 + 0) / 5)
    assert ag.unanimous_cases == 2 and ag.views == 14
    worst = ag.most_disagreed(3)
    assert [w.item_id for w in worst] == [meeting.items[1], meeting.items[4], meeting.items[2]]
    assert [v.name for v in worst[0].views] == ["Alice Moss", "Bob Lane", "Margaret Hale"]
    assert worst[0].distinct == 3
    assert ag.member_agreement_with_panel() == [
        ("Alice Moss", 1, 1),
        ("Bob Lane", 1, 1),
        ("Margaret Hale", 0, 1),
    ]
    assert ag.kappa_reported  # 5 cases with views: the least kappa is shown on
    assert ag.summary.startswith(f"Fleiss' kappa {ag.kappa:.2f} (")
    assert "5 cases" in ag.kappa_words and "95% CI" in ag.kappa_words
    assert "all members agreed on 2 of 5 cases" in ag.summary
    assert "rough guide" in ag.caveat
    assert [o.code for o, _ in ag.per_category()] == [
        "appropriate", "appropriate_obs", "inappropriate", "no_consensus",
    ]  # fmt: skip


def test_meeting_agreement_without_views(db, meeting: Meeting):
    ag = meeting_agreement(db, meeting.meeting_id)
    assert ag.kappa is None and ag.percent_agreement is None
    assert ag.most_disagreed() == []
    assert "not enough views" in ag.summary


def test_statsmodels_agrees_with_our_kappa():
    """A second implementation (statsmodels) on the worked examples and on random tables."""
    import random

    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    fleiss_table = [[patient.count(c) for c in range(1, 6)] for patient in FLEISS_1971]
    for table in (WIKIPEDIA, fleiss_table):
        assert fleiss_kappa(table).kappa == pytest.approx(sm_fleiss(table, method="fleiss"))
    rng = random.Random(7)
    for _ in range(50):
        raters, categories = rng.randint(2, 7), rng.randint(2, 5)
        table = []
        for _subject in range(rng.randint(3, 30)):
            row = [0] * categories
            for _rater in range(raters):
                row[rng.randrange(categories)] += 1
            table.append(row)
        ours = fleiss_kappa(table).kappa
        if ours is not None:
            assert ours == pytest.approx(sm_fleiss(table, method="fleiss"))


def test_the_kappa_interval_is_reproducible_and_narrows_with_more_cases():
    ci = kappa_interval(WIKIPEDIA)
    assert ci is not None
    low, high = ci
    assert low < 0.210 < high  # Fleiss' worked example: kappa 0.210 inside its interval
    assert low >= -1 and high <= 1
    assert kappa_interval(WIKIPEDIA) == ci  # a fixed seed: the same views, the same interval
    four_times = kappa_interval(WIKIPEDIA * 4)  # the same agreement on four times the cases
    assert four_times is not None
    assert four_times[1] - four_times[0] < (high - low) * 0.75
    assert kappa_interval([[3, 0]]) is None  # one case: no interval


def test_kappa_is_not_reported_below_five_cases(db, meeting: Meeting):
    a, b = meeting.alice, meeting.bob
    for i in range(MIN_CASES_FOR_KAPPA - 1):
        session.record_view(db, meeting.items[i], a, outcome_code="appropriate")
        session.record_view(db, meeting.items[i], b, outcome_code="appropriate" if i % 2 else
                            "inappropriate")  # fmt: skip
    session.reveal_all(db, meeting.meeting_id)
    ag = meeting_agreement(db, meeting.meeting_id)
    assert len(ag.measured) == MIN_CASES_FOR_KAPPA - 1
    assert not ag.kappa_reported and ag.interval is None
    assert f"not shown below {MIN_CASES_FOR_KAPPA} cases (4 so far)" in ag.kappa_words
    assert "says nothing reliable" in ag.caveat
    assert ag.percent_agreement == pytest.approx(50.0)
