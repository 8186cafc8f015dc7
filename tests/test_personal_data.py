"""The detector of likely personal data behind the publication check (issue 9, item 1).

Each kind the public report must not print unseen is found in sentences a panel writes, and
ordinary panel wording (outcomes, disposals, powers, dates of the period) is left alone so
the officer is not asked about every line.
"""

from __future__ import annotations

import datetime as dt

import pytest

from scrutiny_app.services.personal_data import Detector, Kind, names_in

TODAY = dt.date(2026, 12, 4)


def found(text: str, **kw: object) -> dict[str, tuple[Kind, ...]]:
    return {f.text: f.kinds for f in Detector(today=TODAY, **kw).find(text)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "passage", "kind"),
    [
        ("Officer PC 1234 Smith did not explain the grounds.", "PC 1234 Smith", Kind.NAME),
        ("Officer PC 1234 Smith did not explain the grounds.", "PC 1234 Smith", Kind.COLLAR_NUMBER),
        ("DC/5678 was the officer in the case.", "DC/5678", Kind.COLLAR_NUMBER),
        ("Her collar number 4456 was on the form.", "collar number 4456", Kind.COLLAR_NUMBER),
        ("Mrs Patel was not consulted.", "Mrs Patel", Kind.NAME),
        ("Detective Sergeant Jones reviewed it.", "Detective Sergeant Jones", Kind.NAME),
        ("Sgt O'Brien authorised the search.", "Sgt O'Brien", Kind.NAME),
        ("Dr J. Watson examined the injury.", "Dr J. Watson", Kind.NAME),
        ("The victim, Sarah Jones, was not consulted.", "Sarah Jones", Kind.NAME),
        ("Mark Taylor was the suspect.", "Mark Taylor", Kind.NAME),
        ("The victim said that Priya had been followed.", "Priya", Kind.NAME),
        ("DOB 03/04/1985 was recorded.", "DOB 03/04/1985", Kind.DATE_OF_BIRTH),
        ("He was born on 12 March 1990.", "born on 12 March 1990", Kind.DATE_OF_BIRTH),
        ("The entry gives 14/02/1979 as a date.", "14/02/1979", Kind.DATE_OF_BIRTH),
        ("Stopped near BS1 4ST late at night.", "BS1 4ST", Kind.POSTCODE),
        ("Stopped near bs16 1qy late at night.", "bs16 1qy", Kind.POSTCODE),
        ("She lives at 12 Acacia Avenue.", "12 Acacia Avenue", Kind.ADDRESS),
        ("Call 07700 900123 for details.", "07700 900123", Kind.PHONE),
        ("The station is on 0117 496 0123.", "0117 496 0123", Kind.PHONE),
        ("Ring +44 20 7946 0958 please.", "+44 20 7946 0958", Kind.PHONE),
        ("E-mail jo.bloggs@example.com later.", "jo.bloggs@example.com", Kind.EMAIL),
        ("Vehicle AB12 CDE was stopped.", "AB12 CDE", Kind.VEHICLE),
        ("An older car, P123 ABC, was seen.", "P123 ABC", Kind.VEHICLE),
        ("Crime ref 5219012345 was quoted.", "Crime ref 5219012345", Kind.REFERENCE),
        ("See custody record CU/12345/19.", "custody record CU/12345/19", Kind.REFERENCE),
        ("The file, 52AB1234521, was sent.", "52AB1234521", Kind.REFERENCE),
    ],
)
def test_each_kind_is_found(text: str, passage: str, kind: Kind) -> None:
    hits = found(text)
    assert passage in hits, hits
    assert kind in hits[passage]


@pytest.mark.parametrize(
    "text",
    [
        "The officer explained GOWISELY and the grounds were reasonable.",
        "A Community Resolution was appropriate; the victim's views were sought.",
        "Youth Caution; Adult Conditional Caution for Criminal Damage.",
        "Taser was drawn but not fired; handcuffs were applied (compliant).",
        "In 2025/26 the force issued 1,412 disposals, 9% more than in 2024.",
        "Good use of body-worn video on 12 June 2025. No BWV in two cases.",
        "Grace period for compliance was not recorded.",
        "Misuse of Drugs Act 1971 (section 23); Police and Criminal Evidence Act 1984.",
        "Avon and Somerset Constabulary accepted the recommendation.",
    ],
)
def test_ordinary_panel_wording_is_not_flagged(text: str) -> None:
    assert found(text) == {}


def test_known_names_and_references_are_found_as_whole_words() -> None:
    hits = found(
        "Ann Green raised it; Greenfield did not. Case OOCD-2026-0001 again.",
        known_names=["Ann Green", "Green"],
        known_references=["OOCD-2026-0001"],
    )
    assert hits["Ann Green"] == (Kind.NAME,)
    assert "Greenfield" not in hits
    assert hits["OOCD-2026-0001"] == (Kind.REFERENCE,)


def test_overlapping_hits_are_one_passage_with_every_kind() -> None:
    [finding] = Detector(today=TODAY).find("PC 1234 Smith")
    assert (finding.start, finding.end) == (0, 13)
    assert set(finding.kinds) == {Kind.NAME, Kind.COLLAR_NUMBER}
    assert finding.why == "a person's name or a collar or warrant number"


def test_a_recent_date_is_not_taken_for_a_birth_date() -> None:
    assert found("The disposal was issued on 14/10/2025.") == {}


def test_names_in_strips_titles_and_ranks() -> None:
    assert names_in("Owner: DCI Sarah Okafor, Head of Crime") == ["Sarah Okafor", "Okafor"]
    assert names_in("Head of Professional Standards") == []
