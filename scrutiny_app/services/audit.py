"""Append-only audit trail: who did what to which row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from scrutiny_app.storage.models import AuditEvent


def record(session: Session, actor: str, action: str, row: Any, **details: Any) -> AuditEvent:
    """Add an audit event for ``row`` (a model instance) in the caller's transaction."""
    event = AuditEvent(
        actor=actor or "",
        action=action,
        entity=getattr(row, "__tablename__", type(row).__name__),
        entity_uuid=getattr(row, "uuid", None),
        details={k: _jsonable(v) for k, v in details.items()},
    )
    session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
