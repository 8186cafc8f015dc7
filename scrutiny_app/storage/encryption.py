"""Encryption at rest: SQLCipher under the embedded database. No Qt.

A database file is either plain SQLite (its first 16 bytes say "SQLite format 3") or a
SQLCipher file (AES-256 pages with an HMAC each, the key derived from the passphrase with
PBKDF2-HMAC-SHA512, 256,000 iterations, and a random salt in the file's first 16 bytes). The
passphrase is never stored: each connection is keyed with it (``key_connection``) and the
engine keeps it in memory only (see ``engine.make_engine``). Everything the app writes beside
an encrypted database (its WAL, the backups before an upgrade or a passphrase change) is
encrypted with the same passphrase; temporary tables stay in memory.

``encrypt_file`` turns a plain database (and the plain backups beside it) into encrypted ones;
``rekey_file`` changes the passphrase of a database and its backups.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from scrutiny_app.storage.engine import StorageError, restrict

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_PASSPHRASE = 8


class PassphraseRequired(StorageError):
    """The database is encrypted and no passphrase was given."""


class WrongPassphrase(StorageError):
    """The passphrase does not open the database."""


class EncryptionUnavailable(StorageError):
    """SQLCipher (the sqlcipher3 module) is not installed."""


def cipher_module() -> ModuleType:
    """The SQLCipher DB-API module (``sqlcipher3``, from the ``sqlcipher3-wheels`` wheel)."""
    try:
        import sqlcipher3  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EncryptionUnavailable(
            "Encrypted databases need SQLCipher, which is missing from this installation "
            "(pip install sqlcipher3-wheels)."
        ) from exc
    return sqlcipher3  # type: ignore[no-any-return]


def is_encrypted(path: Path) -> bool:
    """True for a file that looks like SQLCipher's: not plain SQLite, a whole number of pages
    long, and not text at its start (its first 16 bytes are a random salt). Only the passphrase
    can tell it from other binary files."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            header = f.read(16)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False
    if not header or header == SQLITE_HEADER or size % 512:
        return False
    return not all(32 <= b < 127 or b in b"\t\r\n" for b in header)


def passphrase_problem(passphrase: str) -> str | None:
    """Why a new passphrase cannot be used, or None."""
    if "\x00" in passphrase:
        return "A passphrase cannot hold a NUL character."
    if len(passphrase) < MIN_PASSPHRASE:
        return f"A passphrase needs at least {MIN_PASSPHRASE} characters."
    return None


def _literal(text: str) -> str:
    """An SQL string literal (PRAGMA key takes no bound parameters)."""
    if "\x00" in text:
        raise StorageError("A passphrase cannot hold a NUL character.")
    return "'" + text.replace("'", "''") + "'"


def key_connection(conn: Any, passphrase: str) -> None:
    """Key a fresh SQLCipher connection; must come before any other statement on it."""
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not stderr's
    conn.execute(f"PRAGMA key = {_literal(passphrase)}")
    conn.execute("PRAGMA temp_store = MEMORY")  # no plain temporary files beside it


def _is_wrong_key(exc: BaseException) -> bool:
    return "file is not a database" in str(exc) or "encrypted" in str(exc)


def wrong_passphrase(path: Path) -> WrongPassphrase:
    return WrongPassphrase(
        f"The passphrase does not open {path}. Nothing was changed: check the passphrase "
        "(capitals, spaces) and try again. If the file is not an encrypted scrutiny database, "
        "choose another file."
    )


def connect(path: Path, passphrase: str | None, *, readonly: bool = False) -> Any:
    """A raw SQLCipher connection to ``path`` (keyed when ``passphrase``), checked: a wrong
    passphrase raises WrongPassphrase before anything is written."""
    module = cipher_module()
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    conn = module.connect(target, uri=readonly, isolation_level=None)
    try:
        if passphrase is not None:
            key_connection(conn, passphrase)
        else:
            conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError as exc:
        conn.close()
        if _is_wrong_key(exc):
            raise wrong_passphrase(path) from exc
        raise
    return conn


@contextmanager
def connection(path: Path, passphrase: str | None, *, readonly: bool = False) -> Iterator[Any]:
    conn = connect(path, passphrase, readonly=readonly)
    try:
        yield conn
    finally:
        conn.close()


def quick_check(conn: Any, seconds: float) -> list[str]:
    """``PRAGMA quick_check`` stopped after ``seconds`` (a check out of time finds nothing)."""
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except Exception as exc:
        if "interrupted" in str(exc):
            return []
        return [str(exc)]
    finally:
        conn.set_progress_handler(None, 0)
    return [r[0] for r in rows if r and r[0] != "ok"]


def export_copy(conn: Any, target: Path, passphrase: str) -> None:
    """Write the whole database behind ``conn`` to a new file ``target``, encrypted with
    ``passphrase`` (SQLCipher's ``sqlcipher_export``: a consistent copy, WAL included)."""
    if target.exists():
        raise StorageError(f"{target} exists already; it was left unchanged.")
    conn.execute(f"ATTACH DATABASE {_literal(str(target))} AS copy KEY {_literal(passphrase)}")
    try:
        conn.execute("SELECT sqlcipher_export('copy')")
    finally:
        conn.execute("DETACH DATABASE copy")
    restrict(target)


def backup_encrypted(path: Path, passphrase: str, target: Path) -> Path:
    """A backup of the encrypted database ``path``, encrypted with the same passphrase."""
    with connection(path, passphrase) as conn:
        export_copy(conn, target, passphrase)
    return target


