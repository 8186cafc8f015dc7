"""Encryption at rest (SQLCipher): nothing readable in the file, its WAL or its backups; one
clear line for a missing or wrong passphrase; encrypt and rekey; files only the user reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FILE_2019_01
from sqlalchemy import select

from scrutiny_app.cli import main
from scrutiny_app.services import importer, panels
from scrutiny_app.services.demo import create_demo
from scrutiny_app.storage import Database, StorageError
from scrutiny_app.storage.encryption import (
    PassphraseRequired,
    WrongPassphrase,
    encrypt_file,
    is_encrypted,
    rekey_file,
)
from scrutiny_app.storage.models import AuditEvent, Case, PanelJudgement, Setting

FIXTURES = Path(__file__).parent / "fixtures" / "databases"
PASS = "correct horse battery"


def secrets_in(db: Database) -> set[bytes]:
    """What must never be readable in the file: every case reference, the text field values,
    the panel's observations and the pseudonym key."""
    found: set[str] = set()
    with db.session() as s:
        for case in s.scalars(select(Case)):
            found.add(case.reference)
            found.update(v for v in case.fields.values() if isinstance(v, str) and len(v) >= 8)
        for j in s.scalars(select(PanelJudgement)):
            if len(j.observations) >= 8:
                found.add(j.observations[:40])
        key = s.get(Setting, "pseudonym_key")
        if key is not None:
            found.add(key.value)
    return {text.encode("utf-8") for text in found}


def readable(path: Path, secrets: set[bytes]) -> list[bytes]:
    data = path.read_bytes()
    return [s for s in secrets if s in data]


def test_an_encrypted_database_its_wal_and_its_backup_hold_nothing_readable(tmp_path: Path):
    path = tmp_path / "office.db"
    db = Database.open(path, passphrase=PASS)
    assert db.encrypted
    create_demo(db)
    pid = panels.create_panel(db, "stop_search", "Police Powers Panel", code="SOPP")
    meeting = panels.create_meeting(db, pid, dt.date(2019, 3, 14), "Drugs")
    importer.import_file(db, meeting, FILE_2019_01)
    secrets = secrets_in(db)
    assert len(secrets) > 500  # references, field values, observations, the key
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # still open: the WAL holds recent pages
    assert readable(wal, secrets) == []
    assert readable(path, secrets) == []
    assert b"SQLite format 3" not in path.read_bytes()[:100]
    db.close()
    assert readable(path, secrets) == []

    # the same data in a plain file is readable: the check above can fail
    plain = Database.open(tmp_path / "plain.db")
    create_demo(plain)
    plain_secrets = secrets_in(plain)
    plain.close()  # the WAL is checkpointed into the file
    assert len(readable(tmp_path / "plain.db", plain_secrets)) > 10


