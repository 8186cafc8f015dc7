"""Findings by criterion: the panel's agreed answers to the template's questions, tallied.

Complaints and police powers panels publish these rather than (or as well as) the overall
outcome: "27 complaints: 25 handled in a timely way, 22 with appropriate updates, 25 with the
correct outcome"; how often each GOWISELY element was given. Each question's ``report``
settings (from its template) decide how it is reported:

- ``label``: its wording in the tables (default: the question);
- ``positive``: the answer that counts as met (default ``yes``, else the first answer);
- ``phrase`` and ``summary``: a clause for the Commissioner's paragraph, ``{was}`` / ``{had}``
  agreeing with the count ("25 were handled in a timely way");
- ``internal``: left out of the published version; ``reported: false``: never reported.

Counted over the cases the panel decided (a case carried over without consensus is not), each
answer a count and a percentage of them; a decided case with no answer is "not answered".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scrutiny_app.services.cases import CaseRow
from scrutiny_app.services.session.common import QuestionInfo

NOT_ANSWERED = "not answered"
# Answers that say the question did not arise or could not be judged: neither met nor not.
NEUTRAL = frozenset({"not observable", "not applicable", "unclear", "declined"})


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    group: str
    answers: tuple[str, ...]
    positive: str
    phrase: str  # with {was} / {had}; "" when it is not in the Commissioner's paragraph
    internal: bool


@dataclass(frozen=True)
class Tally:
    criterion: Criterion
    counts: tuple[tuple[str, int], ...]  # each answer of the question, in its order
    unanswered: int
    total: int  # the cases decided: every percentage is of these

    def count(self, answer: str) -> int:
        return dict(self.counts).get(answer, 0)

    def percent(self, answer: str) -> float:
        n = self.unanswered if answer == NOT_ANSWERED else self.count(answer)
        return 100.0 * n / self.total if self.total else 0.0

    @property
    def met(self) -> int:
        return self.count(self.criterion.positive)


def criteria(questions: Sequence[QuestionInfo], *, public: bool = False) -> list[Criterion]:
    """The questions the report tallies, in the template's order."""
    out = []
    for q in questions:
        r = dict(q.report or {})
        if r.get("reported") is False or not q.answers:
            continue
        internal = bool(r.get("internal"))
        if public and internal:
            continue
        positive = str(r.get("positive") or ("yes" if "yes" in q.answers else q.answers[0]))
        phrase = str(r.get("phrase") or "") if r.get("summary") else ""
        out.append(
            Criterion(
                q.key,
                str(r.get("label") or q.text),
                q.group,
                tuple(q.answers),
                positive,
                phrase,
                internal,
            )
        )
    return out


def tally(
    rows: Sequence[CaseRow], questions: Sequence[QuestionInfo], *, public: bool = False
) -> list[Tally]:
    """Each reported criterion's answers over the decided cases of ``rows``."""
    decided = [r for r in rows if r.decided and not r.carried_over]
    out = []
    for c in criteria(questions, public=public):
        given = [str(r.answers.get(c.key)) for r in decided if r.answers.get(c.key) is not None]
        counts = tuple((a, sum(1 for g in given if g == a)) for a in c.answers)
        out.append(Tally(c, counts, len(decided) - len(given), len(decided)))
    return out


def groups(tallies: Sequence[Tally]) -> list[tuple[str, list[Tally]]]:
    """The tallies by the template's groups, in order of first appearance."""
    out: dict[str, list[Tally]] = {}
    for t in tallies:
        out.setdefault(t.criterion.group, []).append(t)
    return list(out.items())


def summary_sentence(tallies: Sequence[Tally]) -> str:
    """The criteria the template puts in the Commissioner's paragraph, as one sentence
    ("" if none): "Of the 27, 25 were handled in a timely way, 22 had appropriate ..."."""
    chosen = [t for t in tallies if t.criterion.phrase and t.total]
    if not chosen:
        return ""
    parts = []
    for t in chosen:
        n = t.met
        clause = t.criterion.phrase.format(was="was" if n == 1 else "were", had="had")
        parts.append(f"{n} {clause}")
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of the {chosen[0].total} decided, {joined}."


def not_met(row: CaseRow, questions: Sequence[QuestionInfo]) -> list[str]:
    """A decided case's criteria that were not met (the findings that matter), as labels:
    any answer but the positive one and the neutral ones (not observable, not applicable...)."""
    out = []
    for c in criteria(questions):
        answer = row.answers.get(c.key)
        if answer is not None and str(answer) != c.positive and str(answer) not in NEUTRAL:
            out.append(c.label)
    return out
