"""Parse the dates force extracts hold, to UTC.

Accepted, per cell: ISO 8601 with or without an offset (``2019-01-04T21:00:00+00:00``), UK text
dates, day first (``04/01/2019``, ``04/01/2019 21:00``, ``4 Jan 2019``), and Excel date serials
(``43469``, ``43469.875``). Times without an offset are UK local time (Europe/London) and are
converted to UTC; a date with no time is a calendar date, kept as midnight UTC of its day
(:mod:`scrutiny_app.domain.when`). Blank stays blank (NaT, not a problem here); anything else is a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

LOCAL_TZ = "Europe/London"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL = r"^\d{4,5}(\.\d+)?$"
_UK_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d/%m/%y",
)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(UTC timestamps, mask of cells that are filled but not a date).

    Each distinct text is parsed once: extracts repeat dates a lot, so this is much faster.
    """
    codes, uniques = pd.factorize(values.astype(str), sort=False)
    parsed, bad = _parse_unique(pd.Series(uniques, dtype=object))
    naive_utc = parsed.dt.tz_convert(None).to_numpy()  # datetime64, not Timestamp objects
    if len(naive_utc):
        naive_utc = naive_utc[codes]
    return (
        pd.Series(naive_utc, index=values.index).dt.tz_localize("UTC"),
        pd.Series(bad.to_numpy()[codes] if len(bad) else [], index=values.index, dtype=bool),
    )


def parse_distinct(texts: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct texts to (naive UTC datetime64 with NaT, mask of filled cells that are no date)."""
    parsed, bad = _parse_unique(pd.Series([str(t) for t in texts], dtype=object))
    return parsed.dt.tz_convert(None).to_numpy(), bad.to_numpy(dtype=bool)


def _parse_unique(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    # 0. The data.police.uk shape, 2019-01-04T21:00:00+00:00: one exact format, parsed in C.
    out = pd.to_datetime(values, format="%Y-%m-%dT%H:%M:%S%z", errors="coerce", utc=True)
    missing = out.isna()
    if not missing.any():
        return out, pd.Series(False, index=values.index)
    text = values.astype(object).map(lambda v: str(v).strip())
    todo = missing & (text != "")

    # 1. Other ISO 8601 forms
    iso_like = todo & text.str.match(r"^\d{4}-\d{2}-\d{2}")
    if iso_like.any():
        parsed = pd.to_datetime(text[iso_like], format="ISO8601", errors="coerce", utc=True)
        naive = ~text[iso_like].str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True)
        if naive.any():
            local = pd.to_datetime(text[iso_like][naive], format="ISO8601", errors="coerce")
            parsed[naive] = _local_to_utc(local)
        out[iso_like] = parsed
        todo &= out.isna()

    # 2. Excel serials
    serial = todo & text.str.match(_SERIAL)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        ok = days.between(1, 2_958_465)
        local = EXCEL_EPOCH + pd.to_timedelta(days[ok], unit="D")
        out[ok[ok].index] = _local_to_utc(local.dt.round("s"))
        todo &= out.isna()

    # 3. UK day-first text dates, format by format
    for fmt in _UK_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            out[hit[hit].index] = _local_to_utc(parsed[hit])
            todo &= out.isna()
    return out, todo


def _local_to_utc(local: pd.Series) -> pd.Series:
    """UK wall-clock values to UTC. A value at midnight is a date with no time, a calendar
    date: it is kept as midnight UTC of that day (see :mod:`scrutiny_app.domain.when`), never
    shifted to 23:00 the day before by British Summer Time."""
    midnight = local.dt.normalize() == local
    out = local.dt.tz_localize(
        LOCAL_TZ, ambiguous="NaT", nonexistent="shift_forward"
    ).dt.tz_convert("UTC")
    if midnight.any():
        out[midnight] = local[midnight].dt.tz_localize("UTC")
    return out
