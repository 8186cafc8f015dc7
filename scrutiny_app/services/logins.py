"""People logging in to a shared PostgreSQL server as themselves. No Qt.

Each person is a PostgreSQL login role (``server add-user``), a member of the group role
``scrutiny_officer`` or ``scrutiny_member``, with a row in ``logins`` saying who they are.
Why roles and not an app password table: the server then checks the password (a salted
SCRAM-SHA-256 verifier it keeps, never the password) and enforces what each person may do
(grants, and row-level security on members' views), so a member with the connection details
in hand still cannot read another member's hidden view or write the cases; an app-side login
would share one all-powerful database password with every laptop. Removing a person is one
``NOLOGIN``.

The services ask ``acting(db)`` who is at the keyboard: on a server it is the login, not a
choice in the window; on a SQLite file it is None (the laptop's user is the officer).
``require_officer`` refuses officer-only work (imports, reports, the tracker, set-up) to a
member, in the services; the grants refuse it again in the database.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Login, Member

OFFICER, MEMBER = "officer", "member"
ROLES = (OFFICER, MEMBER)
GROUP = {OFFICER: "scrutiny_officer", MEMBER: "scrutiny_member"}
LOGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

# What a member may write: their own views and drafts, the audit events their changes make,
# and the settings the app keeps per user (the audit trail's head, where they were).
MEMBER_WRITES = {
    "member_assessments": "INSERT, UPDATE, DELETE",
    "text_drafts": "INSERT, UPDATE, DELETE",
    "audit_events": "INSERT",
    "settings": "INSERT, UPDATE",
}
# What a member may not even read: pack secrets, and the force's raw import records.
MEMBER_HIDDEN = ("member_packs", "pack_returns", "column_mappings")
MEMBER_SETTINGS = "key IN ('audit_head', 'last_opened_by_version') OR key LIKE 'place:%'"


_ACTING: weakref.WeakKeyDictionary[Database, Acting | None] = weakref.WeakKeyDictionary()


class NotAllowed(UserError):
    """The person logged in may not do this (the message says who they are and why)."""


@dataclass(frozen=True)
class Acting:
    login: str
    name: str
    role: str
    member_id: int | None

    @property
    def is_officer(self) -> bool:
        return self.role == OFFICER


def acting(db: Database) -> Acting | None:
    """Who is logged in to this server database (None on a SQLite file, or for the server's
    own administrator, who has no ``logins`` row and may do everything)."""
    if not db.on_server:
        return None
    if db in _ACTING:
        return _ACTING[db]
    with db.session() as s:
        row = s.scalar(select(Login).where(Login.login == text("current_user")))
        found = (
            Acting(row.login, row.name, row.role, row.member_id)
            if row is not None and row.active
            else None
        )
    _ACTING[db] = found
    return found


def actor_name(db: Database, fallback: str) -> str:
    """The name the audit trail records: the login's person on a server, else ``fallback``."""
    who = acting(db)
    return who.name if who is not None else fallback


def require_officer(db: Database, doing: str) -> None:
    """Refuse ``doing`` ("import cases") to a member logged in to a server."""
    who = acting(db)
    if who is not None and not who.is_officer:
        raise NotAllowed(
            f"Only an officer can {doing}: you are logged in as {who.login} ({who.name}, a "
            "panel member)."
        )


def require_own_view(db: Database, member_id: int) -> None:
    """A member logged in to a server records their own view only."""
    who = acting(db)
    if who is not None and not who.is_officer and who.member_id != member_id:
        raise NotAllowed(
            f"You are logged in as {who.login} ({who.name}): you can record your own view only."
        )


# --------------------------------------------------------------------------- set-up


def _server(db: Database) -> None:
    if not db.on_server:
        raise UserError(
            "Logins are for a shared PostgreSQL server (--db postgresql+psycopg://...); a "
            "SQLite file on a laptop is protected by its passphrase instead."
        )


def init_server(db: Database, login: str, name: str, password: str, actor: str = "") -> None:
    """Make the database ready for people to log in (group roles, grants, row-level security)
    and create the first officer's login. ``db`` is opened by the server's administrator
    (the database's owner), so its schema is already at the app's head."""
    _server(db)
    with db.engine.begin() as conn:
        _groups_and_grants(conn)
        _row_security(conn)
        _add_login_function(conn)
    add_user(db, login, name, OFFICER, password, actor=actor or "server init")


def _groups_and_grants(conn: Connection) -> None:
    for group in GROUP.values():
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') "
                f"THEN CREATE ROLE {group} NOLOGIN; END IF; END $$"
            )
        )
    officer, member = GROUP[OFFICER], GROUP[MEMBER]
    database = conn.scalar(text("SELECT current_database()"))
    statements = [
        f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC',
        # Nobody but the owner creates objects here (PostgreSQL 14 let everyone): a member's
        # own operator or function could otherwise run with an officer's rights.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f'GRANT CONNECT ON DATABASE "{database}" TO {officer}, {member}',
        f"GRANT USAGE ON SCHEMA public TO {officer}, {member}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {officer}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {officer}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {member}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {member}",
        # Tables a later upgrade adds: the officer's at once, the member's read-only.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE "
        f"ON TABLES TO {officer}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES "
        f"TO {officer}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {member}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {member}",
    ]
    statements += [f"REVOKE ALL ON {t} FROM {member}" for t in MEMBER_HIDDEN]
    statements += [f"GRANT {what} ON {t} TO {member}" for t, what in MEMBER_WRITES.items()]
    for statement in statements:
        conn.execute(text(statement))


