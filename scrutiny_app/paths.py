"""Where the app's data folders (``resources/``, ``ui/``, ``db/``) live.

Three layouts are supported, checked in this order:

1. a PyInstaller bundle: the folders sit under ``sys._MEIPASS``;
2. an installed wheel: they are shipped inside the package as ``scrutiny_app/_data/<name>``;
3. a source checkout (or an editable install): they sit beside the package, at the repo root.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
FOLDERS = ("resources", "ui", "db")


def candidate_roots() -> list[Path]:
    """The roots that may hold the data folders, best first."""
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    roots.append(_PACKAGE_DIR / "_data")
    roots.append(_PACKAGE_DIR.parent)
    return roots


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (one of FOLDERS) for the layout the app runs from."""
    if name not in FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    for root in candidate_roots():
        path = root / name
        if path.is_dir():
            return path
    tried = ", ".join(str(r / name) for r in candidate_roots())
    raise FileNotFoundError(f"The app's {name}/ folder is missing (looked in {tried}).")


def resources_dir() -> Path:
    return data_dir("resources")


def ui_dir() -> Path:
    return data_dir("ui")


def migrations_dir() -> Path:
    return data_dir("db")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
