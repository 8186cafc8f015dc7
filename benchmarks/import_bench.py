"""Import speed: the real import service against a floor measured in the same run.

The floor is what any importer must at least do: ``pandas.read_csv`` of the file plus
``sqlite3.executemany`` of the same rows into a bare table, in one transaction. The app and
the floor run three times, interleaved, and the ratio is the median of the three runs'. Each
measurement runs in its own process so that its peak memory (RSS) is its own; the app's
import of a big CSV reads it in a worker process, whose peak is added.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks import generate


def _peak_rss_mb() -> float:
    """Peak resident memory of this process plus its largest child (the import's worker),
    added: an upper bound on what the import held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def floor(path: Path, workdir: Path) -> dict:
    db = workdir / "floor.db"
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    cols = ", ".join(f"c{i} TEXT" for i in range(len(frame.columns)))
    conn.execute(f"CREATE TABLE bare ({cols})")
    conn.execute("BEGIN")
    marks = ", ".join("?" * len(frame.columns))
    conn.executemany(f"INSERT INTO bare VALUES ({marks})", frame.itertuples(index=False, name=None))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return {"seconds": seconds, "rows": len(frame), "peak_rss_mb": _peak_rss_mb()}


def app_db(path: Path, workdir: Path) -> Path:
    """Where the import benchmark leaves the app's database for ``path``."""
    return workdir / f"app-{path.stem}.db"


def app_import(path: Path, workdir: Path, passphrase: str | None = None) -> dict:
    import datetime as dt

    from scrutiny_app.services import importer, panels
    from scrutiny_app.storage import Database

    target = app_db(path, workdir)
    if passphrase is not None:
        target = target.with_name(f"encrypted-{target.name}")
    for p in workdir.glob(target.name + "*"):
        p.unlink()
    db = Database.open(target, passphrase=passphrase)
    pid = panels.create_panel(db, "stop_search", "Bench panel", code="SOPP")
    mid = panels.create_meeting(db, pid, dt.date(2026, 1, 1), "bench")
    start = time.perf_counter()
    result = importer.import_file(db, mid, path)
    seconds = time.perf_counter() - start
    db.close()
    return {"seconds": seconds, "rows": result.rows_imported, "peak_rss_mb": _peak_rss_mb()}


def measure(kind: str, path: Path, workdir: Path) -> dict:
    """Run one measurement in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_bench", kind, str(path), str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


RUNS = 3  # interleaved runs of the app and its baseline; the ratio is their median


def median_pair(pairs: list[tuple[dict, dict]]) -> tuple[dict, dict, float, list[float]]:
    """(baseline, app, ratio, every ratio) of the run whose ratio is the median of the runs'."""
    ratios = [app["seconds"] / base["seconds"] for base, app in pairs]
    median = statistics.median_low(ratios)
    base, app = pairs[ratios.index(median)]
    return base, app, median, ratios


def compare(name: str, path: Path, workdir: Path, max_ratio: float, max_rss_mb: float) -> dict:
    """The app's import of ``path`` against the floor for the same file: three interleaved
    runs (floor, app, floor, app, ...), the ratio the median of the three."""
    pairs = [
        (measure("floor", path, workdir), measure("import", path, workdir)) for _ in range(RUNS)
    ]
    fl, app, ratio, ratios = median_pair(pairs)
    rss = max(a["peak_rss_mb"] for _, a in pairs)
    return {
        "name": name,
        "seconds": app["seconds"],
        "baseline_seconds": fl["seconds"],
        "ratio": ratio,
        "ratios": ratios,
        "rows_per_second": app["rows"] / app["seconds"],
        "peak_rss_mb": rss,
        "baseline_peak_rss_mb": fl["peak_rss_mb"],
        "target": f"median ratio <= {max_ratio}, peak RSS <= {max_rss_mb:.0f} MB",
        "ok": ratio <= max_ratio and rss <= max_rss_mb,
    }


def compare_encrypted(path: Path, workdir: Path, max_ratio: float = 1.3) -> dict:
    """The same import into an encrypted (SQLCipher) database against a plain one: three
    interleaved runs, the median ratio."""
    pairs = [
        (measure("import", path, workdir), measure("import-encrypted", path, workdir))
        for _ in range(RUNS)
    ]
    plain, enc, ratio, ratios = median_pair(pairs)
    return {
        "name": f"import CSV {enc['rows']:,} rows, encrypted",
        "seconds": enc["seconds"],
        "baseline_seconds": plain["seconds"],
        "ratio": ratio,
        "ratios": ratios,
        "rows_per_second": enc["rows"] / enc["seconds"],
        "peak_rss_mb": enc["peak_rss_mb"],
        "target": f"median ratio to the plain import <= {max_ratio}",
        "ok": ratio <= max_ratio,
    }


def run(workdir: Path, rows: int = 1_000_000, xlsx_rows: int = 100_000) -> list[dict]:
    csv_path = workdir / f"stop-search-{rows}.csv"
    if not csv_path.exists():
        generate.write_csv(csv_path, rows)
    xlsx_path = workdir / f"stop-search-{xlsx_rows}.xlsx"
    if not xlsx_path.exists():
        generate.write_xlsx(xlsx_path, xlsx_rows)
    return [
        compare(f"import CSV {rows:,} rows", csv_path, workdir, 1.5, 1536),
        compare(f"import XLSX {xlsx_rows:,} rows", xlsx_path, workdir, 1.2, 1536),
        compare_encrypted(csv_path, workdir),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4:
        kind, path, workdir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
        if kind == "floor":
            print(json.dumps(floor(path, workdir)))
        else:
            secret = "benchmark passphrase" if kind == "import-encrypted" else None
            print(json.dumps(app_import(path, workdir, secret)))
    elif len(sys.argv) == 3 and sys.argv[1] == "encrypted":  # make bench-encrypted
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "stop-search.csv"
            generate.write_csv(csv_path, int(sys.argv[2]))
            row = compare_encrypted(csv_path, Path(tmp))
            print(
                f"{row['name']}: {row['seconds']:.2f} s against {row['baseline_seconds']:.2f} s "
                f"plain, ratio {row['ratio']:.2f} (target <= 1.3: {'met' if row['ok'] else 'NOT met'})"
            )
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for row in run(Path(tmp), rows=int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000):
                print(row)
