"""Keyed pseudonyms: the same force reference always maps to the same pseudonym in a database.

The key is a random secret kept in the database's settings, so a pseudonym cannot be reversed
without the database, and a re-import of the same extract matches the cases already held.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from scrutiny_app.storage.database import Database

SETTING_KEY = "pseudonym_key"


def database_key(db: Database) -> bytes:
    """The database's pseudonymisation key, created on first use."""
    value = db.get_setting(SETTING_KEY)
    if value is None:
        db.set_setting(SETTING_KEY, secrets.token_hex(32))
        value = db.get_setting(SETTING_KEY)
    assert value is not None
    return bytes.fromhex(value)


def pseudonym(key: bytes, prefix: str, value: str, length: int = 8) -> str:
    """``PREFIX-XXXXXXXX``: a base32 HMAC-SHA256 of the value (case- and space-insensitive)."""
    digest = hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode("ascii")[:length]
    return f"{prefix}-{code}"
