"""Time spent on cases and the meeting's progress."""

from __future__ import annotations

from dataclasses import dataclass

from scrutiny_app.services.cases import CaseState, OutcomeCount, meeting_cases
from scrutiny_app.services.session.common import MAX_SECONDS_PER_CALL, _item
from scrutiny_app.storage.database import Database

# =========================================================================== time and progress


def add_time(db: Database, item_id: int, seconds: float) -> int:
    """Add time the panel spent on a case (whole seconds); returns the case's new total."""
    whole = int(min(max(seconds, 0), MAX_SECONDS_PER_CALL))
    with db.transaction() as s:
        item = _item(s, item_id)
        if whole:
            item.seconds_spent = (item.seconds_spent or 0) + whole
        return item.seconds_spent or 0


@dataclass(frozen=True)
class Progress:
    total: int
    decided: int
    carried_over: int
    views_in: int  # not decided, with at least one view (or revealed)
    not_started: int
    seconds: int
    tally: tuple[OutcomeCount, ...]

    @property
    def text(self) -> str:
        """'14 of 24 decided'."""
        return f"{self.decided} of {self.total} decided"


def progress(db: Database, meeting_id: int) -> Progress:
    """How far the session has got, and the live tally of the panel's decisions."""
    data = meeting_cases(db, meeting_id)
    states = data.state_counts()
    return Progress(
        total=len(data.rows),
        decided=data.decided_count,
        carried_over=data.carried_over_count,
        views_in=states[CaseState.VIEWS_IN],
        not_started=states[CaseState.NOT_STARTED],
        seconds=sum(r.seconds_spent for r in data.rows),
        tally=tuple(data.counts()),
    )


def format_duration(seconds: int) -> str:
    """'45 s', '12 min', '1 h 05 min'."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
