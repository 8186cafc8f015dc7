"""Demo data: what a new user sees on first run, and what ``scrutiny-app demo`` creates.

- An Out of Court Disposals panel meeting on stalking and harassment: 24 synthetic,
  pseudonymised cases drawn from a synthetic population of 96, judged 3 appropriate,
  8 appropriate with observations, 12 inappropriate and 1 no consensus (the published figures
  in docs/DOMAIN.md), with observations and two recommendations.
- A police powers (stop and search) meeting whose cases are a sample drawn from the real
  data.police.uk file for Avon and Somerset, January 2019 (shipped in resources/data); its
  three decided cases carry the panel's grounds, GOWISELY and body-worn video answers.
- An Independent Residents' Panel (complaints) meeting on incivility, impoliteness and
  intolerance: 27 synthetic complaints, decided, whose panel answers give 25 handled in a
  timely way, 22 with appropriate updates to the complainant and 25 with the correct outcome.

Everything is deterministic: the same demo database every time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from scrutiny_app.domain.vocab import Consensus, MeetingStatus, MemberRole
from scrutiny_app.paths import resource
from scrutiny_app.services import (
    cases,
    importer,
    panels,
    recommendations,
    sampling,
    session,
)
from scrutiny_app.storage.database import Database

DEMO_ACTOR = "demo"
STALKING_LEARNING = "Officers need guidance on recognising stalking behaviour."
OOCD_SEED = 20260916
STOP_SEARCH_SEED = 40213
STOP_SEARCH_FILE = "2019-01-avon-and-somerset-stop-and-search.csv"
# The published split for the stalking and harassment meeting, in scheme order.
OOCD_SPLIT = (
    ("appropriate", 3),
    ("appropriate_obs", 8),
    ("inappropriate", 12),
    ("no_consensus", 1),
)


# The complaints meeting: its outcome split and its panel's answers per criterion, case by
# case in the order of the sample (the counts the report prints: 25, 22 and 25 of 27).
COMPLAINTS_SEED = 20261021
COMPLAINT_OUTCOMES = ("good",) * 16 + ("adequate",) * 7 + ("poor",) * 4
COMPLAINT_ANSWERS = {
    "timely": ("yes",) * 25 + ("no",) * 2,
    "updates": ("yes",) * 20 + ("no",) * 3 + ("yes",) * 2 + ("no",) * 2,
    "correct_outcome": ("yes",) * 25 + ("no",) * 2,
    "letter_clear": ("yes",) * 18 + ("no",) * 4 + ("not applicable",) * 5,
    "learning_identified": ("yes",) * 8 + ("no",) * 6 + ("not applicable",) * 13,
}
ALLEGATIONS = (
    "Individual behaviours: impolite language or tone",
    "Individual behaviours: impolite and intolerant actions",
    "Individual behaviours: lack of fairness and impartiality",
    "Delivery of duties and service: lack of updates",
    "Discriminatory behaviour: race",
)
# What the panel answered on the three decided stop and search cases (green, amber, red).
GOWISELY = ("g", "o", "w", "i", "s", "e", "l", "y")
STOP_SEARCH_ANSWERS = (
    {
        "grounds": "reasonable",
        **{f"gowisely_{k}": "yes" for k in GOWISELY},
        "gowisely_w": "not observable",
        "bwv_available": "yes",
        "bwv_early": "yes",
        "courtesy": "yes",
    },
    {
        "grounds": "reasonable",
        **{f"gowisely_{k}": "yes" for k in GOWISELY},
        "gowisely_w": "not observable",
        "gowisely_s": "no",
        "gowisely_e": "no",
        "bwv_available": "yes",
        "bwv_early": "yes",
        "courtesy": "yes",
    },
    {
        "grounds": "insufficient",
        **{f"gowisely_{k}": "yes" for k in GOWISELY},
        "gowisely_w": "not observable",
        "gowisely_g": "no",
        "bwv_available": "yes",
        "bwv_early": "no",
        "courtesy": "yes",
    },
)


@dataclass(frozen=True)
class DemoIds:
    oocd_panel: int
    oocd_meeting: int
    police_powers_panel: int
    police_powers_meeting: int
    complaints_panel: int
    complaints_meeting: int


OFFENCES = (
    "Harassment without violence (s.2 Protection from Harassment Act 1997)",
    "Stalking (s.2A Protection from Harassment Act 1997)",
    "Sending communications with intent to cause distress (Malicious Communications Act 1988)",
    "Harassment - putting people in fear of violence (s.4 PHA 1997)",
    "Improper use of a public communications network (s.127 Communications Act 2003)",
)
CONDITIONS = (
    "Letter of apology",
    "Victim awareness course",
    "No contact with the victim for 6 months",
    "Restorative justice conference",
    "Compensation of £50",
    "Referral to alcohol intervention",
    "Remove posts from social media",
)
AREAS = (
    "Bristol",
    "Bath and North East Somerset",
    "North Somerset",
    "Somerset East",
    "Somerset West",
)
AGE_BANDS = ("10-17", "18-24", "25-34", "35-44", "45-54", "55+")
ETHNICITIES = (
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Any other White background",
    "Black/African/Caribbean/Black British - Caribbean",
    "Asian/Asian British - Pakistani",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Other ethnic group - Not stated",
)

OBSERVATIONS: dict[str, tuple[str, ...]] = {
    "appropriate": (
        "Clear rationale recorded; victim consulted and content with the outcome.",
        "Proportionate disposal for a first, low-level offence with a full admission.",
        "Good account of the victim's views; conditions were completed on time.",
    ),
    "appropriate_obs": (
        "Outcome appropriate, but the victim's views were recorded only as 'agreed'.",
        "Appropriate, though the conditions were not time-bound.",
        "Appropriate; the gravity score was not recorded on the file.",
        "Appropriate, but no check that the letter of apology was delivered.",
        "Appropriate; supervisor's review added three weeks after the decision.",
        "Appropriate, but the risk assessment (DASH) was not attached.",
        "Appropriate; the panel would have expected a referral to support services.",
        "Appropriate, though previous reports by the same victim were not referenced.",
    ),
    "inappropriate": (
        "Course of conduct amounted to stalking; an out of court disposal was not suitable.",
        "No evidence the victim was consulted before the community resolution.",
        "Previous harassment of the same victim made a charge the proportionate outcome.",
        "Threats of violence recorded: the case should have gone to the CPS.",
        "No admission recorded, so the evidential requirement for the disposal was not met.",
        "The conditions did nothing to protect the victim (no contact condition missing).",
        "Breach of an earlier community resolution not taken into account.",
        "Domestic abuse context: the disposal was outside force policy.",
        "Victim opposed the outcome and the file gives no reason for overriding them.",
        "Offence was recorded as harassment although the behaviour met the stalking definition.",
        "No safeguarding referral despite a vulnerable victim.",
        "Officer's rationale does not address the escalation over four months.",
    ),
    "no_consensus": (
        "The panel could not agree whether the behaviour amounted to stalking; the body-worn "
        "video and the victim's statement are requested for the next meeting.",
    ),
}


def _oocd_population(rng: random.Random, n: int = 96) -> list[dict[str, Any]]:
    """Synthetic OOCD case records (no real person behind any of them)."""
    records = []
    for i in range(1, n + 1):
        youth = rng.random() < 0.2
        disposal = (
            "Youth conditional caution"
            if youth
            else rng.choice(("Community resolution", "Community resolution", "Conditional caution"))
        )
        occurred = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randrange(0, 150), hours=rng.randrange(7, 23)
        )
        records.append(
            {
                "force_reference": f"AS/{occurred:%y}/{40000 + i * 37:06d}",
                "subject_name": f"Synthetic Person {i}",
                "date_of_birth": "2000-01-01",
                "address": "Synthetic address",
                "occurred_at": occurred,
                "area": rng.choice(AREAS),
                "age_band": "10-17" if youth else rng.choice(AGE_BANDS[1:]),
                "gender": rng.choice(("Male", "Male", "Female")),
                "self_defined_ethnicity": rng.choice(ETHNICITIES),
                "officer_defined_ethnicity": "",
                "offence": rng.choice(OFFENCES),
                "disposal_type": disposal,
                "adult_or_youth": "Youth" if youth else "Adult",
                "admission": rng.random() < 0.85,
                "evidential_test_met": rng.random() < 0.9,
                "gravity_score": rng.choice((2, 3, 3, 4)),
                "offending_history": rng.choice(
                    ("None", "None", "One previous", "Several previous")
                ),
                "previous_oocds": rng.choice((0, 0, 0, 1, 2)),
                "victim_consulted": rng.random() < 0.7,
                "victim_views": rng.choice(
                    (
                        "Content with the outcome",
                        "Wanted a charge",
                        "Not recorded",
                        "Wants no contact",
                    )
                ),
                "conditions": "; ".join(rng.sample(CONDITIONS, k=rng.randint(1, 3))),
                "conditions_complied": rng.choice(("Yes", "Yes", "No", "Ongoing", "Unknown")),
            }
        )
    return records


def create_demo(db: Database) -> DemoIds:
    """Create the three demo panels with their meetings in ``db``."""
    rng = random.Random(2026)
    a = DEMO_ACTOR

    # ---- Out of Court Disposals: stalking and harassment ------------------------------------
    oocd = panels.create_panel(
        db,
        "oocd",
        "Out of Court Disposals Scrutiny Panel",
        force="Avon and Somerset Police",
        code="OOCD",
        actor=a,
    )
    members = [
        ("Margaret Hale", MemberRole.CHAIR, "Magistrate (retired)"),
        ("Daniel Okafor", MemberRole.MEMBER, "Youth Justice Service"),
        ("Priya Shah", MemberRole.MEMBER, "Victim Support"),
        ("Tom Griffiths", MemberRole.MEMBER, "Independent resident"),
        ("Alison Brooks", MemberRole.OFFICER, "Office of the Police and Crime Commissioner"),
    ]
    member_ids = [
        panels.add_member(
            db,
            oocd,
            name,
            role=role,
            organisation=org,
            vetting_expiry=dt.date(2028, 6, 30),
            confidentiality_signed=dt.date(2025, 1, 15),
            actor=a,
        )
        for name, role, org in members
    ]
    meeting = panels.create_meeting(
        db,
        oocd,
        dt.date(2026, 9, 16),
        "Stalking and harassment",
        location="Police HQ, Portishead",
        status=MeetingStatus.HELD,
        actor=a,
    )
    for mid in member_ids:
        panels.set_attendance(db, meeting, mid, present=True, actor=a)
    importer.import_records(
        db, meeting, _oocd_population(rng), source_name="Synthetic OOCD extract (demo)", actor=a
    )
    sampling.draw_sample(db, meeting, 24, seed=OOCD_SEED, actor=a)
    rows = cases.meeting_cases(db, meeting).rows
    outcomes = [code for code, n in OOCD_SPLIT for _ in range(n)]
    rng.shuffle(outcomes)
    used: dict[str, int] = {}
    for row, code in zip(rows, outcomes, strict=True):
        k = used.get(code, 0)
        used[code] = k + 1
        session.save_decision(
            db,
            row.item_id,
            outcome_code=code,
            consensus=Consensus.MAJORITY if k % 4 == 3 else Consensus.UNANIMOUS,
            observations=OBSERVATIONS[code][k % len(OBSERVATIONS[code])],
            good_practice=(
                "Victim kept informed throughout; clear, well-written rationale."
                if code == "appropriate"
                else ""
            ),
            organisational_learning=(
                STALKING_LEARNING if code == "inappropriate" and k % 3 == 0 else ""
            ),
            actor=a,
        )
    bad = [r.case_id for r in rows][:3]
    first_rec = recommendations.add_recommendation(
        db,
        oocd,
        "The force should issue guidance reminding officers that a course of conduct which "
        "meets the stalking definition must be recorded as stalking and is not suitable for a "
        "community resolution.",
        meeting_id=meeting,
        addressed_to="Force Crime Registrar",
        priority="high",
        response_due=dt.date(2026, 11, 30),
        case_ids=bad,
        actor=a,
    )
    recommendations.add_recommendation(
        db,
        oocd,
        "Officers should record the victim's views in their own words before an out of court "
        "disposal is given, and supervisors should check this at review.",
        meeting_id=meeting,
        addressed_to="Head of Criminal Justice",
        priority="medium",
        response_due=dt.date(2026, 12, 31),
        actor=a,
    )
    # Sent to the force a week after the meeting; the Crime Registrar has answered the first.
    recommendations.issue_recommendations(db, meeting_id=meeting, on=dt.date(2026, 9, 23), actor=a)
    recommendations.update_recommendation(
        db,
        first_rec.id,
        {
            "force_response": (
                "Accepted. Guidance on recording a course of conduct as stalking will be issued "
                "to all officers and supervisors, and community resolutions for stalking will "
                "be removed from the disposal options."
            ),
            "response_date": dt.date(2026, 10, 28),
            "decision": "accepted",
            "action_owner": "Force Crime Registrar",
            "target_date": dt.date(2027, 1, 31),
            "status": "response_received",
        },
        on=dt.date(2026, 10, 28),
        actor=a,
    )
    recommendations.change_status(
        db, first_rec.id, "in_progress", on=dt.date(2026, 10, 28), actor=a
    )

    _oocd_narrative(db, meeting)

    # The held meeting's report was published on the day (its retention period runs from it).
    from scrutiny_app.services import retention

    retention.mark_published(db, meeting, dt.date(2026, 9, 16), actor=a)

    # ---- Police powers: stop and search, from the real January 2019 file --------------------
    powers = panels.create_panel(
        db,
        "stop_search",
        "Independent Scrutiny of Police Powers Panel",
        force="Avon and Somerset Police",
        code="SOPP",
        actor=a,
    )
    for name, role, org in (
        ("Grace Mensah", MemberRole.CHAIR, "Independent resident"),
        ("Luke Harper", MemberRole.MEMBER, "Youth worker"),
        ("Fatima Noor", MemberRole.MEMBER, "Community representative"),
    ):
        panels.add_member(db, powers, name, role=role, organisation=org, actor=a)
    pp_meeting = panels.create_meeting(
        db,
        powers,
        dt.date(2019, 3, 14),
        "Stop and search: drugs searches, January 2019",
        location="Kenneth Steele House, Bristol",
        actor=a,
    )
    importer.import_stop_search(db, pp_meeting, resource("data", STOP_SEARCH_FILE), actor=a)
    sampling.draw_sample(db, pp_meeting, 20, seed=STOP_SEARCH_SEED, actor=a)
    first = cases.meeting_cases(db, pp_meeting).rows[:3]
    for row, code, note, answers in zip(
        first,
        ("green", "amber", "red"),
        (
            "Grounds clearly explained; GOWISELY complete; body-worn video on from the start.",
            "Search justified, but the officer did not give the station or offer a receipt.",
            "Grounds rested on smell of cannabis alone; body-worn video switched on late.",
        ),
        STOP_SEARCH_ANSWERS,
        strict=False,
    ):
        session.save_decision(
            db, row.item_id, outcome_code=code, observations=note, answers=answers, actor=a
        )
    residents, complaints_meeting = _complaints(db, rng)
    return DemoIds(oocd, meeting, powers, pp_meeting, residents, complaints_meeting)


def _complaints(db: Database, rng: random.Random) -> tuple[int, int]:
    """The Independent Residents' Panel: 27 synthetic complaints, all decided."""
    a = DEMO_ACTOR
    panel = panels.create_panel(
        db,
        "complaints",
        "Independent Residents' Panel",
        force="Avon and Somerset Police",
        code="IRP",
        actor=a,
    )
    members = [
        ("Helen Carter", MemberRole.CHAIR, "Independent resident"),
        ("Samuel Adeyemi", MemberRole.MEMBER, "Independent resident"),
        ("Rachel Moore", MemberRole.MEMBER, "Independent resident"),
    ]
    ids = [panels.add_member(db, panel, n, role=r, organisation=o, actor=a) for n, r, o in members]
    meeting = panels.create_meeting(
        db,
        panel,
        dt.date(2026, 10, 21),
        "Incivility, impoliteness and intolerance",
        location="Police HQ, Portishead",
        status=MeetingStatus.HELD,
        actor=a,
    )
    for mid in ids:
        panels.set_attendance(db, meeting, mid, present=True, actor=a)
    records = []
    for i in range(1, 61):
        received = dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(days=rng.randrange(200))
        records.append(
            {
                "force_reference": f"CO/{1000 + i * 13:05d}/26",
                "subject_name": f"Synthetic Complainant {i}",
                "complainant_name": f"Synthetic Complainant {i}",
                "occurred_at": received,
                "area": rng.choice(AREAS),
                "age_band": rng.choice(AGE_BANDS[1:]),
                "gender": rng.choice(("Male", "Female")),
                "self_defined_ethnicity": rng.choice(ETHNICITIES),
                "allegation_category": rng.choice(ALLEGATIONS),
                "allegation_scheme": "2020 IOPC",
                "handling_route": rng.choice(
                    ("Outside Schedule 3", "Schedule 3 - otherwise than by investigation")
                ),
                "outcome": rng.choice(
                    ("Service acceptable", "Service not acceptable", "Learning identified")
                ),
                "days_to_contact": rng.randrange(1, 12),
                "days_to_finalise": rng.randrange(20, 160),
            }
        )
    importer.import_records(
        db, meeting, records, source_name="Synthetic complaints (demo)", actor=a
    )
    sampling.draw_sample(db, meeting, 27, seed=COMPLAINTS_SEED, actor=a)
    rows = cases.meeting_cases(db, meeting).rows
    for i, (row, code) in enumerate(zip(rows, COMPLAINT_OUTCOMES, strict=True)):
        answers = {key: values[i] for key, values in COMPLAINT_ANSWERS.items()}
        session.save_decision(db, row.item_id, outcome_code=code, answers=answers, actor=a)
    return panel, meeting


