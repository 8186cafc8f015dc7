"""Put the demo OOCD meeting back into session, for the GUI tests and the screenshots.

The demo (``services.demo``) creates the stalking and harassment meeting already decided. These
helpers use only the session services to take it back to the start of a session
(:func:`reopen_for_session`) or to a plausible point in the middle of one
(:func:`stage_session`): members' views recorded, some revealed, part of the cases decided.
Deterministic: the same views every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from scrutiny_app.domain.vocab import MeetingStatus
from scrutiny_app.services import cases, panels, session
from scrutiny_app.services.cases import CaseRow
from scrutiny_app.storage.database import Database

ACTOR = "demo"

# Notes members might write next to each outcome of the OOCD scheme.
NOTES = {
    "appropriate": (
        "Proportionate for a first offence with a full admission.",
        "Victim consulted and content; conditions completed.",
    ),
    "appropriate_obs": (
        "Right outcome, but the victim's views are recorded only as 'agreed'.",
        "Conditions were not time-bound.",
        "No check that the letter of apology was sent.",
    ),
    "inappropriate": (
        "A course of conduct: this met the stalking definition.",
        "Victim opposed the outcome and no reason is given for overriding them.",
        "Previous harassment of the same victim: should have gone to the CPS.",
    ),
    "no_consensus": ("Need the victim's statement before I can judge this.",),
}


@dataclass(frozen=True)
class Reopened:
    meeting_id: int
    published: dict[int, CaseRow]  # item id -> the decision the demo had recorded


def reopen_for_session(db: Database, meeting_id: int) -> Reopened:
    """Withdraw every panel decision of the meeting and put it back "in session"."""
    rows = cases.meeting_cases(db, meeting_id).rows
    published = {r.item_id: r for r in rows if r.decided}
    for r in rows:
        session.withdraw_decision(db, r.item_id, actor=ACTOR)
    panels.set_meeting_status(db, meeting_id, MeetingStatus.IN_SESSION, actor=ACTOR)
    return Reopened(meeting_id, published)


@dataclass(frozen=True)
class Staged:
    meeting_id: int
    judges: tuple[int, ...]  # member ids who recorded views
    current_item: int  # the case the session is on (revealed, not decided)


def stage_session(
    db: Database, meeting_id: int, *, decided: int = 14, judges: int = 3, seed: int = 4
) -> Staged:
    """The demo meeting part-way through: ``decided`` cases decided over revealed views.

    ``judges`` members present record views on every case (mostly the outcome the demo
    recorded, sometimes another); the case after the decided ones is revealed and waits for
    the decision; later cases have views in but hidden. One member who is not judging is
    marked absent, and one judge declares an interest in one case.
    """
    rng = random.Random(seed)
    reopened = reopen_for_session(db, meeting_id)
    people = panels.meeting_attendance(db, meeting_id)
    judging = [a for a in people if a.can_judge]
    chosen, rest = judging[:judges], judging[judges:]
    for a in rest:
        panels.set_attendance(db, meeting_id, a.member_id, present=False, actor=ACTOR)
    rows = cases.meeting_cases(db, meeting_id).rows
    codes = [o.code for o in cases.meeting_cases(db, meeting_id).template.outcomes]
    conflicted = (
        (rows[decided + 3].item_id, chosen[-1].member_id) if len(rows) > decided + 3 else None
    )
    if conflicted:
        session.declare_interest(
            db, conflicted[0], conflicted[1], "Knows the victim's family.", actor=ACTOR
        )
    for r in rows:
        published = reopened.published.get(r.item_id)
        for a in chosen:
            if conflicted == (r.item_id, a.member_id):
                continue
            target: str = (
                published.outcome_code
                if published and published.outcome_code
                else rng.choice(codes[:3])
            )
            if target == "no_consensus" or rng.random() < 0.2:
                target = rng.choice([c for c in codes if c != "no_consensus"])
            note = rng.choice(NOTES.get(target, ("",)))
            answers = {
                "victim_consulted": rng.choice(("yes", "yes", "no")),
                "policy_followed": "no" if target == "inappropriate" else "yes",
            }
            session.record_view(
                db, r.item_id, a.member_id, outcome_code=target, note=note, answers=answers,
                actor=a.name,
            )  # fmt: skip
    officer = next((a for a in people if a.can_reveal and not a.can_judge), chosen[0])
    for r in rows[: decided + 1]:
        session.reveal_views(db, r.item_id, by_member_id=officer.member_id, actor=officer.name)
    for r in rows[:decided]:
        published = reopened.published.get(r.item_id)
        if published is None or published.outcome_code is None:
            continue
        session.save_decision(
            db,
            r.item_id,
            outcome_code=published.outcome_code,
            observations=published.observations,
            good_practice=published.good_practice,
            organisational_learning=published.organisational_learning,
            actor=officer.name,
        )
        session.add_time(db, r.item_id, rng.randrange(240, 900))
    current = rows[min(decided, len(rows) - 1)]
    session.add_time(db, current.item_id, 190)
    return Staged(meeting_id, tuple(a.member_id for a in chosen), current.item_id)
