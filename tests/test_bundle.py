"""The PyInstaller bundle, built as ``make bundle`` does and run as on a fresh machine.

The build goes to a temporary ``--distpath``/``--workpath`` (``dist/`` is left alone), then the
bundled program runs with a bare environment (no venv, no PYTHONPATH, an empty HOME) from an
empty working folder, so it can only use what the bundle holds.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scrutiny_app import __version__

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build.spec"
NAME = "scrutiny-app"
BUILD_TIMEOUT = 1500  # seconds; a clean build takes about a minute on 2 cores
RUN_TIMEOUT = 120

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(BUILD_TIMEOUT + 300),
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None,
        reason="PyInstaller is not installed (pip install -e '.[dev]')",
    ),
]


def pyinstaller_command() -> list[str]:
    """The venv's ``pyinstaller`` script, as the Makefile runs it."""
    script = Path(sys.executable).with_name("pyinstaller")
    if script.is_file():
        return [str(script)]
    found = shutil.which("pyinstaller")
    return [found] if found else [sys.executable, "-m", "PyInstaller"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle once for the module; return the folder that holds the program."""
    out = tmp_path_factory.mktemp("pyinstaller")
    cmd = [
        *pyinstaller_command(),
        "--noconfirm",
        "--clean",
        "--distpath",
        str(out / "dist"),
        "--workpath",
        str(out / "build"),
        str(SPEC),
    ]
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}{proc.stderr[-8000:]}"
    )
    folder = out / "dist" / NAME
    assert (folder / NAME).is_file(), f"no program in {folder}"
    return folder


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty working folder and the bare environment of a new user on a new machine."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
    }
    return work, env


def run_bundled(
    bundle: Path, fresh: tuple[Path, dict[str, str]], *args: str
) -> subprocess.CompletedProcess[str]:
    work, env = fresh
    return subprocess.run(
        [str(bundle / NAME), *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_bundle_holds_the_data_folders(bundle: Path) -> None:
    internal = bundle / "_internal"  # PyInstaller 6 puts datas here; it is sys._MEIPASS
    assert (internal / "resources" / "templates" / "oocd.json").is_file()
    assert (internal / "ui").is_dir()
    assert (internal / "db" / "env.py").is_file()
    assert (internal / "db" / "versions" / "0001_initial_schema.py").is_file()
    assert not list((internal / "db").rglob("__pycache__")), "stale bytecode bundled"
    for ui_file in (ROOT / "ui").glob("*.ui"):
        assert (internal / "ui" / ui_file.name).is_file(), ui_file.name
    for icon in (ROOT / "resources" / "icons").glob("*"):
        assert (internal / "resources" / "icons" / icon.name).is_file(), icon.name
    if not sys.platform.startswith("linux"):
        return
    qt = internal / "PySide6" / "Qt" / "plugins"
    assert (qt / "platforms" / "libqoffscreen.so").is_file()
    assert (qt / "platforms" / "libqxcb.so").is_file()
    assert (qt / "imageformats" / "libqsvg.so").is_file()  # the SVG icons
    assert not (qt / "platformthemes" / "libqgtk3.so").exists()  # left out on purpose


def test_bundled_version(bundle: Path, fresh: tuple[Path, dict[str, str]]) -> None:
    proc = run_bundled(bundle, fresh, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"scrutiny-app {__version__}"


def test_bundled_demo_meetings_report_tracker(
    bundle: Path, fresh: tuple[Path, dict[str, str]]
) -> None:
    work, _ = fresh
    db = work / "X.db"

    proc = run_bundled(bundle, fresh, "demo", "--db", "X.db")
    assert proc.returncode == 0, proc.stderr
    assert db.is_file()

    proc = run_bundled(bundle, fresh, "meetings", "--db", "X.db", "--json")
    assert proc.returncode == 0, proc.stderr
    panels = json.loads(proc.stdout)
    meetings = [m for p in panels for m in p["meetings"]]
    assert len(meetings) == 3
    assert {p["template"] for p in panels} == {"oocd", "stop_search", "complaints"}
    assert all(m["cases"] > 0 for m in meetings)

    proc = run_bundled(bundle, fresh, "report", "--db", "X.db", "--meeting", "1", "--out", "r.pdf")
    assert proc.returncode == 0, proc.stderr
    pdf = work / "r.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "OFFICIAL-SENSITIVE" in text

    proc = run_bundled(bundle, fresh, "tracker", "--db", "X.db", "--out", "t.xlsx")
    assert proc.returncode == 0, proc.stderr
    from openpyxl import load_workbook

    assert load_workbook(work / "t.xlsx").active.max_row >= 1

    # The headless commands wrote nothing into the (empty) home folder.
    assert not any(Path(fresh[1]["HOME"]).iterdir())


def test_bundled_publication_check_finds_personal_data(
    bundle: Path, fresh: tuple[Path, dict[str, str]]
) -> None:
    """The detector's word lists and phonenumbers' metadata travel in the bundle."""
    proc = run_bundled(bundle, fresh, "demo", "--db", "X.db")
    assert proc.returncode == 0, proc.stderr
    proc = run_bundled(bundle, fresh, "cases", "--db", "X.db", "--meeting", "1", "--json")
    ref = json.loads(proc.stdout)[0]["reference"]
    planted = "Sarah Jones of BS1 4ST rang 07700 900123 about PC 1234 Smith."
    proc = run_bundled(
        bundle, fresh, "judge", "--db", "X.db", "--meeting", "1", "--case", ref,
        "--outcome", "inappropriate", "--observations", planted,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = run_bundled(bundle, fresh, "publication", "--db", "X.db", "--meeting", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    found = {p["text"] for t in json.loads(proc.stdout)["texts"] for p in t["passages"]}
    assert {"Sarah Jones", "BS1 4ST", "07700 900123", "PC 1234 Smith"} <= found
    proc = run_bundled(
        bundle, fresh, "report", "--db", "X.db", "--meeting", "1", "--public", "--out", "p.pdf"
    )
    assert proc.returncode == 2 and "undecided" in proc.stderr


def test_bundled_import_reads_in_a_worker_process(
    bundle: Path, fresh: tuple[Path, dict[str, str]]
) -> None:
    """The frozen app can start the import's worker process (multiprocessing spawn)."""
    work, env = fresh
    assert run_bundled(bundle, fresh, "demo", "--db", "X.db").returncode == 0
    csv = work / "november.csv"
    shutil.copy(ROOT / "tests" / "data" / "2016-11-avon-and-somerset-stop-and-search.csv", csv)
    proc = run_bundled(
        bundle, (work, {**env, "SCRUTINY_IMPORT_WORKER": "1"}),
        "import", "--db", "X.db", "--meeting", "2", str(csv),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Imported 500 of 500 rows" in proc.stdout


def test_bundled_user_error_is_one_line(bundle: Path, fresh: tuple[Path, dict[str, str]]) -> None:
    proc = run_bundled(bundle, fresh, "meetings", "--db", "missing.db")
    assert proc.returncode == 2
    assert proc.stderr.startswith("scrutiny-app: error:")
    assert "Traceback" not in proc.stderr


def test_bundled_encrypted_database(bundle: Path, fresh: tuple[Path, dict[str, str]]) -> None:
    """SQLCipher is bundled: a demo created with a passphrase is encrypted and opens with it."""
    work = fresh[0]
    (work / "db.pass").write_text("correct horse battery\n")
    proc = run_bundled(bundle, fresh, "demo", "--db", "enc.db", "--passphrase-file", "db.pass")
    assert proc.returncode == 0, proc.stderr
    assert not (work / "enc.db").read_bytes().startswith(b"SQLite format 3")
    proc = run_bundled(bundle, fresh, "meetings", "--db", "enc.db", "--passphrase-file", "db.pass")
    assert proc.returncode == 0 and "Independent Residents' Panel" in proc.stdout, proc.stderr
    proc = run_bundled(bundle, fresh, "meetings", "--db", "enc.db")
    assert proc.returncode == 2 and "is encrypted: give its passphrase" in proc.stderr


def test_bundled_postgres_driver(bundle: Path, fresh: tuple[Path, dict[str, str]]) -> None:
    """psycopg is bundled: a server that is not there is a connection error, not an ImportError."""
    proc = run_bundled(
        bundle, fresh, "meetings", "--db", "postgresql+psycopg://scrutiny@127.0.0.1:1/none"
    )
    assert proc.returncode == 2
    assert "cannot reach the database server" in proc.stderr.lower(), proc.stderr
    assert "module" not in proc.stderr.lower(), proc.stderr


def test_bundled_gui_starts_offscreen(bundle: Path, fresh: tuple[Path, dict[str, str]]) -> None:
    """The window opens (offscreen) and keeps running; being stopped by the timeout is a pass.

    On an existing (plain) database: a first run would stop at the passphrase dialog."""
    work, env = fresh
    made = run_bundled(bundle, fresh, "demo", "--db", "gui.db")
    assert made.returncode == 0, made.stderr
    assert not (work / "gui.db-wal").exists()  # closed cleanly
    try:
        proc = subprocess.run(
            [str(bundle / NAME), "--db", "gui.db"],
            cwd=work,
            env={**env, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        assert "Traceback" not in stderr, stderr
        # Killed while open: the WAL the app's connection made is still there.
        assert (work / "gui.db-wal").is_file(), "the app did not get as far as opening its database"
        return
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