def _row_security(conn: Connection) -> None:
    """Members see their own views (others' once revealed), their own drafts, their own audit
    events and only the settings they may write; officers see everything."""
    officer, member = GROUP[OFFICER], GROUP[MEMBER]
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION scrutiny_member_id() RETURNS integer LANGUAGE sql STABLE "
            "SET search_path = pg_catalog, public AS $$ SELECT member_id FROM logins WHERE login = current_user AND active $$"
        )
    )
    revealed = (
        "EXISTS (SELECT 1 FROM meeting_cases mc WHERE mc.id = meeting_case_id "
        "AND mc.views_revealed_at IS NOT NULL)"
    )
    # A member's own view, while it may still change (not revealed, not decided).
    own_open = (
        "member_id = scrutiny_member_id() AND NOT EXISTS (SELECT 1 FROM meeting_cases mc "
        "WHERE mc.id = meeting_case_id AND mc.views_revealed_at IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM panel_judgements j WHERE j.meeting_case_id = member_assessments."
        "meeting_case_id)"
    )
    policies: dict[str, list[tuple[str, str, str | None, str | None]]] = {
        "member_assessments": [
            ("read", "SELECT", f"member_id = scrutiny_member_id() OR {revealed}", None),
            ("add", "INSERT", None, "member_id = scrutiny_member_id()"),
            ("change", "UPDATE", own_open, own_open),
            ("remove", "DELETE", own_open, None),
        ],
        "text_drafts": [("own", "ALL", "member_id = scrutiny_member_id()", "member_id = scrutiny_member_id()")],
        "audit_events": [
            # ``login`` is set by the server from current_user (migration 0014).
            ("read", "SELECT", "login = current_user", None),
            ("add", "INSERT", None, "login = current_user"),
        ],
        "settings": [("own", "ALL", MEMBER_SETTINGS, MEMBER_SETTINGS)],
    }  # fmt: skip
    for table, rules in policies.items():
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        name = f"{table}_officer"
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {table}"))
        conn.execute(
            text(f"CREATE POLICY {name} ON {table} TO {officer} USING (true) WITH CHECK (true)")
        )
        for rule, command, using, check in rules:
            name = f"{table}_member_{rule}"
            conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {table}"))
            clauses = (f" USING ({using})" if using else "") + (
                f" WITH CHECK ({check})" if check else ""
            )
            conn.execute(
                text(f"CREATE POLICY {name} ON {table} FOR {command} TO {member}{clauses}")
            )


def _add_login_function(conn: Connection) -> None:
    """Officers add logins through this function only (it runs with the owner's right to
    create roles, and creates nothing but a login in one of the two groups): an officer is
    never given CREATEROLE, which would let them make themselves more than an officer."""
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION scrutiny_add_login(login text, verifier text, grp text) "
            "RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ "
            "BEGIN "
            "IF login !~ '^[a-z][a-z0-9_]{1,62}$' THEN RAISE EXCEPTION 'not a usable login'; "
            "END IF; "
            "IF grp NOT IN ('scrutiny_officer', 'scrutiny_member') THEN "
            "RAISE EXCEPTION 'not a scrutiny group'; END IF; "
            "IF left(verifier, 14) <> 'SCRAM-SHA-256$' THEN "
            "RAISE EXCEPTION 'a SCRAM-SHA-256 verifier is needed'; END IF; "
            "EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, verifier, grp); "
            "END $$"
        )
    )
    conn.execute(text("REVOKE ALL ON FUNCTION scrutiny_add_login(text, text, text) FROM PUBLIC"))
    conn.execute(
        text(f"GRANT EXECUTE ON FUNCTION scrutiny_add_login(text, text, text) TO {GROUP[OFFICER]}")
    )


def add_user(
    db: Database,
    login: str,
    name: str,
    role: str,
    password: str,
    *,
    member_id: int | None = None,
    actor: str = "",
) -> None:
    """Create ``login`` (a PostgreSQL login role in the officer or member group) for the
    person ``name``; a member's login is tied to their panel membership ``member_id``.
    Run by the server's owner or an officer (through ``scrutiny_add_login``)."""
    _server(db)
    if not LOGIN_NAME.match(login):
        raise UserError(
            f"{login!r} is not a usable login: lower-case letters, digits and _, starting with "
            "a letter, 2 to 63 characters (e.g. alice_jones)."
        )
    if role not in ROLES:
        raise UserError(f"A login is an officer or a member, not {role!r}.")
    if not name.strip():
        raise UserError("Give the person's name: the audit trail records their work under it.")
    if len(password) < 12:
        raise UserError("A password of at least 12 characters, please (a passphrase is best).")
    with db.transaction() as s:
        if role == MEMBER:
            member = s.get(Member, member_id) if member_id is not None else None
            if member is None:
                raise UserError(
                    "A member's login needs their panel membership: give --member ID (see "
                    "'scrutiny-app members')."
                )
        exists = s.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login})
        if exists or s.get(Login, login) is not None:
            raise UserError(f"The login {login} exists already.")
        conn = s.connection()
        raw = conn.connection.driver_connection
        assert raw is not None
        # The server gets the SCRAM-SHA-256 verifier made here, never the password itself
        # (which a statement log would otherwise keep).
        verifier = raw.pgconn.encrypt_password(
            password.encode(), login.encode(), b"scram-sha-256"
        ).decode()
        conn.execute(
            text("SELECT scrutiny_add_login(:l, :v, :g)"),
            {"l": login, "v": verifier, "g": GROUP[role]},
        )
        row = Login(login=login, name=name, role=role, member_id=member_id, created_by=actor)
        s.add(row)
        s.flush()
        audit.record_event(s, actor, "add_login", "logins", None, login=login, role=role)
