"""The audit trail's hash chain, format 1. No Qt.

Each audit event carries the SHA-256 of the event before it and its own hash over that and
its content, so an event altered or removed breaks the chain from there on; the settings row
``audit_head`` ("COUNT:HASH") names the last one, so removing the newest events shows too.
This is tamper-evidence, not tamper-proofing: whoever can write the file can also rewrite
the whole chain, so an officer who wants to prove the trail later keeps the head that
``scrutiny-app audit --verify`` prints somewhere else (the published report's file, an e-mail).

Frozen: migration 0011 seals the events written before it with this very function. A change
of the canonical form is a new format with a new migration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64
HEAD_SETTING = "audit_head"


def _when(at: dt.datetime | str) -> str:
    if isinstance(at, str):  # a raw SQLite value, read without the column's type
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def event_hash(
    prev: str,
    uuid: str,
    at: dt.datetime | str,
    actor: str,
    action: str,
    entity: str,
    entity_uuid: str | None,
    details: dict[str, Any] | str | None,
) -> str:
    """The hash of one event given the previous one's (GENESIS for the first)."""
    if isinstance(details, str):
        details = json.loads(details or "{}")
    body = [1, prev, uuid, _when(at), actor or "", action, entity, entity_uuid or "", details or {}]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def head_value(count: int, last_hash: str) -> str:
    return f"{count}:{last_hash}"


def parse_head(value: str | None) -> tuple[int, str]:
    if not value or ":" not in value:
        return 0, GENESIS
    count, _, last = value.partition(":")
    return int(count), last