def _oocd_narrative(db: Database, meeting: int) -> None:
    """The sections an officer writes in the app for the report (synthetic text). Every
    number in them is read from the same queries as the report's own tables."""
    from scrutiny_app.services.population import meeting_breakdown
    from scrutiny_app.services.report import sections as report_sections

    disposals = meeting_breakdown(db, meeting, "disposal_type")
    unrecognised = sum(
        1
        for r in cases.meeting_cases(db, meeting).rows
        if r.organisational_learning == STALKING_LEARNING
    )
    texts = {
        "performance_context": (
            "In the twelve months to August 2026 the force recorded 1,412 stalking and harassment "
            "offences; 9% were finalised with an out of court disposal, against 6% the year "
            f"before. The extract for this meeting holds {disposals.total} disposals:\n\n"
            f"- Community resolutions: {disposals.count('Community resolution')}\n"
            f"- Conditional cautions: {disposals.count('Conditional caution')}\n"
            f"- Youth conditional cautions: {disposals.count('Youth conditional caution')}"
        ),
        "themes": (
            f"**Recognising stalking.** In {_count_words(unrecognised)} a course of conduct "
            "that met the stalking definition was recorded as harassment.\n\n**The "
            "victim's voice.** Victims' views were often recorded as a single word, or not "
            "at all."
        ),
        "force_response": (
            "The Head of Criminal Justice attended and welcomed the Panel's findings. The force "
            "has accepted the first recommendation; its response to the second is due by the "
            "date shown."
        ),
    }
    for key, text in texts.items():
        report_sections.set_section(db, meeting, key, text, actor=DEMO_ACTOR)
    report_sections.set_next_theme(db, meeting, "Youth conditional cautions", actor=DEMO_ACTOR)


def _count_words(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return (words[n] if n < len(words) else str(n)) + (" case" if n == 1 else " cases")


def ensure_demo(db: Database) -> bool:
    """Create the demo data if the database has no panels yet; True if it did."""
    if panels.list_panels(db):
        return False
    create_demo(db)
    return True
