"""Remembering a database's passphrase (or a server login's password) in the operating
system's keyring (optional). No Qt.

Windows Credential Manager, the macOS Keychain or the Secret Service on Linux, through the
``keyring`` package. Where there is none (a bare Linux, a locked-down laptop) nothing is
remembered and the app asks each time.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from pathlib import Path

log = logging.getLogger(__name__)
SERVICE = "scrutiny-app database"


def _keyring():  # type: ignore[no-untyped-def]
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - a broken install
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def available() -> bool:
    return _keyring() is not None


def _name(where: Path | str) -> str:
    """A file by its full path; a server by its URL without the password."""
    if isinstance(where, str) and "://" in where:
        return where
    return str(Path(where).resolve())


def remembered(path: Path | str) -> str | None:
    kr = _keyring()
    if kr is None:
        return None
    try:
        value = kr.get_password(SERVICE, _name(path))
    except Exception as exc:
        log.warning("keyring read failed: %s", exc)
        return None
    return str(value) if value else None


def remember(path: Path | str, passphrase: str) -> bool:
    kr = _keyring()
    if kr is None:
        return False
    try:
        kr.set_password(SERVICE, _name(path), passphrase)
    except Exception as exc:
        log.warning("keyring write failed: %s", exc)
        return False
    return True


def forget(path: Path | str) -> None:
    kr = _keyring()
    if kr is None:
        return
    with suppress(Exception):  # nothing was remembered
        kr.delete_password(SERVICE, _name(path))
