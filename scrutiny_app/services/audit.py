"""Append-only audit trail: who did what to which row, each event chained to the one before.

Every write of the services records an event here in the same transaction (``record``), with
the hash of the previous event and its own (``storage.audit_chain``); the chain's head is kept
in the settings. Nothing here updates or deletes an event, and a flush that tries is refused
(``_refuse_changes``) before the database's own triggers would.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid as uuidlib
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scrutiny_app.services.files import sha256_of
from scrutiny_app.storage.audit_chain import (
    GENESIS,
    HEAD_SETTING,
    event_hash,
    head_value,
    parse_head,
)
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import AuditEvent, Setting

_HEAD = "scrutiny_audit_head"  # session.info: the chain's head as this transaction left it


class AuditTrailIsAppendOnly(Exception):
    """A service tried to change or remove an audit event."""


def record(session: Session, actor: str, action: str, row: Any, **details: Any) -> AuditEvent:
    """Add an audit event for ``row`` (a model instance) in the caller's transaction."""
    return _append(
        session,
        actor,
        action,
        getattr(row, "__tablename__", type(row).__name__),
        getattr(row, "uuid", None),
        details,
    )


def record_database_event(db: Database, actor: str, action: str, **details: Any) -> None:
    """An event about the database itself (encrypted, passphrase changed, retention applied)."""
    with db.transaction() as s:
        _append(s, actor, action, "database", None, details)


def record_event(
    session: Session, actor: str, action: str, entity: str, entity_uuid: str | None = None,
    **details: Any,
) -> AuditEvent:  # fmt: skip
    """An event about something that is not a row (an export, a refused file)."""
    return _append(session, actor, action, entity, entity_uuid, details)


def record_export(
    db: Database,
    actor: str,
    kind: str,
    path: Path,
    *,
    meeting_id: int | None = None,
    **details: Any,
) -> str:
    """An export written (``kind``: report, tracker, audit, pack): its file name, its version
    and its SHA-256, so a copy found later can be matched to who wrote it and when. Returns
    the SHA-256."""
    from scrutiny_app.storage.models import Meeting

    sha = sha256_of(path)
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id) if meeting_id is not None else None
        _append(
            s,
            actor,
            kind,
            "export",
            meeting.uuid if meeting is not None else None,
            {"file": Path(path).name, "bytes": Path(path).stat().st_size, "sha256": sha,
             **({"meeting": meeting.uuid} if meeting is not None else {}), **details},
        )  # fmt: skip
    return sha


def record_refusal(
    db: Database, actor: str, entity: str, action: str, path: Path, problem: str, **details: Any
) -> None:
    """A file the app refused (an extract, a returned tracker): which, and why. Never raises:
    the refusal itself is what the user must hear about."""
    try:
        sha = sha256_of(path) if Path(path).is_file() else ""
        with db.transaction() as s:
            _append(
                s, actor, action, entity, None,
                {"file": Path(path).name, "sha256": sha, "problem": problem[:300], **details},
            )  # fmt: skip
    except Exception as exc:  # a database that cannot be written: the refusal still stands
        logging.getLogger(__name__).warning("could not audit a refused file: %s", exc)


def _append(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_uuid: str | None,
    details: dict[str, Any],
) -> AuditEvent:
    count, prev = _head(session)
    event = AuditEvent(
        uuid=str(uuidlib.uuid4()),
        at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        actor=actor or "",
        action=action,
        entity=entity,
        entity_uuid=entity_uuid,
        details={k: _jsonable(v) for k, v in details.items()},
        prev_hash=prev,
    )
    event.hash = event_hash(
        prev, event.uuid, event.at, event.actor, action, entity, entity_uuid, event.details
    )
    session.add(event)
    session.info[_HEAD] = (count + 1, event.hash)
    setting = session.get(Setting, HEAD_SETTING)
    if setting is None:
        session.add(Setting(key=HEAD_SETTING, value=head_value(count + 1, event.hash)))
    else:
        setting.value = head_value(count + 1, event.hash)
    return event


def _head(session: Session) -> tuple[int, str]:
    cached = session.info.get(_HEAD)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    query = select(Setting).where(Setting.key == HEAD_SETTING)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # concurrent writers take turns at the head
    setting = session.scalars(query).first()
    if setting is not None:
        return parse_head(setting.value)
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return count, GENESIS if count == 0 else _last_hash(session)


def _last_hash(session: Session) -> str:
    return (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    )


@sa_event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly(
                "The audit trail is append-only: an event cannot be changed or removed."
            )


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, _transaction: Any) -> None:
    # Committed or rolled back (a savepoint too): the settings row says where the head is.
    session.info.pop(_HEAD, None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
