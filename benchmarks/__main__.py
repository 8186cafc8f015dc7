"""``make bench``: every benchmark, a table for people, the same figures in bench-results.json.

Each figure is measured in this run next to its baseline (a floor measured on the same machine
in the same run) or against the issue's absolute target.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import case_list_bench, import_bench, merge_bench, pg_bench, start_bench


def _report_bench(workdir: Path) -> list[dict]:
    try:
        from benchmarks import report_bench
    except ImportError:
        return []
    return report_bench.run(workdir)


def print_table(rows: list[dict]) -> None:
    print(f"{'benchmark':<44} {'seconds':>9} {'baseline':>9} {'ratio':>6}  {'target':<34} ok")
    for r in rows:
        base = r.get("baseline_seconds")
        ratio = r.get("ratio")
        print(
            f"{r['name']:<44} {r['seconds']:>9.3f} "
            f"{(f'{base:.3f}' if base is not None else '-'):>9} "
            f"{(f'{ratio:.2f}' if ratio is not None else '-'):>6}  {r['target']:<34} "
            f"{'yes' if r['ok'] else 'NO'}"
        )
        shown = ("rows_per_second", "peak_rss_mb", "views_per_second", "p50_ms", "p95_ms",
                 "baseline_p95_ms", "errors", "lost_writes")  # fmt: skip
        extra = {k: v for k, v in r.items() if k in shown}
        if extra:
            print(" " * 46 + ", ".join(f"{k} {v:,.0f}" for k, v in extra.items()))
        if r.get("ratios"):
            print(" " * 46 + "ratios of the runs: " + ", ".join(f"{x:.2f}" for x in r["ratios"]))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big CSV")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--workdir", type=Path, help="keep generated files here (default: temp)")
    args = parser.parse_args()
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = start_bench.run(work)
        rows += merge_bench.run(work)
        rows += import_bench.run(work, rows=args.rows, xlsx_rows=args.xlsx_rows)
        big = import_bench.app_db(work / f"stop-search-{args.rows}.csv", work)
        rows += case_list_bench.run(big, args.rows)
        rows += _report_bench(work)
        rows += pg_bench.run(work, rows=args.rows)  # a PostgreSQL server of its own
    print_table(rows)
    args.out.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.platform(),
                "seconds_total": round(time.time() - started, 1),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
