"""The shared server's figures, on a PostgreSQL server this benchmark starts (durable: fsync
on, as an office server runs):

- **Import**: the app's import of the big CSV against a floor measured in the same run:
  ``pandas.read_csv`` of the file plus ``COPY`` of the same rows into a bare table of text
  columns, in one transaction. Three interleaved runs (floor, app, floor, app, ...); the
  ratio is the median of the three pairs' ratios. Each run in a fresh process.
- **The case list** over the imported rows: open, scroll to the end, sort (the SQLite
  targets).
- **Seats at once** (seats_bench): ten members' processes recording 200 views each on one
  meeting while the officer reveals and decides.

``python -m benchmarks.pg_bench [ROWS]`` runs them alone (``make bench-server``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks import case_list_bench, generate, seats_bench
from benchmarks.import_bench import _peak_rss_mb, median_pair
from scrutiny_app.storage.scratch_server import ScratchServer

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def floor(path: Path, url: str) -> dict:
    import psycopg

    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bare")
        cols = ", ".join(f"c{i} text" for i in range(len(frame.columns)))
        cur.execute(f"CREATE TABLE bare ({cols})")  # type: ignore[arg-type]
        with cur.copy("COPY bare FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row(row)
        conn.commit()
    return {
        "seconds": time.perf_counter() - start,
        "rows": len(frame),
        "peak_rss_mb": _peak_rss_mb(),
    }


def app_import(path: Path, url: str) -> dict:
    import datetime as dt

    from scrutiny_app.services import importer, panels
    from scrutiny_app.storage import Database

    with Database.open(url) as db:
        pid = panels.create_panel(db, "stop_search", "Bench panel", code="SOPP")
        mid = panels.create_meeting(db, pid, dt.date(2026, 1, 1), "bench")
        start = time.perf_counter()
        result = importer.import_file(db, mid, path)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.rows_imported, "peak_rss_mb": _peak_rss_mb()}


def _measure(kind: str, path: Path, url: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.pg_bench", kind, str(path), url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_import(server: ScratchServer, path: Path, runs: int = 3) -> tuple[dict, str]:
    """Interleaved floor/app pairs; the app's last database is kept for the case list."""
    pairs = []
    url = ""
    for i in range(runs):
        server.drop_database("floor")
        floor_url = server.create_database("floor").render_as_string(hide_password=False)
        server.drop_database("app")
        url = server.create_database("app").render_as_string(hide_password=False)
        fl = _measure("floor", path, floor_url)
        app = _measure("import", path, url)
        pairs.append((fl, app))
        print(
            f"  run {i + 1}: floor {fl['seconds']:.2f} s, app {app['seconds']:.2f} s",
            file=sys.stderr,
        )
    fl, app, median, ratios = median_pair(pairs)
    return {
        "name": f"PostgreSQL: import CSV {app['rows']:,} rows",
        "seconds": app["seconds"],
        "baseline_seconds": fl["seconds"],
        "ratio": median,
        "ratios": ratios,
        "rows_per_second": app["rows"] / app["seconds"],
        "peak_rss_mb": app["peak_rss_mb"],
        "target": "ratio to COPY <= 1.3 (median of 3)",
        "ok": median <= 1.3,
    }, url


def run(workdir: Path, rows: int = 1_000_000) -> list[dict]:
    csv_path = workdir / f"stop-search-{rows}.csv"
    if not csv_path.exists():
        generate.write_csv(csv_path, rows)
    with ScratchServer(settings=DURABLE) as server:
        row, url = compare_import(server, csv_path)
        out = [row]
        out += case_list_bench.run(url, rows, label="PostgreSQL: ")
        out += seats_bench.run(server)
    return out


if __name__ == "__main__":
    if len(sys.argv) == 4:
        kind, path, url = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
        print(json.dumps(floor(path, url) if kind == "floor" else app_import(path, url)))
    else:
        from benchmarks.__main__ import print_table

        n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
        with tempfile.TemporaryDirectory() as tmp:
            print_table(run(Path(tmp), n))
