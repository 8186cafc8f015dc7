"""The panel decision: one function records it, whoever calls it (GUI, CLI, demo)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services.history import Change
from scrutiny_app.services.session.common import (
    DECISION_TEXTS,
    UNSET,
    _check_answers,
    _check_outcome,
    _item,
    _merge_answers,
    _ref,
    _scheme,
)
from scrutiny_app.services.session.reveal import _reveal
from scrutiny_app.services.session.views import _which_field
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    MeetingCase,
    OutcomeCode,
    PanelJudgement,
)

# =========================================================================== the decision


def suggest_consensus(
    view_outcomes: list[str], outcome_code: str, *, carry_over: bool
) -> Consensus:
    """Unanimous when every member's view is the decision's outcome; majority when more than
    half of them are; split otherwise (a 1-1 split is not a majority).

    The carry-over outcome ("no consensus, more information needed") is never agreed.
    """
    if carry_over:
        return Consensus.NONE
    agreeing = sum(1 for v in view_outcomes if v == outcome_code)
    if agreeing == len(view_outcomes):
        return Consensus.UNANIMOUS
    if 2 * agreeing > len(view_outcomes):
        return Consensus.MAJORITY
    return Consensus.SPLIT


def dissent_text(
    views: list[tuple[str, str]], outcome_code: str, scheme: Mapping[str, OutcomeCode]
) -> str:
    """The views that differ from the decision, without names: one line each.

    ``views`` are (outcome code, note) pairs. For the carry-over outcome every view is a line
    (the panel did not agree, so each view stands on its own).
    """
    carry = scheme[outcome_code].is_carry_over if outcome_code in scheme else False
    order = {code: o.position for code, o in scheme.items()}
    lines = []
    for code, note in sorted(views, key=lambda v: (order.get(v[0], 99), v[1])):
        if code == outcome_code and not carry:
            continue
        label = scheme[code].label if code in scheme else code
        note = " ".join(note.split())
        lines.append(f"One member's view: {label}" + (f" \u2014 {note}" if note else "."))
    return "\n".join(lines)


def majority_answers(answers: list[Mapping[str, Any]]) -> dict[str, str]:
    """Per question, the answer more than half of the members who answered it gave."""
    out = {}
    keys = {k for a in answers for k in a}
    for key in sorted(keys):
        given = [a[key] for a in answers if a.get(key)]
        if given:
            value, n = Counter(given).most_common(1)[0]
            if n * 2 > len(given):
                out[key] = value
    return out


def members_split(answers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Per question the members answered differently: how they split ("Members split: 2 yes,
    1 no"). Where they agreed the panel's answer was pre-filled from theirs; this marks the
    rest, for the panel to settle."""
    counts: dict[str, Counter[str]] = {}
    for given in answers:
        for key, answer in given.items():
            if answer:
                counts.setdefault(key, Counter())[str(answer)] += 1
    return {
        key: "Members split: " + ", ".join(f"{n} {answer}" for answer, n in c.most_common())
        for key, c in counts.items()
        if len(c) > 1
    }


def _decision_snapshot(j: PanelJudgement | None) -> dict[str, Any] | None:
    if j is None:
        return None
    snap: dict[str, Any] = {
        "outcome_code": j.outcome_code,
        "consensus": j.consensus,
        "answers": dict(j.answers or {}),
        "internal": bool(j.internal),
    }
    for name in DECISION_TEXTS:
        snap[name] = getattr(j, name) or ""
    return snap


def _write_decision(
    s: Session,
    item: MeetingCase,
    snapshot: dict[str, Any] | None,
    actor: str,
    *,
    undo: bool = False,
) -> None:
    j = item.judgement
    details: dict[str, Any] = {"case": item.case.uuid}
    if undo:
        details["undo_redo"] = True
    if snapshot is None:
        if j is not None:
            audit.record(s, actor, "delete", j, **details)
            item.judgement = None
            s.delete(j)
            s.flush()
        return
    action = "update" if j is not None else "create"
    scheme = _scheme(item)
    if j is None:
        j = PanelJudgement(meeting_case_id=item.id, outcome_code=snapshot["outcome_code"])
        s.add(j)
        item.judgement = j
    j.outcome_code = snapshot["outcome_code"]
    j.consensus = snapshot["consensus"]
    j.carried_over = scheme[j.outcome_code].is_carry_over
    j.answers = dict(snapshot["answers"])
    j.internal = bool(snapshot["internal"])
    for name in DECISION_TEXTS:
        setattr(j, name, snapshot[name])
    j.recorded_by = actor
    s.flush()
    if item.assessments and item.views_revealed_at is None:
        _reveal(s, item, actor)  # a decision shows the views it was made over
    audit.record(
        s,
        actor,
        action,
        j,
        outcome=j.outcome_code,
        consensus=j.consensus,
        carried_over=j.carried_over,
        **details,
    )