def _counts(conn: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _take_alone(conn: Any, path: Path) -> None:
    """Make sure no other program has the database open (leaving WAL needs that), and hold it."""
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except Exception as exc:
        mode = str(exc)
    if str(mode).lower() != "delete":
        raise StorageError(
            f"{path} is open in another program (the app, or an import): close it and try "
            "again. Nothing was changed."
        )
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("COMMIT")


def _scrub(path: Path) -> None:
    """Overwrite a file with zeros, then delete it (best effort: an SSD or a copy-on-write
    file system may keep old blocks; see the README's note for a data protection officer)."""
    try:
        size = path.stat().st_size
        with path.open("r+b") as f:
            left = size
            block = b"\x00" * (1 << 20)
            while left > 0:
                n = min(left, len(block))
                f.write(block[:n])
                left -= n
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        pass
    path.unlink(missing_ok=True)


def finish_interrupted(path: Path) -> list[Path]:
    """After an ``encrypt`` that was stopped (power cut, kill): overwrite the plain copy it
    had set aside and remove its half-written encrypted copy. Returns what was removed."""
    removed = []
    for leftover in (path.with_name(path.name + ".plain-old"),
                     path.with_name(path.name + ".encrypting")):  # fmt: skip
        if leftover.exists():
            _scrub(leftover)
            removed.append(leftover)
    return removed


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class EncryptResult:
    path: Path
    backup: Path
    tables: int
    rows: int
    also_encrypted: list[Path] = field(default_factory=list)  # plain backups beside it


def _encrypt_one(path: Path, passphrase: str, *, backup_name: str | None) -> tuple[Path, dict]:
    """Encrypt one plain SQLite file in place; returns (backup or path, row counts)."""
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    with connection(path, None) as conn:
        _take_alone(conn, path)
        before = _counts(conn)  # a write after this makes the check below refuse the copy
        export_copy(conn, tmp, passphrase)
    try:
        with connection(tmp, passphrase) as check:
            problems = quick_check(check, 600.0)
            after = _counts(check)
        if problems or after != before:
            raise StorageError(
                f"The encrypted copy of {path} did not match it ({'; '.join(problems)[:200]}); "
                "the database was left unchanged and unencrypted."
            )
        backup = path
        if backup_name is not None:
            backup = path.with_name(backup_name)
            _copy(tmp, backup)
        old = path.with_name(path.name + ".plain-old")
        old.unlink(missing_ok=True)
        os.link(path, old)  # the plain bytes stay reachable until overwritten below
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    restrict(path)
    _scrub(old)
    for suffix in ("-wal", "-shm", "-journal"):
        _scrub(path.with_name(path.name + suffix))
    return backup, after


def _copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copyfile(src, dst)
    restrict(dst)


def encrypt_file(
    path: Path, passphrase: str, progress: Callable[[str], None] | None = None
) -> EncryptResult:
    """Turn the plain database ``path`` into an encrypted one, after an (encrypted) backup.

    The encrypted copy is checked (integrity, each table's row count) before it replaces the
    plain file, whose bytes are then overwritten. The plain backups the app wrote beside it
    (``NAME.backup-*``) are encrypted the same way. Refused while another program has it open.
    """
    problem = passphrase_problem(passphrase)
    if problem:
        raise StorageError(problem)
    if not path.exists():
        raise StorageError(f"No database at {path}.")
    if is_encrypted(path):
        raise StorageError(
            f"{path} is encrypted already (use 'scrutiny-app rekey' to change its passphrase)."
        )
    backup, counts = _encrypt_one(
        path, passphrase, backup_name=f"{path.name}.backup-before-encrypt-{_stamp()}"
    )
    also = []
    for other in sorted(path.parent.glob(f"{path.name}.backup-*")):
        if other == backup or is_encrypted(other) or other.suffix in (".encrypting",):
            continue
        if other.name.endswith(("-wal", "-shm", "-journal")):
            continue
        if progress is not None:
            progress(f"encrypting the older backup {other.name}")
        _encrypt_one(other, passphrase, backup_name=None)
        also.append(other)
    return EncryptResult(path, backup, len(counts), sum(counts.values()), also)


@dataclass
class RekeyResult:
    path: Path
    also_rekeyed: list[Path] = field(default_factory=list)
    not_rekeyed: list[Path] = field(default_factory=list)  # backups the old passphrase can't open


def _rekey_one(path: Path, old: str, new: str) -> None:
    with connection(path, old) as conn:
        _take_alone(conn, path)
        conn.execute(f"PRAGMA rekey = {_literal(new)}")
    with connection(path, new) as conn:  # proves the new passphrase opens it
        conn.execute("PRAGMA journal_mode = WAL")
    restrict(path)


def rekey_file(path: Path, old: str, new: str) -> RekeyResult:
    """Change the passphrase of the encrypted database ``path`` (one transaction: SQLCipher
    rewrites every page), and of the encrypted backups beside it that the old one opens."""
    problem = passphrase_problem(new)
    if problem:
        raise StorageError(problem)
    if not is_encrypted(path):
        raise StorageError(f"{path} is not encrypted: use 'scrutiny-app encrypt' first.")
    _rekey_one(path, old, new)
    result = RekeyResult(path)
    for other in sorted(path.parent.glob(f"{path.name}.backup-*")):
        if not is_encrypted(other):
            continue
        try:
            _rekey_one(other, old, new)
        except StorageError:
            result.not_rekeyed.append(other)
        else:
            result.also_rekeyed.append(other)
    return result
