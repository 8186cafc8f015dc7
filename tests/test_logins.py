"""A shared server: each person logs in as themselves, and a member can do a member's work
only, refused by the services and again by the database itself."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from test_session import Meeting, make_meeting, oocd_records

from scrutiny_app.services import audit_trail, importer, logins, panels, session
from scrutiny_app.services.logins import NotAllowed
from scrutiny_app.services.report.pdf import build_report
from scrutiny_app.services.tracker.export import export_tracker
from scrutiny_app.storage import Database, StorageError
from scrutiny_app.storage.scratch_server import ScratchServer

PASSWORDS = {
    "olu": "officer passphrase 1",
    "alice": "alice's passphrase",
    "bob": "bob's passphrase!",
}
_names = itertools.count(1)


@dataclass
class Office:
    server: ScratchServer
    dbname: str
    meeting: Meeting

    def open_as(self, login: str, password: str | None = None) -> Database:
        url = self.server.url(self.dbname, login, password or PASSWORDS[login])
        return Database.open(url, create=False)


@pytest.fixture
def office(pg_server: ScratchServer) -> Iterator[Office]:
    name = f"office_{next(_names)}"
    pg_server.create_database(name)
    with Database.open(pg_server.url(name)) as admin:  # the server's administrator
        meeting = make_meeting(admin)
        logins.init_server(admin, "olu", "Olu Officer", PASSWORDS["olu"])
        for login, member in (("alice", meeting.alice), ("bob", meeting.bob)):
            logins.add_user(
                admin, login, f"{login.title()}", "member", PASSWORDS[login], member_id=member
            )
    yield Office(pg_server, name, meeting)
    pg_server.drop_database(name)
    for login in PASSWORDS:
        pg_server.sql(f"DROP ROLE IF EXISTS {login}")


def test_each_person_is_known_by_their_login(office: Office) -> None:
    with office.open_as("alice") as db:
        who = logins.acting(db)
        assert who is not None and who.login == "alice" and not who.is_officer
        assert who.member_id == office.meeting.alice
    with office.open_as("olu") as db:
        who = logins.acting(db)
        assert who is not None and who.is_officer and who.name == "Olu Officer"


def test_a_wrong_password_is_refused_in_plain_words(office: Office) -> None:
    with pytest.raises(StorageError, match="refused the login: the user name or the password"):
        office.open_as("alice", "not alice's passphrase")


def test_a_member_cannot_read_another_members_hidden_view(office: Office) -> None:
    m = office.meeting
    item = m.items[0]
    with office.open_as("bob") as bob:
        session.record_view(bob, item, m.bob, outcome_code="appropriate", note="Bob's reasons")
    with office.open_as("alice") as alice:
        session.record_view(alice, item, m.alice, outcome_code="inappropriate", note="Mine")
        # Through the app: her own view only.
        seen = session.case_views(alice, item, viewer_member_id=m.alice)
        assert seen.own is not None and seen.own.note == "Mine"
        assert "Bob's reasons" not in repr(seen)
        # Straight to the database, as someone with the connection details could: the same.
        with alice.engine.connect() as conn:
            notes = conn.execute(text("SELECT note FROM member_assessments")).scalars().all()
            assert notes == ["Mine"]
            changed = conn.execute(
                text("UPDATE member_assessments SET note = 'overwritten' WHERE note <> 'Mine'")
            )
            assert changed.rowcount == 0
        with pytest.raises(NotAllowed, match="your own view only"):
            session.record_view(alice, item, m.bob, note="in Bob's name")
    with office.open_as("olu") as olu:
        session.reveal_views(olu, item, actor="Olu Officer")
    with office.open_as("alice") as alice, alice.engine.begin() as conn:
        notes = conn.execute(text("SELECT note FROM member_assessments")).scalars().all()
        assert sorted(notes) == ["Bob's reasons", "Mine"]  # revealed: the panel sees them all
        # ...and her own is fixed now, by SQL too.
        changed = conn.execute(text("UPDATE member_assessments SET note = 'later' WHERE true"))
        assert changed.rowcount == 0
    with office.open_as("olu") as olu:
        assert audit_trail.verify(olu).ok
        with olu.engine.begin() as conn:  # an officer writing in Alice's name...
            conn.execute(
                text(
                    "INSERT INTO audit_events (uuid, at, actor, action, entity, details, login) "
                    "VALUES ('forged', now(), 'Alice Moss', 'view', 'x', '{}', 'alice')"
                )
            )
            logged = dict(conn.execute(text("SELECT uuid, login FROM audit_events")).tuples().all())
        assert logged["forged"] == "olu"  # ...is recorded as the officer's: the server says who
    with office.open_as("alice") as alice, alice.engine.connect() as conn:
        seen = conn.execute(text("SELECT DISTINCT login FROM audit_events")).scalars().all()
        assert seen == ["alice"]  # her own events only, by login


def test_a_member_cannot_import_report_or_export_the_tracker(office: Office, tmp_path) -> None:
    m = office.meeting
    with office.open_as("alice") as alice:
        with pytest.raises(NotAllowed, match="Only an officer can import cases: you are logged"):
            importer.import_records(alice, m.meeting_id, oocd_records(2, 500), source_name="x")
        with pytest.raises(NotAllowed, match="write the panel report"):
            build_report(alice, m.meeting_id, tmp_path / "r.pdf", allow_unjudged=True)
        with pytest.raises(NotAllowed, match="export the recommendations tracker"):
            export_tracker(alice, tmp_path / "t.xlsx")
        # The database refuses the same writes, whatever program sends them.
        for statement in (
            "INSERT INTO panels (uuid, name) VALUES ('x', 'A panel of my own')",
            "UPDATE cases SET area = 'changed'",
            "SELECT secret FROM member_packs",
        ):
            with pytest.raises(StorageError, match="not allowed"), alice.engine.begin() as conn:
                conn.execute(text(statement))
        assert alice.get_setting("pseudonym_key") is None  # the key stays with the officers
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "t.xlsx").exists()
    with office.open_as("olu") as olu:  # the officer can
        assert olu.get_setting("pseudonym_key")
        importer.import_records(olu, m.meeting_id, oocd_records(2, 500), source_name="more")
        build_report(olu, m.meeting_id, tmp_path / "r.pdf", allow_unjudged=True)
        assert (tmp_path / "r.pdf").exists()


def test_the_officer_adds_a_member_login_from_their_own_seat(office: Office) -> None:
    with office.open_as("olu") as olu:
        logins.add_user(
            olu, "chair_hale", "Margaret Hale", "member", "chair's passphrase",
            member_id=office.meeting.chair, actor="Olu Officer",
        )  # fmt: skip
    try:
        url = office.server.url(office.dbname, "chair_hale", "chair's passphrase")
        with Database.open(url, create=False) as chair:
            who = logins.acting(chair)
            assert who is not None and who.member_id == office.meeting.chair
        with office.open_as("alice") as alice, pytest.raises(StorageError):
            logins.add_user(alice, "mallory", "Mallory", "officer", "x" * 12)
        # The officer adds logins through the app's function only: no role of their own making.
        with office.open_as("olu") as olu:
            for statement in (
                "CREATE ROLE mallory LOGIN SUPERUSER",
                "CREATE ROLE mallory LOGIN",
                "GRANT pg_execute_server_program TO olu",
                "CREATE FUNCTION public.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            ):
                with pytest.raises(StorageError), olu.engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        office.server.sql("DROP ROLE IF EXISTS chair_hale")


def test_logins_are_for_a_server_only(db: Database, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the SQLite side of the rule")
    assert logins.acting(db) is None
    with pytest.raises(Exception, match="shared PostgreSQL server"):
        logins.add_user(db, "alice", "Alice", "member", "x" * 12)


def test_the_server_commands_set_up_an_office(
    pg_server: ScratchServer, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's commands: init as the owner, then the officer adds a member."""
    from scrutiny_app.cli import main

    name = f"office_cli_{next(_names)}"
    admin_url = pg_server.create_database(name).render_as_string(hide_password=False)
    secret = tmp_path / "pw"
    secret.write_text("officer passphrase 1\n")
    try:
        assert main(["new-panel", "--db", admin_url, "--template", "oocd", "--name", "OOCD"]) == 0
        assert main(["server", "--db", admin_url, "init", "--login", "olu", "--name",
                     "Olu Officer", "--password-file", str(secret)]) == 0  # fmt: skip
        assert "olu (Olu Officer) is its first officer" in capsys.readouterr().out
        with Database.open(admin_url, create=False) as admin:
            member = panels.add_member(admin, 1, "Alice Moss")
        olu_url = pg_server.url(name, "olu", "officer passphrase 1").render_as_string(
            hide_password=False
        )
        secret.write_text("alice's passphrase\n")
        assert main(["server", "--db", olu_url, "add-user", "--login", "alice", "--name",
                     "Alice Moss", "--member", str(member), "--password-file", str(secret)]) == 0  # fmt: skip
        assert "Created the login alice" in capsys.readouterr().out
        assert main(["members", "--db", olu_url]) == 0
        assert f"{member:>5}  Alice Moss  (member, OOCD)  login alice" in capsys.readouterr().out
        with Database.open(pg_server.url(name, "olu", "officer passphrase 1")) as olu:
            events = [e for e in audit_trail.audit_rows(olu) if e.action == "add_login"]
            assert [e.actor for e in events][-1] == "Olu Officer"  # the login, not the OS user
    finally:
        pg_server.drop_database(name)
        for login in ("olu", "alice"):
            pg_server.sql(f"DROP ROLE IF EXISTS {login}")
