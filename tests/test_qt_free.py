"""The core never loads Qt: import it all and run the headless commands in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import scrutiny_app
    from scrutiny_app.cli import main

    for mod in pkgutil.walk_packages(scrutiny_app.__path__, "scrutiny_app."):
        if mod.name.startswith("scrutiny_app.gui") or mod.name == "scrutiny_app.__main__":
            continue
        importlib.import_module(mod.name)

    db, out = sys.argv[1], sys.argv[2]
    for argv in (
        ["demo", "--db", db],
        ["meetings", "--db", db, "--json"],
        ["cases", "--db", db, "--meeting", "1"],
        ["report", "--db", db, "--meeting", "1", "--out", out + "/r.pdf"],
        ["tracker", "--db", db, "--out", out + "/t.xlsx"],
    ):
        assert main(argv) == 0, argv
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
    print("QT-MODULES:", loaded)
    """
)


def test_core_and_headless_cli_never_import_pyside6(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "x.db"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "QT-MODULES: []" in proc.stdout
    assert (tmp_path / "r.pdf").stat().st_size > 0
    assert (tmp_path / "t.xlsx").stat().st_size > 0


def test_no_core_module_mentions_pyside6() -> None:
    """A cheap guard that names the offending file, beside the runtime check above."""
    package = Path(__file__).parents[1] / "scrutiny_app"
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "gui" not in p.relative_to(package).parts and "PySide6" in p.read_text()
    ]
    assert offenders == []