def test_the_backup_before_an_upgrade_is_encrypted_too(tmp_path: Path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0009.db", path)
    encrypt_file(path, PASS)
    for old in tmp_path.glob("old.db.backup-*"):
        old.unlink()
    with Database.open(path, passphrase=PASS) as db:
        assert db.upgrade is not None and db.upgrade.upgraded
        backup = db.upgrade.backup
        secrets = secrets_in(db)
    assert backup is not None and is_encrypted(backup)
    assert secrets and readable(backup, secrets) == []
    with Database.open(backup, passphrase=PASS, create=False) as copy:  # it opens, and holds it
        assert secrets_in(copy) >= {s for s in secrets if not s.startswith(b"SOPP")} - {b""}


def test_a_missing_or_wrong_passphrase_is_one_line_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "x.db"
    Database.open(path, passphrase=PASS).close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(PassphraseRequired, match="is encrypted: give its passphrase"):
        Database.open(path)
    with pytest.raises(WrongPassphrase, match="The passphrase does not open"):
        Database.open(path, passphrase="Correct horse battery")
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not it at all\n")
    assert main(["meetings", "--db", str(path), "--passphrase-file", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "passphrase does not open" in err
    assert "Traceback" not in err and "file is not a database" not in err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_cli_creates_encrypted_with_a_passphrase_and_warns_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    secret = tmp_path / "db.pass"
    secret.write_text(PASS + "\n")
    monkeypatch.setenv("SCRUTINY_PASSPHRASE_FILE", str(secret))
    assert main(["demo", "--db", str(tmp_path / "enc.db")]) == 0
    assert is_encrypted(tmp_path / "enc.db")
    assert "warning" not in capsys.readouterr().err
    assert main(["meetings", "--db", str(tmp_path / "enc.db")]) == 0
    monkeypatch.delenv("SCRUTINY_PASSPHRASE_FILE")
    assert main(["demo", "--db", str(tmp_path / "plain.db")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "created unencrypted" in err and "scrutiny-app encrypt" in err
    assert not is_encrypted(tmp_path / "plain.db")
    assert main(["meetings", "--db", str(tmp_path / "plain.db")]) == 0  # no warning on opening
    assert capsys.readouterr().err == ""


def test_encrypt_then_rekey_by_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "office.db"
    shutil.copy(FIXTURES / "schema-0009.db", path)
    with Database.open(path) as db:  # upgraded: a plain backup of 0009 lies beside it
        secrets = secrets_in(db)
        plain_backup = db.upgrade.backup if db.upgrade else None
    assert plain_backup is not None and readable(plain_backup, secrets)
    (tmp_path / "a.pass").write_text(PASS + "\n")
    (tmp_path / "b.pass").write_text("a new passphrase\n")
    assert main(["encrypt", "--db", str(path), "--passphrase-file", str(tmp_path / "a.pass")]) == 0
    out = capsys.readouterr().out
    assert "Encrypted" in out and "Also encrypted the older backup" in out
    for f in [path, plain_backup, *tmp_path.glob("office.db.backup-before-encrypt-*")]:
        assert is_encrypted(f) and readable(f, secrets) == [], f
    assert not list(tmp_path.glob("*.plain-old")) and not list(tmp_path.glob("*.encrypting"))
    with Database.open(path, passphrase=PASS) as db:
        assert secrets_in(db) == secrets  # nothing lost
    argv = ["rekey", "--db", str(path), "--passphrase-file", str(tmp_path / "a.pass"),
            "--new-passphrase-file", str(tmp_path / "b.pass")]  # fmt: skip
    assert main(argv) == 0
    with pytest.raises(WrongPassphrase):
        Database.open(path, passphrase=PASS)
    with Database.open(path, passphrase="a new passphrase") as db:
        assert secrets_in(db) == secrets
    with Database.open(plain_backup, passphrase="a new passphrase", create=False):
        pass  # the backups follow the passphrase


def test_encrypt_refuses_a_database_another_program_has_open(tmp_path: Path):
    path = tmp_path / "busy.db"
    with Database.open(path) as db:
        create_demo(db)
    holder = subprocess.Popen(  # another program (the app, say) with the file open
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT count(*) FROM cases').fetchone(); print('open', flush=True); "
         "sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StorageError, match="open in another program"):
            encrypt_file(path, PASS)
    finally:
        holder.communicate("", timeout=30)
    assert not is_encrypted(path)
    assert not list(tmp_path.glob("busy.db.backup-before-encrypt-*"))
    encrypt_file(path, PASS)  # closed: it goes through
    assert is_encrypted(path)


def test_a_new_passphrase_too_short_is_refused(tmp_path: Path):
    Database.open(tmp_path / "x.db").close()
    with pytest.raises(Exception, match="at least 8 characters"):
        encrypt_file(tmp_path / "x.db", "short")
    Database.open(tmp_path / "y.db", passphrase=PASS).close()
    with pytest.raises(Exception, match="at least 8 characters"):
        rekey_file(tmp_path / "y.db", PASS, "short")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_database_backups_and_folder_are_the_users_only(tmp_path: Path):
    folder = tmp_path / "new-folder"
    path = folder / "office.db"
    with Database.open(path, passphrase=PASS) as db:
        create_demo(db)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert modes == {name: 0o600 for name in modes} and "office.db-wal" in modes
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0009.db", old)
    old.chmod(0o644)
    with Database.open(old) as db:
        assert db.upgrade and db.upgrade.backup
        assert stat.S_IMODE(db.upgrade.backup.stat().st_mode) == 0o600


def test_the_sqlcipher_file_opens_in_another_reader(tmp_path: Path):
    """A data protection officer's check: SQLCipher's own reader opens it with the passphrase
    (no key: no tables), so the file is standard SQLCipher 4, not a format of ours."""
    path = tmp_path / "x.db"
    with Database.open(path, passphrase=PASS) as db:
        create_demo(db)
    code = (
        "import sqlcipher3, sys; c = sqlcipher3.connect(sys.argv[1]); "
        "c.execute(\"PRAGMA key = '" + PASS + "'\"); "
        "print(c.execute('SELECT count(*) FROM cases').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and int(out.stdout) > 0, out.stderr


def test_locking_drops_the_passphrase_until_the_right_one_is_typed(tmp_path: Path):
    from scrutiny_app.storage.engine import DatabaseLocked

    db = Database.open(tmp_path / "x.db", passphrase=PASS)
    create_demo(db)
    before = db.get_setting("pseudonym_key")
    assert db.lock() and db.locked and db.encrypted
    with pytest.raises(DatabaseLocked):
        db.get_setting("pseudonym_key")
    with pytest.raises(WrongPassphrase):
        db.unlock("not the passphrase")
    assert db.locked
    db.unlock(PASS)
    assert not db.locked and db.get_setting("pseudonym_key") == before
    db.close()
    plain = Database.open(tmp_path / "plain.db")
    assert not plain.lock() and not plain.locked  # nothing to drop
    plain.close()


def test_an_encrypt_killed_after_the_rename_leaves_no_plain_copy(tmp_path: Path):
    """Killed between the rename and the overwrite, the plain copy set aside is still there:
    the next opening with the passphrase overwrites and removes it."""
    path = tmp_path / "x.db"
    with Database.open(path) as db:
        create_demo(db)
        secrets = secrets_in(db)
    saved = path.read_bytes()
    encrypt_file(path, PASS)
    plain_copy = tmp_path / "x.db.plain-old"  # where the kill left it
    plain_copy.write_bytes(saved)
    shutil.copy(FIXTURES / "schema-0009.db", tmp_path / "x.db.encrypting")
    assert readable(plain_copy, secrets)
    with Database.open(path, passphrase=PASS):
        pass
    assert not plain_copy.exists() and not (tmp_path / "x.db.encrypting").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_exports_and_packs_are_the_users_only(tmp_path: Path, capsys):
    db = str(tmp_path / "demo.db")
    assert main(["demo", "--db", db]) == 0
    outputs = {
        "report.pdf": ["report", "--db", db, "--meeting", "2", "--out"],
        "tracker.xlsx": ["tracker", "--db", db, "--out"],
        "trail.csv": ["audit", "--db", db, "--csv"],
        "luke.scrutiny": ["pack", "--db", db, "--meeting", "2", "--member", "Luke Harper", "--out"],
    }
    for name, argv in outputs.items():
        assert main([*argv, str(tmp_path / name)]) == 0, name
    modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in outputs}
    assert modes == dict.fromkeys(outputs, 0o600)
    with Database.open(tmp_path / "demo.db") as opened, opened.session() as s:
        pack = [e for e in s.scalars(select(AuditEvent)) if e.entity == "member_packs"][-1]
    pack_bytes = (tmp_path / "luke.scrutiny").read_bytes()
    assert pack.details["sha256"] == hashlib.sha256(pack_bytes).hexdigest()
