"""How big a file the import takes, and how much of a cell a message quotes.

A force extract is untrusted: a spreadsheet can be a zip bomb (a few MB that unpack to
gigabytes), a CSV can be one endless line. The reader checks these limits before the expensive
work (pandas, calamine) starts and refuses the file with one message that names the file and
the limit, in seconds and without holding the file in memory.

The defaults fit a year of a big force's extracts with room to spare (a year of data.police.uk
stop and search for the largest force is well under a million rows of 15 columns). Another
setting can be given in the environment, read when a file is opened, e.g.
``SCRUTINY_IMPORT_LIMITS="max_rows=10000000,max_columns=1000"`` (names as in :class:`Limits`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from scrutiny_app.errors import UserError

ENV = "SCRUTINY_IMPORT_LIMITS"
QUOTE_CHARS = 80  # a message quotes at most this much of a cell


@dataclass(frozen=True)
class Limits:
    """The largest file the reader accepts (see the module docstring)."""

    max_rows: int = 5_000_000  # data rows (CSV records, sheet rows)
    max_columns: int = 500  # columns in the header (and a sheet's width)
    max_cell_chars: int = 32_767  # Excel's own limit; a longer cell is a problem of its row
    max_line_bytes: int = 1 << 20  # CSV: one line (1 MiB); also a quoted field's characters
    max_unpacked_bytes: int = 2 << 30  # XLSX: all its parts unpacked (2 GiB)
    max_ratio: int = 100  # XLSX: unpacked / packed size of one part (real sheets: 5-20) ...
    ratio_from_bytes: int = 10 << 20  # ... checked for parts over 10 MiB unpacked
    max_sheet_cells: int = 30_000_000  # XLSX: the sheet's range from A1, rows x columns

    @classmethod
    def parse(cls, text: str) -> Limits:
        """Limits from ``"name=value,name=value"``; the other limits keep their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in names:
                raise UserError(
                    f"{ENV}: unknown limit {name!r} (known: {', '.join(sorted(names))})"
                )
            try:
                number = int(value.strip().replace("_", ""))
            except ValueError:
                number = 0
            if number <= 0:
                raise UserError(f"{ENV}: {name} must be a whole number above 0, not {value!r}")
            values[name] = number
        return cls(**values)


DEFAULT = Limits()


def current() -> Limits:
    """The limits in force: :data:`DEFAULT`, or the environment's setting (see above)."""
    text = os.environ.get(ENV, "").strip()
    return Limits.parse(text) if text else DEFAULT


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """``repr`` of a cell for a message, cut at ``limit`` characters with an ellipsis (and
    its full length), so that a 10,000-character cell does not fill the screen."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit] + '…'!r} ({len(text):,} characters)"
