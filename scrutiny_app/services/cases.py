"""Read models over a meeting's cases: the rows the case list, the report and the CLI show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scrutiny_app.services.panels import get_meeting
from scrutiny_app.services.templates import Outcome, TemplateInfo, template_info
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import MeetingCase

# Which template fields summarise a case in one line, per template.
SUMMARY_FIELDS: dict[str, tuple[str, ...]] = {
    "oocd": ("offence", "disposal_type"),
    "stop_search": ("object_of_search", "outcome"),
    "use_of_force": ("tactics", "outcome"),
    "complaints": ("allegation_category", "outcome"),
    "hate_crime": ("offence", "outcome"),
}


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

    @property
    def decided(self) -> bool:
        return self.outcome_code is not None


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


def summarise(template_key: str, fields: dict[str, Any]) -> str:
    keys = SUMMARY_FIELDS.get(template_key, ())
    return " / ".join(str(fields[k]) for k in keys if fields.get(k))


def meeting_cases(db: Database, meeting_id: int) -> MeetingCases:
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        tpl = template_info(meeting.panel.template)
        items = s.scalars(
            select(MeetingCase)
            .where(MeetingCase.meeting_id == meeting.id)
            .options(selectinload(MeetingCase.case), selectinload(MeetingCase.judgement))
            .order_by(MeetingCase.position)
        ).all()
        rows = []
        for it in items:
            c, j = it.case, it.judgement
            rows.append(
                CaseRow(
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
                )
            )
        return MeetingCases(tpl, tuple(rows))
