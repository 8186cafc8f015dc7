"""The controlled vocabularies real panels use (see docs/DOMAIN.md).

Values are stored in the database as these strings, so never rename a value: add a new one
and a migration instead.
"""

from __future__ import annotations

from enum import StrEnum


class AccessMode(StrEnum):
    PSEUDONYMISED = "pseudonymised"
    FULL = "full"


class MemberRole(StrEnum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    OFFICER = "officer"  # OPCC scrutiny officer
    FORCE_LIAISON = "force_liaison"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return {
            "chair": "Chair",
            "vice_chair": "Vice chair",
            "member": "Panel member",
            "officer": "OPCC scrutiny officer",
            "force_liaison": "Force liaison",
            "observer": "Observer",
        }[self.value]


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    IN_SESSION = "in_session"
    HELD = "held"
    REPORTED = "reported"


class Consensus(StrEnum):
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"  # more than half the members' views were the decided outcome
    SPLIT = "split"  # no majority for it (a 1-1 split, say): decided all the same
    NONE = "none"


class Selection(StrEnum):
    """Why a case is in a meeting's sample."""

    RANDOM = "random"
    PURPOSIVE = "purposive"
    CARRIED_OVER = "carried_over"


class SampleMethod(StrEnum):
    SIMPLE_RANDOM = "simple_random"
    STRATIFIED = "stratified"
    ALL = "all"


class RecommendationStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    RESPONSE_RECEIVED = "response_received"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    NOT_ACCEPTED = "not_accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return RECOMMENDATION_STATUS_LABELS[self]


RECOMMENDATION_STATUS_LABELS: dict[RecommendationStatus, str] = {
    RecommendationStatus.DRAFT: "Draft",
    RecommendationStatus.ISSUED: "Issued (awaiting response)",
    RecommendationStatus.RESPONSE_RECEIVED: "Response received",
    RecommendationStatus.IN_PROGRESS: "Accepted, in progress",
    RecommendationStatus.COMPLETED: "Completed",
    RecommendationStatus.CLOSED: "Closed (verified by the panel)",
    RecommendationStatus.NOT_ACCEPTED: "Not accepted",
    RecommendationStatus.PARTIALLY_ACCEPTED: "Partially accepted",
    RecommendationStatus.SUPERSEDED: "Superseded",
}

_S = RecommendationStatus
# The main line is draft -> issued -> response received -> in progress -> completed -> closed;
# not accepted, partially accepted and superseded are side exits.
ALLOWED_TRANSITIONS: dict[RecommendationStatus, frozenset[RecommendationStatus]] = {
    _S.DRAFT: frozenset({_S.ISSUED, _S.SUPERSEDED}),
    _S.ISSUED: frozenset({_S.RESPONSE_RECEIVED, _S.SUPERSEDED}),
    _S.RESPONSE_RECEIVED: frozenset(
        {_S.IN_PROGRESS, _S.NOT_ACCEPTED, _S.PARTIALLY_ACCEPTED, _S.SUPERSEDED}
    ),
    _S.PARTIALLY_ACCEPTED: frozenset({_S.IN_PROGRESS, _S.SUPERSEDED}),
    _S.IN_PROGRESS: frozenset({_S.COMPLETED, _S.SUPERSEDED}),
    _S.COMPLETED: frozenset({_S.CLOSED, _S.IN_PROGRESS}),
    _S.NOT_ACCEPTED: frozenset({_S.SUPERSEDED, _S.CLOSED}),
    _S.CLOSED: frozenset(),
    _S.SUPERSEDED: frozenset(),
}
# Statuses for which the force has not yet answered: a past due date makes these overdue.
AWAITING_RESPONSE = frozenset({_S.ISSUED})
# The statuses the force may set (on the returned tracker); only the panel drafts, issues,
# closes or supersedes a recommendation.
FORCE_STATUSES = frozenset(RecommendationStatus) - {_S.DRAFT, _S.ISSUED, _S.CLOSED, _S.SUPERSEDED}


def force_choices(current: RecommendationStatus | str) -> tuple[RecommendationStatus, ...]:
    """What the force may put in the Status cell of a recommendation now at ``current``: the
    current status itself, then the allowed moves that are the force's to make."""
    now = RecommendationStatus(current)
    nxt = ALLOWED_TRANSITIONS[now] & FORCE_STATUSES
    return (now, *(x for x in RecommendationStatus if x in nxt))


class Decision(StrEnum):
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    NOT_ACCEPTED = "not_accepted"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Classification(StrEnum):
    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
