"""The app finds resources/, ui/ and db/ from a checkout, an installed wheel and a bundle."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scrutiny_app import paths

REPO = Path(__file__).parents[1]


def test_source_checkout_uses_the_repo_folders() -> None:
    assert paths.resources_dir() == REPO / "resources"
    assert paths.ui_dir() == REPO / "ui"
    assert paths.migrations_dir() == REPO / "db"
    assert (paths.migrations_dir() / "env.py").is_file()
    assert paths.resource("templates", "oocd.json").is_file()


def _fake_layout(root: Path) -> None:
    for name in paths.FOLDERS:
        (root / name).mkdir(parents=True)


def test_a_bundle_wins_over_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_layout(tmp_path / "bundle")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert paths.resources_dir() == tmp_path / "bundle" / "resources"
    assert paths.migrations_dir() == tmp_path / "bundle" / "db"


def test_an_installed_package_uses_its_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "scrutiny_app"
    _fake_layout(package / "_data")
    monkeypatch.setattr(paths, "_PACKAGE_DIR", package)
    assert paths.ui_dir() == package / "_data" / "ui"


def test_missing_folder_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "pkg")
    with pytest.raises(FileNotFoundError, match="resources/ folder is missing"):
        paths.resources_dir()


@pytest.mark.slow
def test_the_wheel_carries_the_data_folders(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("scrutiny_app-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "scrutiny_app/_data/resources/templates/oocd.json",
        "scrutiny_app/_data/resources/data/2019-01-avon-and-somerset-stop-and-search.csv",
        "scrutiny_app/_data/db/env.py",
        "scrutiny_app/_data/db/versions/0001_initial_schema.py",
        "scrutiny_app/cli.py",
    ):
        assert expected in names, expected
    assert not any(n.startswith(("ui/", "db/", "resources/")) for n in names), (
        "no top-level ui/db/resources packages may be installed"
    )
