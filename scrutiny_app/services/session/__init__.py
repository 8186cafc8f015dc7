"""The panel session: members' own views, the reveal, the panel decision, and who is acting.

A panel day (docs/DOMAIN.md): each member present forms a view of a case on their own; the chair or
the scrutiny officer reveals the views; the panel discusses and records its decision, with its
consensus and the dissenting views kept. "No consensus, more information needed" carries the
case to the next meeting's sample.

Rules kept here, not in the GUI:

- a member records a view only if marked present, attending in a judging role (chair, vice
  chair, member) and without a declared interest in the case; declaring an interest withdraws
  a view already recorded;
- other members' views are not returned until the case's views are revealed
  (:func:`case_views`); once revealed (or decided) a view is fixed, so the agreement figures
  measure views formed independently;
- the panel decision's consensus is suggested from the views (unanimous when every view is the
  decision's outcome, majority otherwise), the views that differ are written into its dissent
  (without names: the published report does not name members), and the carry-over outcome
  means consensus "none";
- every edit is one transaction with an audit event naming who acted, and returns a
  :class:`~scrutiny_app.services.history.Change` for undo and redo.

Every function opens its own transaction, so an edit is on disk when the call returns.

The modules follow a panel day: ``common`` (the template, who is acting, lookups), ``views``,
``reveal``, ``declarations``, ``decision``, ``progress``; this package is their one interface.
"""

from scrutiny_app.services.session.common import (
    DECISION_TEXTS,
    MAX_SECONDS_PER_CALL,
    UNSET,
    FieldInfo,
    QuestionInfo,
    ReviewTemplate,
    SessionUser,
    review_template,
    session_users,
    start_session,
)
from scrutiny_app.services.session.decision import (
    dissent_text,
    majority_answers,
    members_split,
    save_decision,
    suggest_consensus,
    withdraw_decision,
)
from scrutiny_app.services.session.declarations import declare_interest, withdraw_interest
from scrutiny_app.services.session.progress import Progress, add_time, format_duration, progress
from scrutiny_app.services.session.reveal import reveal_all, reveal_views
from scrutiny_app.services.session.views import (
    CaseViews,
    ViewInfo,
    case_views,
    cases_done_by,
    record_view,
)

__all__ = [
    "DECISION_TEXTS",
    "MAX_SECONDS_PER_CALL",
    "UNSET",
    "CaseViews",
    "FieldInfo",
    "Progress",
    "QuestionInfo",
    "ReviewTemplate",
    "SessionUser",
    "ViewInfo",
    "add_time",
    "case_views",
    "cases_done_by",
    "declare_interest",
    "dissent_text",
    "format_duration",
    "majority_answers",
    "members_split",
    "progress",
    "record_view",
    "reveal_all",
    "reveal_views",
    "review_template",
    "save_decision",
    "session_users",
    "start_session",
    "suggest_consensus",
    "withdraw_decision",
    "withdraw_interest",
]
