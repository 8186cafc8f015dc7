"""The date rule: what a date with no time means, and how every date is shown.

- A date with **no time** (``20/10/2025``, ``14.10.2025``, an Excel date cell, an Excel serial
  with no fraction) is a **calendar date**, not an instant: it is stored as midnight UTC of
  that day, so it keeps its day whatever the clocks do.
- A true **timestamp** (with a time, or an offset) is stored as the UTC instant it names;
  a local time with no offset is UK time (Europe/London).
- Everything a person sees is **UK local time**: a timestamp is shown in Europe/London (its
  day is the UK day), a stored midnight UTC is shown as the date alone.

One consequence, accepted: a real timestamp at exactly midnight UTC is shown without its time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_MIDNIGHT = dt.time(0, 0)


def as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def is_date_only(value: dt.datetime) -> bool:
    """A stored value that is a calendar date (midnight UTC), not an instant."""
    return as_utc(value).timetz().replace(tzinfo=None) == _MIDNIGHT


def calendar_date(value: dt.datetime | dt.date) -> dt.date:
    """The UK day of a stored value: its own date if date-only, else its Europe/London date."""
    if not isinstance(value, dt.datetime):
        return value
    utc = as_utc(value)
    return utc.date() if is_date_only(utc) else utc.astimezone(LONDON).date()


def local_time(value: dt.datetime) -> dt.time | None:
    """The UK wall-clock time of a stored timestamp; None for a date-only value."""
    utc = as_utc(value)
    return None if is_date_only(utc) else utc.astimezone(LONDON).time()


def show_when(value: dt.datetime | dt.date | None) -> str:
    """'20 Oct 2025', or '4 Jan 2019 21:00' for a timestamp (UK time)."""
    if value is None:
        return ""
    day = calendar_date(value)
    text = f"{day.day} {day:%b %Y}"
    if isinstance(value, dt.datetime):
        time = local_time(value)
        if time is not None:
            text += f" {time:%H:%M}"
    return text


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds [start, end) holding every stored value whose UK day is in first..last.

    The UK days' own bounds do it for both kinds: UK time is never behind UTC, so midnight
    UTC of a day (a date-only value) falls inside that UK day, never in the one before.
    """
    start = dt.datetime.combine(first, _MIDNIGHT, tzinfo=LONDON)
    end = dt.datetime.combine(last + dt.timedelta(days=1), _MIDNIGHT, tzinfo=LONDON)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
