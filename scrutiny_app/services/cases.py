"""Read models over a meeting's cases: the rows the case list, the report and the CLI show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scrutiny_app.services.panels import get_meeting, meeting_item
from scrutiny_app.services.templates import Outcome, TemplateInfo, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import CaseTag, MeetingCase, Tag

# Which template fields summarise a case in one line, per template.
SUMMARY_FIELDS: dict[str, tuple[str, ...]] = {
    "oocd": ("offence", "disposal_type"),
    "stop_search": ("object_of_search", "outcome"),
    "use_of_force": ("tactics", "outcome"),
    "complaints": ("allegation_category", "outcome"),
    "hate_crime": ("offence", "outcome"),
}


class CaseState(StrEnum):
    """Where a case is in the session: the case list shows and filters by this."""

    NOT_STARTED = "not_started"
    VIEWS_IN = "views_in"  # at least one member has recorded a view; no panel decision yet
    DECIDED = "decided"
    CARRIED_OVER = "carried_over"  # decided "no consensus": goes to the next meeting

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "views_in": "Views in",
            "decided": "Decided",
            "carried_over": "Carried over",
        }[self.value]


@dataclass(frozen=True)
class CaseRow:
    item_id: int  # MeetingCase.id: what judgements attach to
    case_id: int
    position: int
    reference: str
    occurred_at: dt.datetime | None
    area: str
    age_band: str
    gender: str
    self_defined_ethnicity: str
    officer_defined_ethnicity: str
    fields: dict[str, Any]
    summary: str
    selection: str
    outcome_code: str | None
    outcome_label: str
    consensus: str
    observations: str
    good_practice: str
    individual_learning: str
    organisational_learning: str
    carried_over: bool
    # The session (issue 4): defaults keep older callers that build rows working.
    dissent: str = ""
    answers: dict[str, Any] = field(default_factory=dict)  # the panel's answers to the questions
    tags: tuple[str, ...] = ()
    views: int = 0  # members' views with an outcome recorded (their content stays hidden)
    revealed: bool = False  # the members' views have been revealed
    seconds_spent: int = 0
    recorded_by: str = ""
    internal: bool = False
    carried_from_id: int | None = None  # the earlier meeting's item this case came from

    @property
    def decided(self) -> bool:
        return self.outcome_code is not None

    @property
    def state(self) -> CaseState:
        if self.decided:
            return CaseState.CARRIED_OVER if self.carried_over else CaseState.DECIDED
        return CaseState.VIEWS_IN if self.views or self.revealed else CaseState.NOT_STARTED


@dataclass(frozen=True)
class OutcomeCount:
    outcome: Outcome
    count: int
    percent: float


@dataclass(frozen=True)
class MeetingCases:
    template: TemplateInfo
    rows: tuple[CaseRow, ...]

    def counts(self) -> list[OutcomeCount]:
        """Count per outcome of the scheme, in scheme order (zeros included)."""
        decided = [r for r in self.rows if r.decided]
        total = len(decided)
        return [
            OutcomeCount(
                o,
                n := sum(1 for r in decided if r.outcome_code == o.code),
                (100.0 * n / total) if total else 0.0,
            )
            for o in self.template.outcomes
        ]

    @property
    def decided_count(self) -> int:
        return sum(1 for r in self.rows if r.decided)

    @property
    def carried_over_count(self) -> int:
        return sum(1 for r in self.rows if r.decided and r.carried_over)

    @property
    def progress_text(self) -> str:
        """'14 of 24 decided'."""
        return f"{self.decided_count} of {len(self.rows)} decided"

    def state_counts(self) -> dict[CaseState, int]:
        counts = dict.fromkeys(CaseState, 0)
        for r in self.rows:
            counts[r.state] += 1
        return counts

    def row(self, item_id: int) -> CaseRow | None:
        return next((r for r in self.rows if r.item_id == item_id), None)

    def with_row(self, new: CaseRow) -> MeetingCases:
        """A copy with ``new`` in place of the row of the same item."""
        return MeetingCases(
            self.template, tuple(new if r.item_id == new.item_id else r for r in self.rows)
        )


def summarise(template_key: str, fields: dict[str, Any]) -> str:
    keys = SUMMARY_FIELDS.get(template_key, ())
    return " / ".join(str(fields[k]) for k in keys if fields.get(k))


def _tags(s: Session, item_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    ids = list(item_ids)
    out: dict[int, list[str]] = {}
    if not ids:
        return {}
    for item_id, name in s.execute(
        select(CaseTag.meeting_case_id, Tag.name)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(CaseTag.meeting_case_id.in_(ids))
        .order_by(Tag.name)
    ):
        out.setdefault(item_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _row(it: MeetingCase, tpl: TemplateInfo, tags: tuple[str, ...]) -> CaseRow:
    c, j = it.case, it.judgement
    return CaseRow(
        item_id=it.id,
        case_id=c.id,
        position=it.position,
        reference=c.reference,
        occurred_at=c.occurred_at,
        area=c.area,
        age_band=c.age_band,
        gender=c.gender,
        self_defined_ethnicity=c.self_defined_ethnicity,
        officer_defined_ethnicity=c.officer_defined_ethnicity,
        fields=dict(c.fields),
        summary=summarise(tpl.key, c.fields),
        selection=it.selection,
        outcome_code=j.outcome_code if j else None,
        outcome_label=tpl.label(j.outcome_code) if j else "",
        consensus=j.consensus if j else "",
        observations=j.observations if j else "",
        good_practice=j.good_practice if j else "",
        individual_learning=j.individual_learning if j else "",
        organisational_learning=j.organisational_learning if j else "",
        carried_over=j.carried_over if j else False,
        dissent=j.dissent if j else "",
        answers=dict(j.answers or {}) if j else {},
        tags=tags,
        views=sum(1 for a in it.assessments if a.outcome_code),
        revealed=it.views_revealed_at is not None,
        seconds_spent=it.seconds_spent or 0,
        recorded_by=j.recorded_by if j else "",
        internal=bool(j.internal) if j else False,
        carried_from_id=it.carried_from_id,
    )


def _load_options() -> tuple[Any, ...]:
    return (
        selectinload(MeetingCase.case),
        selectinload(MeetingCase.judgement),
        selectinload(MeetingCase.assessments),
    )


def meeting_cases(db: Database, meeting_id: int) -> MeetingCases:
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        tpl = template_info(meeting.panel.template)
        items = s.scalars(
            select(MeetingCase)
            .where(MeetingCase.meeting_id == meeting.id)
            .options(*_load_options())
            .order_by(MeetingCase.position)
        ).all()
        tags = _tags(s, (it.id for it in items))
        rows = [_row(it, tpl, tags.get(it.id, ())) for it in items]
        return MeetingCases(tpl, tuple(rows))


def case_row(db: Database, item_id: int) -> CaseRow:
    """One meeting case as the case list shows it (after a change to it)."""
    with db.session() as s:
        it = meeting_item(s, item_id, *_load_options())
        tpl = template_info(it.meeting.panel.template)
        return _row(it, tpl, _tags(s, [it.id]).get(it.id, ()))