def save_decision(
    db: Database,
    item_id: int,
    *,
    outcome_code: str = UNSET,
    consensus: str = UNSET,
    answers: Mapping[str, str | None] | None = None,
    internal: bool = UNSET,
    actor: str = "",
    **texts: str,
) -> Change | None:
    """Save (part of) the panel's decision on a case; returns the change, None if unchanged.

    The first save needs the outcome. Choosing an outcome suggests the consensus (unless it is
    given) and writes the differing views into the dissent (unless the dissent was typed), and
    on the first save pre-fills the answers most members gave. The carry-over outcome means
    consensus "none" and carries the case over; "none" with any other outcome is refused.
    ``texts`` may hold any of DECISION_TEXTS; ``answers`` maps question keys to an answer or
    None (removed).
    """
    unknown = set(texts) - set(DECISION_TEXTS)
    if unknown:
        raise TypeError(f"unknown decision fields: {sorted(unknown)}")
    with db.transaction() as s:
        item = _item(s, item_id)
        scheme = _scheme(item)
        before = _decision_snapshot(item.judgement)
        if before is None and (outcome_code is UNSET or outcome_code is None):
            raise UserError(
                f"Choose the panel's outcome for {_ref(item)} first "
                f"({', '.join(o.label for o in scheme.values())})."
            )
        new: dict[str, Any] = dict(
            before
            or {
                "outcome_code": None,
                "consensus": Consensus.UNANIMOUS.value,
                "answers": {},
                "internal": False,
                **dict.fromkeys(DECISION_TEXTS, ""),
            }
        )
        views = [(a.outcome_code, a.note or "") for a in item.assessments if a.outcome_code]
        if outcome_code is not UNSET and outcome_code != new["outcome_code"]:
            chosen = _check_outcome(item, outcome_code)
            old_auto = (
                dissent_text(views, new["outcome_code"], scheme) if new["outcome_code"] else ""
            )
            new["outcome_code"] = outcome_code
            if consensus is UNSET:
                new["consensus"] = suggest_consensus(
                    [v for v, _ in views], outcome_code, carry_over=chosen.is_carry_over
                ).value
            if "dissent" not in texts and new["dissent"] in ("", old_auto):
                new["dissent"] = dissent_text(views, outcome_code, scheme)
            if before is None and answers is None:
                new["answers"] = majority_answers([a.answers or {} for a in item.assessments])
        if consensus is not UNSET:
            new["consensus"] = Consensus(consensus).value
        carry = scheme[new["outcome_code"]]
        if carry.is_carry_over:
            new["consensus"] = Consensus.NONE.value
        elif new["consensus"] == Consensus.NONE:
            label = next((o.label for o in scheme.values() if o.is_carry_over), "no consensus")
            raise UserError(
                f"\u201cNo consensus\u201d is recorded with the outcome \u201c{label}\u201d, "
                "which carries the case over to the next meeting."
            )
        for name, value in texts.items():
            new[name] = value
        if answers:
            _check_answers(item, answers)
            new["answers"] = _merge_answers(new["answers"], answers)
        if internal is not UNSET:
            new["internal"] = bool(internal)
        if new == before:
            return None
        _write_decision(s, item, new, actor)
        return Change(
            kind="decision",
            item_id=item.id,
            label=f"the panel decision on {_ref(item)}",
            before=before,
            after=new,
            restore=partial(_restore_decision, item.id),
            field=_which_field(before, new, DECISION_TEXTS),
        )


def withdraw_decision(db: Database, item_id: int, *, actor: str = "") -> Change | None:
    """Remove the panel decision on a case (recorded in error); None if there was none."""
    with db.transaction() as s:
        item = _item(s, item_id)
        before = _decision_snapshot(item.judgement)
        if before is None:
            return None
        _write_decision(s, item, None, actor)
        return Change(
            kind="decision",
            item_id=item.id,
            label=f"withdrawing the panel decision on {_ref(item)}",
            before=before,
            after=None,
            restore=partial(_restore_decision, item.id),
        )


def _restore_decision(item_id: int, db: Database, snapshot: Any, actor: str) -> None:
    with db.transaction() as s:
        _write_decision(s, _item(s, item_id), snapshot, actor, undo=True)
