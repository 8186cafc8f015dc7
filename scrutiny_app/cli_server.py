"""The command line for a shared server: ``copy`` a database between a laptop's SQLite file
and a PostgreSQL server (either way)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrutiny_app.cli_security import read_secret
from scrutiny_app.errors import UserError


def add_commands(sub: Any) -> None:
    p = sub.add_parser(
        "copy",
        help="copy a whole database to another place: a SQLite file to a server, or back",
        description="Copy every table, with its ids and uuids, from one database into a new, "
        "empty one: a laptop's SQLite file to a PostgreSQL server (postgresql+psycopg://...) or "
        "a server's database to a new file. The source is only read. The target is checked "
        "to be empty first and written in one transaction; its audit trail records the copy.",
    )
    p.add_argument("--from", dest="source", required=True, metavar="FILE|URL")
    p.add_argument("--to", dest="target", required=True, metavar="FILE|URL")
    p.add_argument(
        "--from-passphrase-file", metavar="FILE", help="the source file's passphrase (encrypted)"
    )
    p.add_argument(
        "--to-passphrase-file",
        metavar="FILE",
        help="a new target file is encrypted with the passphrase this file holds",
    )
    p.set_defaults(file_func=cmd_copy)


def cmd_copy(args: argparse.Namespace) -> int:
    from scrutiny_app.services.audit import record_database_event
    from scrutiny_app.storage import Database
    from scrutiny_app.storage.transfer import copy_database

    def secret(path: str | None) -> str | None:
        return read_secret(path, "passphrase") if path else None

    if args.source == args.target:
        raise UserError("--from and --to name the same database.")
    with (
        Database.open(
            args.source, create=False, passphrase=secret(args.from_passphrase_file)
        ) as source,
        Database.open(args.target, passphrase=secret(args.to_passphrase_file)) as target,
    ):
        result = copy_database(source, target, progress=lambda text: print(text, file=sys.stderr))
        record_database_event(
            target, args.actor, "copy", source=source.display_name, rows=result.total
        )
        print(
            f"Copied {result.total:,} rows in {sum(1 for n in result.rows.values() if n)} "
            f"tables from {source.display_name} to {target.display_name}."
        )
    return 0
