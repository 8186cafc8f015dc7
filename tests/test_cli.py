"""The headless command line, end to end on the real stop and search files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import STOP_SEARCH_FILES
from openpyxl import load_workbook
from pypdf import PdfReader

from scrutiny_app import __version__
from scrutiny_app.cli import main
from scrutiny_app.services import cases
from scrutiny_app.storage import Database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_entry_point_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrutiny_app", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"scrutiny-app {__version__}"


def test_skeleton_flow_import_sample_judge_report_tracker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "flow.db")
    code, out, _ = run(
        capsys, "new-panel", "--db", db, "--template", "stop_search",
        "--name", "Police Powers Panel", "--force", "Avon and Somerset", "--code", "SOPP",
    )  # fmt: skip
    assert code == 0 and out.startswith("Panel 1")
    code, out, _ = run(
        capsys, "new-meeting", "--db", db, "--panel", "1", "--date", "2019-03-14",
        "--theme", "Drug searches",
    )  # fmt: skip
    assert code == 0
    meetings = json.loads(run(capsys, "meetings", "--db", db, "--json")[1])
    meeting = str(meetings[0]["meetings"][0]["id"])

    for path in STOP_SEARCH_FILES:
        code, out, err = run(capsys, "import", "--db", db, "--meeting", meeting, str(path))
        assert code == 0, err
        assert "Imported" in out

    code, out, _ = run(
        capsys, "sample", "--db", db, "--meeting", meeting, "--size", "15", "--seed", "40213",
        "--json",
    )  # fmt: skip
    drawn = json.loads(out)
    assert drawn["seed"] == 40213 and drawn["population"] == 1909
    assert len(drawn["references"]) == 15

    ref = drawn["references"][3]
    code, out, err = run(
        capsys, "judge", "--db", db, "--meeting", meeting, "--case", ref, "--outcome", "red",
        "--observations", "Grounds rested on smell of cannabis alone.",
    )  # fmt: skip
    assert code == 0, err
    assert "Red - concern, escalated" in out
    listed = json.loads(run(capsys, "cases", "--db", db, "--meeting", meeting, "--json")[1])
    assert [c["outcome"] for c in listed if c["reference"] == ref] == ["red"]

    code, out, err = run(
        capsys, "recommend", "--db", db, "--meeting", meeting,
        "--text", "Body-worn video must be switched on before the search begins.",
        "--to", "Body-worn video lead", "--due", "2019-05-01",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("SOPP-2019-03-R1")

    pdf, xlsx = tmp_path / "report.pdf", tmp_path / "tracker.xlsx"
    assert run(capsys, "report", "--db", db, "--meeting", meeting, "--out", str(pdf))[0] == 0
    text = " ".join(pdf_text(pdf).split())  # line breaks fall where the table wraps
    assert ref in text.replace(" ", "")
    assert "smell of cannabis" in text
    assert "SOPP-2019-03-R1" in text
    assert "40213" in text

    assert run(capsys, "tracker", "--db", db, "--out", str(xlsx))[0] == 0
    sheet = load_workbook(xlsx).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "SOPP-2019-03-R1" in values
    assert "Body-worn video lead" in values


def test_demo_report_shows_the_published_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, pdf = str(tmp_path / "demo.db"), tmp_path / "r.pdf"
    assert run(capsys, "demo", "--db", db)[0] == 0
    meetings = json.loads(run(capsys, "meetings", "--db", db, "--json")[1])
    oocd = next(p for p in meetings if p["template"] == "oocd")["meetings"][0]
    assert (oocd["cases"], oocd["decided"]) == (24, 24)
    assert (
        run(capsys, "report", "--db", db, "--meeting", str(oocd["id"]), "--out", str(pdf))[0] == 0
    )
    text = " ".join(pdf_text(pdf).split())
    for label, count in (
        ("Appropriate", 3),
        ("Appropriate with observations", 8),
        ("Inappropriate", 12),
        ("No consensus / more information needed", 1),
    ):
        assert f"{label} {count}" in text, label
    assert "OFFICIAL-SENSITIVE" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["cases", "--meeting", "99"], "No meeting '99'"),
        (["judge", "--meeting", "1", "--case", "NOPE", "--outcome", "x"], "No case 'NOPE'"),
        (["judge", "--meeting", "1", "--case", "{ref}", "--outcome", "purple"], "not an outcome"),
        (["import", "--meeting", "1", "{data}/2019-01-avon-and-somerset-stop-and-search.csv"],
         "stop and search panel"),
        (["import", "--meeting", "2", "missing.csv"], "No such file"),
        (["sample", "--meeting", "2", "--size", "5"], "already has a sample"),
        (["report", "--meeting", "1", "--out", "/proc/nope/r.pdf"], "error"),
    ],
)  # fmt: skip
def test_user_mistakes_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    db = str(tmp_path / "demo.db")
    assert run(capsys, "demo", "--db", db)[0] == 0
    refs = json.loads(run(capsys, "cases", "--db", db, "--meeting", "1", "--json")[1])
    data = str(Path(__file__).parent / "data")
    argv = [a.format(ref=refs[0]["reference"], data=data) for a in argv]
    code, _, err = run(capsys, *argv, "--db", db)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_missing_database_is_not_created_by_read_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "meetings", "--db", str(tmp_path / "nope.db"))
    assert code == 2 and "No database at" in err
    assert not (tmp_path / "nope.db").exists()


def test_the_readmes_example_case_reference_is_a_real_one(tmp_path: Path) -> None:
    """The README's command lines, run as written: its `judge` example names a case that the
    README's own import and sample (with the seed it shows) put on the agenda, and the panel's
    answers it shows are the template's own."""
    import re

    from conftest import FILE_2019_01

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    ref = re.search(r"scrutiny-app judge +--db x\.db --meeting 1 --case (\S+)", readme).group(1)
    answer_line = re.search(r"\n +\[(--answer [^\]]+)\]", readme).group(1)
    answers = answer_line.split()
    assert answers.count("--answer") == 2
    db = str(tmp_path / "x.db")
    steps = [
        ["new-panel", "--db", db, "--template", "stop_search", "--name", "Police Powers Panel",
         "--force", "Avon and Somerset"],
        ["new-meeting", "--db", db, "--panel", "1", "--date", "2019-03-14"],
        ["import", "--db", db, "--meeting", "1", str(FILE_2019_01)],
        ["sample", "--db", db, "--meeting", "1", "--size", "20", "--seed", "40213"],
        ["judge", "--db", db, "--meeting", "1", "--case", ref, "--outcome", "amber", *answers],
    ]  # fmt: skip
    for argv in steps:
        assert main(argv) == 0, argv
    with Database.open(Path(db)) as database:
        row = next(r for r in cases.meeting_cases(database, 1).rows if r.reference == ref)
    assert row.answers == dict(a.split("=") for a in answers[1::2])


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`scrutiny-app cases ... | head -1`: no broken-pipe message, exit 0."""
    db = tmp_path / "d.db"
    assert main(["demo", "--db", str(db)]) == 0
    shell = (
        f"{sys.executable} -m scrutiny_app cases --db {db} --meeting 2 | head -1; "
        "exit ${PIPESTATUS[0]}"
    )
    proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout.startswith("SOPP-")


def test_a_header_only_extract_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    header = STOP_SEARCH_FILES[0].read_text(encoding="utf-8").splitlines()[0]
    only = tmp_path / "header-only.csv"
    only.write_text(header + "\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert main(["new-panel", "--db", db, "--template", "stop_search", "--name", "P"]) == 0
    assert main(["new-meeting", "--db", db, "--panel", "1", "--date", "2019-03-14"]) == 0
    capsys.readouterr()
    assert main(["import", "--db", db, "--meeting", "1", str(only)]) == 2
    err = capsys.readouterr().err
    assert "header-only.csv: the file has a header row (line 1) but no cases" in err
    assert main(["import", "--db", db, "--meeting", "1", str(empty)]) == 2
    assert "empty.csv: the file is empty" in capsys.readouterr().err
    assert main(["sample", "--db", db, "--meeting", "1", "--size", "1"]) == 2  # nothing held


def test_no_display_is_said_in_one_line_before_qt_loads(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    code = "import sys; from scrutiny_app.cli import main; r = main([]); " \
        "print('qt' if 'PySide6' in sys.modules else 'no qt'); sys.exit(r)"  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("scrutiny-app: no display:") and proc.stderr.count("\n") == 1
    assert proc.stdout.strip() == "no qt"
