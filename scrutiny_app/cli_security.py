"""The command line for protecting the data: a database's passphrase, ``encrypt`` and ``rekey``.

A passphrase is read from a file (``--passphrase-file`` or the file ``SCRUTINY_PASSPHRASE_FILE``
names), never from an argument: arguments show in process lists and shell history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from scrutiny_app.errors import UserError

PASSPHRASE_ENV = "SCRUTINY_PASSPHRASE_FILE"


def read_secret(path: str | os.PathLike[str], what: str) -> str:
    """The passphrase held in the file ``path`` (one line; its line ending is not part of it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Cannot read the {what} file {path}: {exc.strerror or exc}") from exc
    passphrase = text.strip("\r\n")
    if not passphrase:
        raise UserError(f"The {what} file {path} is empty.")
    return passphrase


def given_passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase ``--passphrase-file`` or ``$SCRUTINY_PASSPHRASE_FILE`` gives, if any."""
    path = getattr(args, "passphrase_file", None) or os.environ.get(PASSPHRASE_ENV)
    return read_secret(path, "passphrase") if path else None


def passphrase_option(p: argparse.ArgumentParser, whose: str = "the database's") -> None:
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help=f"a file holding {whose} passphrase (default: the file ${PASSPHRASE_ENV} names)",
    )


def warn_plain(path: Path) -> None:
    """The one line a command that created an unencrypted database prints on stderr."""
    print(
        f"scrutiny-app: warning: {path} was created unencrypted (no passphrase given); "
        f"encrypt it with 'scrutiny-app encrypt --db {path}'.",
        file=sys.stderr,
    )


def add_commands(sub: Any) -> None:
    """Register ``encrypt`` and ``rekey`` (they work on the file, before it is opened)."""
    p = sub.add_parser(
        "encrypt",
        help="encrypt a plain database (and the backups beside it) with a passphrase",
        description="Encrypt a plain SQLite database with SQLCipher. An encrypted backup is "
        "written first; the encrypted copy is checked before it replaces the plain file, "
        "whose bytes are then overwritten. Close the app first.",
    )
    p.add_argument("--db", metavar="FILE", default=argparse.SUPPRESS, help="database file")
    passphrase_option(p, "the new")
    p.set_defaults(file_func=cmd_encrypt)

    p = sub.add_parser(
        "rekey",
        help="change an encrypted database's passphrase",
        description="Change the passphrase of an encrypted database and of the encrypted "
        "backups beside it. Close the app first.",
    )
    p.add_argument("--db", metavar="FILE", default=argparse.SUPPRESS, help="database file")
    passphrase_option(p, "the current")
    p.add_argument(
        "--new-passphrase-file", required=True, metavar="FILE", help="a file holding the new one"
    )
    p.set_defaults(file_func=cmd_rekey)


def add_db_commands(add: Any) -> None:
    """Register the commands on an open database (``add`` makes a database command)."""
    p = add("audit", cmd_audit, "show the audit trail in plain words, export it, or verify it")
    p.add_argument("--meeting", type=int, metavar="ID", help="what concerns that meeting only")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from that day on (UK time)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write the events to a CSV file")
    p.add_argument(
        "--verify",
        action="store_true",
        help="check the hash chain: an event changed or removed is named (exit 3)",
    )


def add_retention_command(add: Any) -> None:
    p = add(
        "retention",
        cmd_retention,
        "list the meetings whose case data is past the retention period; --apply removes it",
    )
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="the day to judge by (today)")
    p.add_argument("--meeting", type=int, action="append", metavar="ID", help="only this meeting")
    p.add_argument("--apply", action="store_true", help="remove the case data of those listed")
    p.add_argument(
        "--remove-backups",
        action="store_true",
        help="with --apply: also delete the app's backups beside the file (they hold the data)",
    )
    p.add_argument("--panel", type=int, metavar="ID", help="with --set-months: the panel")
    p.add_argument(
        "--set-months", type=int, metavar="N", help="set a panel's retention period (months)"
    )


def cmd_retention(db: Any, args: argparse.Namespace) -> int:
    from scrutiny_app.services import retention

    if args.set_months is not None:
        if args.panel is None:
            raise UserError("--set-months needs --panel ID.")
        retention.set_retention_months(db, args.panel, args.set_months, actor=args.actor)
        print(f"Panel {args.panel} keeps case data {args.set_months} months after publication.")
        return 0
    as_of = args.as_of or dt.date.today()
    due = retention.due_meetings(db, as_of)
    if args.meeting:
        due = [d for d in due if d.meeting_id in set(args.meeting)]
    if not due:
        print(f"No meeting's case data is past its retention period on {as_of:%d %b %Y}.")
        return 0
    print(f"Past the retention period on {as_of:%d %b %Y}:")
    for d in due:
        print(f"  meeting {d.meeting_id}: {d.line()}")
    if not args.apply:
        print("Nothing was removed: run again with --apply to remove it (the figures are kept).")
        return 0
    result = retention.apply_retention(
        db, as_of, actor=args.actor, meeting_ids=[d.meeting_id for d in due],
        remove_backups=args.remove_backups,
    )  # fmt: skip
    size = (
        f" The file went from {result.bytes_before:,} to {result.bytes_after:,} bytes."
        if result.bytes_before is not None and result.bytes_after is not None
        else ""
    )
    print(
        f"Removed the case data of {len(result.meetings)} meeting(s); kept their figures and "
        f"{result.reports_kept} published report(s).{size}"
    )
    if result.backups and not args.remove_backups:
        print(
            f"{len(result.backups)} backup(s) beside the file still hold the removed data "
            "(--remove-backups deletes them): " + ", ".join(b.name for b in result.backups),
            file=sys.stderr,
        )
    elif result.backups:
        print(f"Deleted {len(result.backups)} backup(s) that held the removed data.")
    return 0


def _date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


EXIT_TAMPERED = 3


def cmd_audit(db: Any, args: argparse.Namespace) -> int:
    from scrutiny_app.services import audit, audit_trail

    if args.verify:
        result = audit_trail.verify(db)
        if result.ok:
            print(
                f"The audit trail is whole: {result.events:,} events, each chained to the one "
                f"before. Its head is {result.head}: keep it elsewhere to prove the trail later."
            )
            return 0
        print(f"The audit trail was tampered with ({len(result.problems)} problem(s)):")
        for problem in result.problems:
            print(f"  {problem}")
        return EXIT_TAMPERED
    rows = audit_trail.audit_rows(db, meeting_id=args.meeting, since=args.since)
    if args.csv is not None:
        audit_trail.write_csv(rows, args.csv)
        sha = audit.record_export(db, args.actor, "audit", args.csv, rows=len(rows))
        print(f"Wrote {len(rows):,} events to {args.csv} (SHA-256 {sha}).")
        return 0
    for row in rows:
        print(row.line())
    if not rows:
        print("No events.")
    return 0


def _sqlite_file(args: argparse.Namespace) -> Path:
    from scrutiny_app.location import resolve_location
    from scrutiny_app.storage.engine import sqlite_path, to_url

    path = sqlite_path(to_url(resolve_location(getattr(args, "db", None))))
    if path is None:
        raise UserError(
            "Only a SQLite database file can be encrypted here (a server keeps its own)."
        )
    if not path.exists():
        raise UserError(f"No database at {path}.")
    return path


def _audit(path: Path, passphrase: str, actor: str, action: str, **details: Any) -> None:
    from scrutiny_app.services.audit import record_database_event
    from scrutiny_app.storage import Database

    with Database.open(path, create=False, passphrase=passphrase) as db:
        record_database_event(db, actor, action, **details)


def _required_passphrase(args: argparse.Namespace, which: str) -> str:
    passphrase = given_passphrase(args)
    if passphrase is None:
        raise UserError(
            f"Give the {which} passphrase in a file: --passphrase-file FILE or ${PASSPHRASE_ENV}."
        )
    return passphrase


def cmd_encrypt(args: argparse.Namespace) -> int:
    from scrutiny_app.storage.encryption import encrypt_file

    path = _sqlite_file(args)
    passphrase = _required_passphrase(args, "new")
    result = encrypt_file(path, passphrase, progress=lambda text: print(text, file=sys.stderr))
    _audit(path, passphrase, args.actor, "encrypt", tables=result.tables, rows=result.rows)
    print(
        f"Encrypted {path} ({result.tables} tables, {result.rows:,} rows; SQLCipher, AES-256). "
        f"The plain file was overwritten. Encrypted backup: {result.backup}."
    )
    for other in result.also_encrypted:
        print(f"Also encrypted the older backup {other}.")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from scrutiny_app.storage.encryption import rekey_file

    path = _sqlite_file(args)
    old = _required_passphrase(args, "current")
    new = read_secret(args.new_passphrase_file, "new passphrase")
    result = rekey_file(path, old, new)
    _audit(path, new, args.actor, "rekey", backups=len(result.also_rekeyed))
    print(f"Changed the passphrase of {path}.")
    for other in result.also_rekeyed:
        print(f"Also changed it on the backup {other}.")
    for other in result.not_rekeyed:
        print(
            f"The current passphrase does not open the backup {other}: it keeps its own.",
            file=sys.stderr,
        )
    return 0
