"""Generate large data.police.uk-format stop-and-search files from the real files' values.

Each column is drawn from its empirical distribution in the four real Avon and Somerset files
(tests/data), so blanks, old and new wordings and ethnicity labels appear as often as they do
there; dates are spread over a year. Deterministic for a given size and seed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parents[1] / "tests" / "data"


def real_rows() -> pd.DataFrame:
    files = sorted(DATA.glob("*-stop-and-search.csv"))
    return pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True
    )


def generate_frame(n: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    real = real_rows()
    out = {}
    for column in real.columns:
        values = real[column].to_numpy()
        out[column] = values[rng.integers(0, len(values), n)]
    seconds = rng.integers(0, 365 * 24 * 3600, n)
    stamps = pd.Timestamp("2025-01-01") + pd.to_timedelta(seconds, unit="s")
    out["Date"] = stamps.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return pd.DataFrame(out, columns=real.columns)


def write_csv(path: Path, n: int, seed: int = 2026) -> Path:
    generate_frame(n, seed).to_csv(path, index=False)
    return path


def write_xlsx(path: Path, n: int, seed: int = 2026) -> Path:
    generate_frame(n, seed).to_excel(path, index=False, engine="openpyxl")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    writer = write_xlsx if args.out.suffix == ".xlsx" else write_csv
    writer(args.out, args.rows, args.seed)
    print(f"wrote {args.rows:,} rows to {args.out}")
