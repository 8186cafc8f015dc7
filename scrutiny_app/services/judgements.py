"""Record the panel's judgement on a case."""

from __future__ import annotations

from sqlalchemy import select

from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import MeetingCase, PanelJudgement

TEXT_FIELDS = (
    "observations",
    "good_practice",
    "individual_learning",
    "organisational_learning",
    "dissent",
)


def record_judgement(
    db: Database,
    item_id: int,
    outcome_code: str,
    *,
    consensus: str = Consensus.UNANIMOUS,
    actor: str = "",
    **texts: str,
) -> int:
    """Create or update the panel judgement on meeting case ``item_id``; returns its id.

    ``texts`` may hold any of TEXT_FIELDS. An outcome that means "carry over" (no consensus)
    marks the case to go into the next meeting's sample.
    """
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown judgement fields: {sorted(unknown)}")
    consensus = Consensus(consensus)
    with db.transaction() as s:
        item = s.get(MeetingCase, item_id)
        if item is None:
            raise NotFound(f"No case {item_id} on any meeting's agenda.")
        scheme = {o.code: o for o in item.meeting.panel.template.outcomes}
        if outcome_code not in scheme:
            raise UserError(
                f"{outcome_code!r} is not an outcome of this panel's scheme ({', '.join(scheme)})."
            )
        judgement = s.scalar(
            select(PanelJudgement).where(PanelJudgement.meeting_case_id == item_id)
        )
        action = "update" if judgement else "create"
        if judgement is None:
            judgement = PanelJudgement(meeting_case_id=item_id)
            s.add(judgement)
        if scheme[outcome_code].is_carry_over:
            consensus = Consensus.NONE  # "no consensus" is, by definition, not agreed
        judgement.outcome_code = outcome_code
        judgement.consensus = consensus
        judgement.carried_over = scheme[outcome_code].is_carry_over
        judgement.recorded_by = actor
        for name, value in texts.items():
            setattr(judgement, name, value)
        s.flush()
        audit.record(
            s,
            actor,
            action,
            judgement,
            outcome=outcome_code,
            consensus=consensus,
            case=item.case.uuid,
        )
        return judgement.id
