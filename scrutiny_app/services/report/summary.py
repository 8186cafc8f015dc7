"""The Commissioner's update paragraph, built from a meeting's outcome counts.

"The Panel scrutinised 24 cases: 3 were found to be appropriate, 8 appropriate with observations
and 12 inappropriate. The Panel did not reach consensus in one case." (docs/DOMAIN.md, "The report").
The report prints it; the app shows it with a Copy button (:func:`meeting_summary`).
"""

from __future__ import annotations

from collections.abc import Sequence

from scrutiny_app.services.cases import OutcomeCount, meeting_cases
from scrutiny_app.storage.database import Database

__all__ = ["cases_phrase", "commissioner_summary", "join_phrases", "meeting_summary"]

# Schemes whose labels read as adjectives in a sentence ("3 were found to be appropriate"):
# the four-point OOCD scale. Other schemes' labels are quoted as they are.
_ADJECTIVAL_SCHEMES = frozenset({"oocd"})


def cases_phrase(n: int) -> str:
    """'1 case', '2 cases'."""
    return f"{n} case" if n == 1 else f"{n} cases"


def join_phrases(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def commissioner_summary(counts: Sequence[OutcomeCount], template_key: str) -> str:
    """The short paragraph for the Commissioner's update to the Police and Crime Panel.

    ``counts`` are the meeting's judged cases per outcome (as ``MeetingCases.counts()``); the
    carry-over outcome (no consensus) gets its own sentence, zero categories are left out.
    """
    total = sum(c.count for c in counts)
    if total == 0:
        return "The Panel has not yet recorded a judgement on any case."
    carried = sum(c.count for c in counts if c.outcome.is_carry_over)
    decided = [c for c in counts if c.count and not c.outcome.is_carry_over]
    opening = f"The Panel scrutinised {cases_phrase(total)}"

    if not decided:  # every case was carried over
        where = {1: "in it", 2: "in either of them"}.get(total, "in any of them")
        return f"{opening} but did not reach consensus {where}."

    adjectival = template_key in _ADJECTIVAL_SCHEMES

    def label(c: OutcomeCount) -> str:
        return c.outcome.label.lower() if adjectival else f'"{c.outcome.label}"'

    verb_one, verb_many = (
        ("was found to be", "were found to be") if adjectival else ("was rated", "were rated")
    )
    if len(decided) == 1 and carried == 0:
        only = decided[0]
        who = {1: "it was", 2: "both were"}.get(total, f"all {total} were")
        verb = verb_one.removeprefix("was ") if total == 1 else verb_many.removeprefix("were ")
        text = f"{opening}: {who} {verb} {label(only)}."
    else:
        first, *rest = decided
        parts = [f"{first.count} {verb_one if first.count == 1 else verb_many} {label(first)}"]
        parts += [f"{c.count} {label(c)}" for c in rest]
        text = f"{opening}: {join_phrases(parts)}."
    if carried:
        text += " The Panel did not reach consensus in " + (
            "one case." if carried == 1 else f"{carried} cases."
        )
    return text


def meeting_summary(db: Database, meeting_id: int) -> str:
    """The Commissioner's paragraph for one meeting, from its recorded judgements.

    For the app's summary box and its Copy button: the same text the report prints.
    """
    data = meeting_cases(db, meeting_id)
    return commissioner_summary(data.counts(), data.template.key)
