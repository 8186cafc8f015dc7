"""A throwaway PostgreSQL server in a temporary folder, for the tests and the benchmarks.

It is started from the server binaries installed on the machine (Debian's ``postgresql``
package puts them in ``/usr/lib/postgresql/<version>/bin``), listens on a Unix socket in its
folder only (no TCP port), trusts local connections, and is stopped and deleted by ``stop``.
As root it runs as the ``postgres`` system user: the server refuses to run as root.
Durability is switched off (``fsync=off``): it holds nothing worth keeping.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import URL

SUPERUSER = "scrutiny"


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the server would not start (the reason says)."""


def find_bindir() -> Path | None:
    """The newest installed server's ``bin`` folder (with ``initdb`` and ``pg_ctl``)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class ScratchServer:
    """``start()`` it, connect with ``url(dbname)``, ``create_database``, then ``stop()``."""

    def __init__(self, bindir: Path | None = None, *, settings: dict[str, str] | None = None):
        found = bindir or find_bindir()
        if found is None:
            raise ServerUnavailable(
                "No PostgreSQL server is installed (initdb and pg_ctl were not found). On "
                "Debian: apt-get install postgresql."
            )
        self.bindir = found
        self.settings = {
            "listen_addresses": "''",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            **(settings or {}),
        }
        self.folder: Path | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def socket_dir(self) -> Path:
        assert self.folder is not None, "not started"
        return self.folder

    def url(
        self, dbname: str = "postgres", user: str = SUPERUSER, password: str | None = None
    ) -> URL:
        return URL.create(
            "postgresql+psycopg", username=user, password=password, database=dbname,
            query={"host": str(self.socket_dir)},
        )  # fmt: skip

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ServerUnavailable(
                f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}"
            )
        return done

    def start(self) -> ScratchServer:
        folder = Path(tempfile.mkdtemp(prefix="scrutiny-pg-"))
        self.folder = folder
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ServerUnavailable("Running as root, and no 'postgres' user exists.") from exc
            os.chown(folder, self._user.pw_uid, self._user.pw_gid)
        data = folder / "data"
        try:
            self._run(
                "initdb", "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            # The superuser comes in on trust; everyone else with a password (SCRAM), as on an
            # office server, so the tests see a wrong one refused.
            (data / "pg_hba.conf").write_text(
                f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n"
            )
            options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
            self._run(
                "pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
                "-o", f"-k {folder} {options}", "start",
            )  # fmt: skip
        except Exception:
            self._remove()
            raise
        return self

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction (CREATE DATABASE...)."""
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  # our own literal statements

    def create_database(
        self, name: str, template: str | None = None, icu_locale: str | None = None
    ) -> URL:
        """A new database (a copy of ``template`` if given). ``icu_locale`` (e.g. "en-GB"):
        its default collation, as an office server's would be, instead of the cluster's C."""
        extra = f' TEMPLATE "{template}"' if template else ""
        if icu_locale:
            extra = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
        self.sql(f'CREATE DATABASE "{name}"{extra}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            self._remove()

    def _remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> ScratchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
