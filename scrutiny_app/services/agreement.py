"""How far the members agreed before the discussion: percentage agreement and Fleiss' kappa.

Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters") compares
the agreement among raters with the agreement chance alone would give. For N subjects (cases),
k categories (outcomes) and n_ij raters putting subject i in category j, with n_i raters on
subject i:

    P_i   = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1))      agreement on subject i (pairwise)
    P_bar = mean of P_i                                 observed agreement
    p_j   = sum_i n_ij / sum_i n_i                      share of all ratings in category j
    P_e   = sum_j p_j^2                                 agreement expected by chance
    kappa = (P_bar - P_e) / (1 - P_e)

With the same n on every subject this is Fleiss' formula exactly (the worked example on the
Wikipedia page "Fleiss' kappa": 10 subjects, 14 raters, 5 categories, kappa = 0.210, is a test).
At a panel meeting a member with a declared interest does not rate that case, so n_i may vary:
P_i is then each case's own pairwise agreement and p_j is weighted by ratings, the usual
generalisation. Cases with fewer than two views have no agreement to measure and are left out.

The percentage agreement shown is P_bar as a percentage: the chance that two members picked at
random chose the same outcome, averaged over the cases.

Kappa on a handful of cases says little and swings from one meeting to the next, so it is only
reported from :data:`MIN_CASES_FOR_KAPPA` cases with two views or more, always with the number
of cases, a plain-words caveat and a 95% interval: a percentile bootstrap over cases
(:func:`kappa_interval`, a fixed seed so the same views give the same interval).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scrutiny_app.services.panels import get_meeting
from scrutiny_app.services.templates import Outcome, TemplateInfo, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import MeetingCase, Member


@dataclass(frozen=True)
class FleissResult:
    subjects: int  # subjects with at least two ratings (the ones used)
    ratings: int
    observed: float  # P_bar
    expected: float  # P_e
    kappa: float | None  # None when chance agreement is total (every rating in one category)
    per_subject: tuple[float | None, ...]  # P_i, None for a subject with fewer than 2 ratings
    proportions: tuple[float, ...]  # p_j
    per_category: tuple[float | None, ...]  # Fleiss' kappa_j for each category


def fleiss_kappa(table: Sequence[Sequence[int]]) -> FleissResult:
    """Fleiss' kappa of a subjects x categories table of rating counts.

    Raises ValueError for a ragged table or a negative count. Subjects with fewer than two
    ratings are skipped (their ``per_subject`` entry is None).
    """
    rows = [list(r) for r in table]
    k = len(rows[0]) if rows else 0
    if any(len(r) != k for r in rows):
        raise ValueError("every subject needs a count for every category")
    if any(n < 0 or int(n) != n for r in rows for n in r):
        raise ValueError("counts must be whole numbers, not negative")
    used = [r for r in rows if sum(r) >= 2]
    per_subject: list[float | None] = []
    for r in rows:
        n = sum(r)
        per_subject.append((sum(x * x for x in r) - n) / (n * (n - 1)) if n >= 2 else None)
    total = sum(sum(r) for r in used)
    if not used or total == 0:
        return FleissResult(0, 0, 0.0, 0.0, None, tuple(per_subject), (0.0,) * k, (None,) * k)
    observed = sum(p for p in per_subject if p is not None) / len(used)
    proportions = tuple(sum(r[j] for r in used) / total for j in range(k))
    expected = sum(p * p for p in proportions)
    kappa = (observed - expected) / (1 - expected) if expected < 1 - 1e-12 else None
    per_category: list[float | None] = []
    for j, p in enumerate(proportions):
        spread = total * p * (1 - p)
        if spread <= 1e-12:
            per_category.append(None)
            continue
        disagreement = sum(r[j] * (sum(r) - r[j]) / (sum(r) - 1) for r in used)
        per_category.append(1 - disagreement / spread)
    return FleissResult(
        subjects=len(used),
        ratings=total,
        observed=observed,
        expected=expected,
        kappa=kappa,
        per_subject=tuple(per_subject),
        proportions=proportions,
        per_category=tuple(per_category),
    )


MIN_CASES_FOR_KAPPA = 5  # fewer cases with views: percentage agreement only
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 1971  # Fleiss' year: any fixed seed, so the interval is reproducible


def kappa_interval(
    table: Sequence[Sequence[int]],
    *,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """A ``level`` confidence interval for Fleiss' kappa: percentile bootstrap over subjects.

    Subjects (rows with two ratings or more) are drawn with replacement and kappa recomputed,
    ``resamples`` times; the interval is the middle ``level`` of those kappas. None with fewer
    than two subjects or when kappa cannot be computed on most resamples.
    """
    used = [list(r) for r in table if sum(r) >= 2]
    if len(used) < 2:
        return None
    rng = random.Random(seed)
    n = len(used)
    kappas = []
    for _ in range(resamples):
        k = fleiss_kappa([used[rng.randrange(n)] for _ in range(n)]).kappa
        if k is not None:
            kappas.append(k)
    if len(kappas) < resamples / 2:
        return None
    kappas.sort()
    tail = (1 - level) / 2
    low = kappas[int(tail * len(kappas))]
    high = kappas[min(len(kappas) - 1, int((1 - tail) * len(kappas)))]
    return (low, high)


def interpret(kappa: float | None) -> str:
    """Landis and Koch's (1977) words for a kappa, as panels and papers quote them."""
    if kappa is None:
        return "not measurable"
    if kappa < 0:
        return "poor (less than chance)"
    for limit, word in (
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if kappa <= limit:
            return word
    return "almost perfect"


# =========================================================================== a meeting


@dataclass(frozen=True)
class MemberView:
    member_id: int
    name: str
    outcome_code: str
    note: str


@dataclass(frozen=True)
class CaseAgreement:
    item_id: int
    position: int
    reference: str
    views: tuple[MemberView, ...]  # members' views with an outcome, by member name
    counts: tuple[int, ...]  # per outcome of the scheme, in scheme order
    agreement: float | None  # P_i: pairwise agreement on this case; None with < 2 views
    decided_code: str | None  # the panel's decision, if made

    @property
    def raters(self) -> int:
        return len(self.views)

    @property
    def distinct(self) -> int:
        return sum(1 for c in self.counts if c)

    @property
    def unanimous(self) -> bool:
        return self.raters >= 2 and self.distinct == 1

    @property
    def modal_count(self) -> int:
        return max(self.counts, default=0)


@dataclass(frozen=True)
class MeetingAgreement:
    template: TemplateInfo
    cases: tuple[CaseAgreement, ...]  # revealed cases with at least one view
    result: FleissResult
    members: tuple[tuple[int, str], ...]  # (member id, name) of everyone with a view

    @property
    def kappa(self) -> float | None:
        return self.result.kappa

    @property
    def percent_agreement(self) -> float | None:
        return 100.0 * self.result.observed if self.result.subjects else None

    @property
    def interpretation(self) -> str:
        return interpret(self.kappa)

    @property
    def measured(self) -> tuple[CaseAgreement, ...]:
        """The cases agreement is measured on (two views or more)."""
        return tuple(c for c in self.cases if c.raters >= 2)

    @property
    def unanimous_cases(self) -> int:
        return sum(1 for c in self.measured if c.unanimous)

    @property
    def views(self) -> int:
        return sum(c.raters for c in self.cases)

    def per_category(self) -> list[tuple[Outcome, float | None]]:
        return list(zip(self.template.outcomes, self.result.per_category, strict=True))

    def most_disagreed(self, n: int = 5) -> list[CaseAgreement]:
        """The cases the members disagreed on most: lowest agreement, most outcomes, first."""
        split = [c for c in self.measured if not c.unanimous]
        split.sort(key=lambda c: (c.agreement or 0.0, -c.distinct, c.position))
        return split[:n]

    def member_agreement_with_panel(self) -> list[tuple[str, int, int]]:
        """(name, views that matched the panel's decision, views on decided cases) per member."""
        out: dict[int, list[int]] = {}
        names = dict(self.members)
        for c in self.cases:
            if c.decided_code is None:
                continue
            for v in c.views:
                tally = out.setdefault(v.member_id, [0, 0])
                tally[0] += v.outcome_code == c.decided_code
                tally[1] += 1
        return sorted(
            ((names[m], a, b) for m, (a, b) in out.items()), key=lambda t: t[0].casefold()
        )

    @property
    def kappa_reported(self) -> bool:
        """Enough cases with views for kappa to mean something (and it could be computed)."""
        return len(self.measured) >= MIN_CASES_FOR_KAPPA and self.kappa is not None

    @cached_property
    def interval(self) -> tuple[float, float] | None:
        """The 95% interval of kappa (None when kappa is not reported)."""
        if not self.kappa_reported:
            return None
        return kappa_interval([c.counts for c in self.measured])

    @property
    def caveat(self) -> str:
        """What the kappa figure can and cannot say, in plain words."""
        n = len(self.measured)
        if n < MIN_CASES_FOR_KAPPA:
            return (
                f"Kappa is shown from {MIN_CASES_FOR_KAPPA} cases with two views or more "
                f"({n} so far): on fewer it says nothing reliable. The percentage agreement "
                "is shown meanwhile."
            )
        text = (
            f"Kappa compares the members' agreement with what chance alone would give, on "
            f"{n} cases. On a few dozen cases it moves a good deal from one meeting to the "
            "next: read it as a rough guide"
        )
        if self.interval is not None:
            low, high = self.interval
            text += f"; the true figure is likely between {low:.2f} and {high:.2f} (95%)"
        return text + "."

    @property
    def kappa_words(self) -> str:
        """'0.62 (substantial; 95% CI 0.41 to 0.80; 24 cases)' or why there is none."""
        n = len(self.measured)
        if n < MIN_CASES_FOR_KAPPA:
            return f"not shown below {MIN_CASES_FOR_KAPPA} cases ({n} so far)"
        if self.kappa is None:
            return "not measurable (every view the same outcome)"
        ci = f"; 95% CI {self.interval[0]:.2f} to {self.interval[1]:.2f}" if self.interval else ""
        return f"{self.kappa:.2f} ({self.interpretation}{ci}; {n} cases)"

    @property
    def summary(self) -> str:
        """One line for the screen: 'Fleiss' kappa 0.41 (moderate; ...); agreement 68% ...'."""
        if not self.measured:
            return "Agreement: not enough views yet (two or more per case are needed)."
        return (
            f"Fleiss' kappa {self.kappa_words}; percentage agreement "
            f"{self.percent_agreement:.0f}%; all members agreed on {self.unanimous_cases} of "
            f"{len(self.measured)} cases."
        )


def meeting_agreement(
    db: Database, meeting_id: int, *, revealed_only: bool = True
) -> MeetingAgreement:
    """Agreement among the members' own views at a meeting.

    By default only revealed cases count (before the reveal the figures would hint at views
    still hidden).
    """
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        tpl = template_info(meeting.panel.template)
        names: dict[int, str] = {
            i: n
            for i, n in s.execute(
                select(Member.id, Member.name).where(Member.panel_id == meeting.panel_id)
            )
        }
        items = s.scalars(
            select(MeetingCase)
            .where(MeetingCase.meeting_id == meeting.id)
            .options(
                selectinload(MeetingCase.case),
                selectinload(MeetingCase.assessments),
                selectinload(MeetingCase.judgement),
            )
            .order_by(MeetingCase.position)
        ).all()
        codes = [o.code for o in tpl.outcomes]
        cases = []
        members: dict[int, str] = {}
        for it in items:
            if revealed_only and it.views_revealed_at is None:
                continue
            views = tuple(
                sorted(
                    (
                        MemberView(a.member_id, names.get(a.member_id, ""), a.outcome_code, a.note)
                        for a in it.assessments
                        if a.outcome_code in codes
                    ),
                    key=lambda v: v.name.casefold(),
                )
            )
            if not views:
                continue
            for v in views:
                members[v.member_id] = v.name
            counts = tuple(sum(1 for v in views if v.outcome_code == c) for c in codes)
            cases.append(
                CaseAgreement(
                    item_id=it.id,
                    position=it.position,
                    reference=it.case.reference,
                    views=views,
                    counts=counts,
                    agreement=fleiss_kappa([counts]).per_subject[0],
                    decided_code=it.judgement.outcome_code if it.judgement else None,
                )
            )
    result = fleiss_kappa([c.counts for c in cases] or [[0] * len(codes)])
    return MeetingAgreement(
        template=tpl,
        cases=tuple(cases),
        result=result,
        members=tuple(sorted(members.items(), key=lambda m: m[1].casefold())),
    )
