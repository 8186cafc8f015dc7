"""The command line for a shared server: ``server init`` and ``server add-user`` (logins:
services.logins), and ``copy`` a database between a laptop's SQLite file and a PostgreSQL
server (either way).

A new login's password is read from a file (``--password-file``) or asked at the terminal,
never taken as an argument (arguments show in process lists and shell history). Connecting
to the server takes the password libpq finds: the URL, ``PGPASSWORD`` or the password file
``PGPASSFILE`` names.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrutiny_app.cli_security import read_secret
from scrutiny_app.errors import UserError


def add_db_commands(add: Any) -> None:
    p = add("members", cmd_members, "list the panels' members with their ids (and logins)")
    p.add_argument("--panel", type=int, metavar="ID", help="one panel's members only")
    p = add(
        "server",
        cmd_server,
        "set up a shared PostgreSQL server: 'server init' (the first officer), 'server add-user'",
    )
    actions = p.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the schema, the officer and member groups with their permissions, and "
        "the first officer's login (run as the database's owner)",
    )
    add_user = actions.add_parser(
        "add-user", help="create a login for a member or an officer (run as an officer)"
    )
    for q in (init, add_user):
        q.add_argument("--login", required=True, help="the login name, e.g. alice_moss")
        q.add_argument("--name", required=True, help="the person's name, as the audit shows it")
        q.add_argument("--password-file", metavar="FILE", help="a file holding their password")
    add_user.add_argument("--role", choices=["member", "officer"], default="member")
    add_user.add_argument(
        "--member", type=int, metavar="ID", help="a member's panel membership id ('members')"
    )


def cmd_members(db: Any, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from scrutiny_app.services import panels
    from scrutiny_app.storage.models import Login

    with db.session() as s:
        logins = {row.member_id: row.login for row in s.scalars(select(Login)) if row.member_id}
    names = {p.id: p.name for p in panels.list_panels(db)}
    for m in panels.member_details(db, args.panel):
        login = f"  login {logins[m.id]}" if m.id in logins else ""
        retired = "" if m.active else "  (retired)"
        print(f"{m.id:>5}  {m.name}  ({m.role}, {names.get(m.panel_id, '')}){login}{retired}")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    if args.password_file:
        return read_secret(args.password_file, "password")
    if not sys.stdin.isatty():
        raise UserError("Give the new login's password in a file: --password-file FILE.")
    import getpass

    first = getpass.getpass(f"Password for {args.login}: ")
    if getpass.getpass("The same again: ") != first:
        raise UserError("The two passwords differ: nothing was created.")
    return first


def cmd_server(db: Any, args: argparse.Namespace) -> int:
    from scrutiny_app.services import logins

    password = _new_password(args)
    if args.server_command == "init":
        logins.init_server(db, args.login, args.name, password, actor=args.actor)
        print(
            f"{db.display_name} is ready: officers and members log in as themselves. "
            f"{args.login} ({args.name}) is its first officer and can add the others with "
            "'scrutiny-app server add-user'."
        )
        return 0
    logins.add_user(
        db, args.login, args.name, args.role, password, member_id=args.member, actor=args.actor
    )
    print(f"Created the login {args.login} for {args.name} ({args.role}).")
    return 0


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
