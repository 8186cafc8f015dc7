"""Read a force extract (CSV or XLSX) into text columns, untrusted.

What it copes with, and what it refuses with a message that says where:
- encodings: UTF-8 with or without BOM, Windows-1252; a file that mixes the two is refused;
- delimiters: comma, semicolon, tab, pipe (sniffed);
- a header row that is not the first (title lines above it), found by matching known column
  names, else by the first row as wide as the data below it;
- rows with the wrong number of fields, NUL bytes / binary files, cells over Excel's limit;
- XLSX read with the calamine engine; Excel dates become ISO text, whole numbers lose ".0".

Every cell comes back as text ('' when blank); typing (dates, enumerations) is the checker's job.
Large CSVs are read in chunks (``iter_chunks``) so memory stays flat.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny_app.errors import InputProblem

MAX_CELL_CHARS = 32_767  # Excel's own limit; longer cells are refused, not truncated
HEADER_SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_BLOCK = 1 << 20
# The first chunk of a CSV is small and the next ones double up to the chunk size, so that
# whoever writes the rows (while the next chunk is read) starts sooner and waits less.
FIRST_CHUNK_ROWS = 10_000


@dataclass
class SourceInfo:
    """What the reader found out about a file before parsing its rows."""

    path: Path
    kind: str  # "csv" | "xlsx"
    sha256: str
    encoding: str = "utf-8"
    delimiter: str = ","
    header_line: int = 1  # 1-based line (CSV) or row (XLSX) of the header
    columns: list[str] = field(default_factory=list)
    sheet: str = ""
    lines: int = 0  # CSV: lines in the file (for progress); 0 when not counted


@dataclass
class Table:
    """Text cells ('' for blank), columns as in the header, indexed by file line / sheet row."""

    info: SourceInfo
    frame: pd.DataFrame
    problems: list[InputProblem] = field(default_factory=list)  # rows dropped by the reader


def normalise_header(name: object) -> str:
    return re.sub(r"\s+", " ", str(name)).strip()


# --------------------------------------------------------------------------- bytes level


def scan_bytes(path: Path) -> tuple[str, str, int]:
    """SHA-256 of the file, its encoding ('utf-8-sig', 'utf-8' or 'cp1252') and its number of
    lines, in one pass.

    Raises InputProblem for binary files and for files mixing UTF-8 and Windows-1252 lines.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    saw_multibyte = False
    first = b""
    line_no = 1
    last = b""
    bad_line = None
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if not first:
                first = block[:4]
            digest.update(block)
            if b"\x00" in block:
                raise InputProblem(
                    "this is not a text (CSV) file: it holds binary data (NUL bytes)",
                    file=path.name,
                    row=line_no + block[: block.index(b"\x00")].count(b"\n"),
                )
            if utf8_ok:
                try:
                    decoder.decode(block)
                    saw_multibyte = saw_multibyte or not block.isascii()
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    bad_line = line_no + block[: exc.start].count(b"\n")
            line_no += block.count(b"\n")
            last = block[-1:]
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok, bad_line = False, line_no
    if utf8_ok:
        encoding = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
        return digest.hexdigest(), encoding, _lines(line_no, last)
    if saw_multibyte or _has_utf8_sequences(path):
        raise InputProblem(
            "the file mixes text encodings (some lines are UTF-8, others Windows-1252); "
            "open it in Excel and save it again as 'CSV UTF-8'",
            file=path.name,
            row=bad_line,
        )
    return digest.hexdigest(), "cp1252", _lines(line_no, last)


def _lines(line_no: int, last: bytes) -> int:
    """Lines in a file whose last line is number ``line_no`` and last byte ``last``."""
    return line_no - 1 if last in (b"\n", b"") else line_no


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


def _has_utf8_sequences(path: Path) -> bool:
    """True when a non-UTF-8 file still holds well-formed UTF-8 sequences (mixed encodings)."""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            # Windows-1252 text rarely has a lead byte followed by continuation bytes (e.g. "Ã©").
            if len(_UTF8_MULTIBYTE.findall(block)) >= 2:
                return True
    return False


def _decode(raw: bytes, encoding: str) -> str:
    return raw.decode(encoding, errors="strict" if encoding != "cp1252" else "replace")


# --------------------------------------------------------------------------- header detection


def sniff_delimiter(lines: list[str]) -> str:
    sample = "\n".join(lines[:HEADER_SCAN_ROWS])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: sum(line.count(d) for line in lines[:HEADER_SCAN_ROWS]) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def find_header(rows: list[list[str]], known: Iterable[str] = ()) -> int:
    """0-based index of the header among ``rows`` (the first lines of the file).

    Prefers the row matching the most ``known`` column names (at least two); otherwise the first
    row whose filled cells are as many as the widest of the rows below it (title lines above a
    table are usually one or two filled cells).
    """
    wanted = {normalise_header(k).lower() for k in known}
    if wanted:
        scores = [
            sum(1 for cell in row if normalise_header(cell).lower() in wanted) for row in rows
        ]
        best = max(range(len(rows)), key=lambda i: (scores[i], -i), default=0)
        if rows and scores[best] >= 2:
            return best
    filled = [sum(1 for cell in row if str(cell).strip()) for row in rows]
    if not filled:
        return 0
    width = max(filled)
    for i, n in enumerate(filled):
        if n >= max(2, width - 1) and all(
            str(c).strip() and not _looks_numeric(c) for c in rows[i] if str(c).strip()
        ):
            return i
    return 0


def _looks_numeric(cell: object) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", str(cell).strip()))


# --------------------------------------------------------------------------- CSV


def inspect_csv(path: Path, known: Iterable[str] = ()) -> SourceInfo:
    sha, encoding, line_count = scan_bytes(path)
    with path.open("rb") as fh:
        head = _decode(fh.read(256 * 1024), encoding)
    if not head.strip():
        raise InputProblem("the file is empty", file=path.name)
    lines = head.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = sniff_delimiter(lines)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header_index = find_header(rows, known)
    columns = [normalise_header(c) for c in rows[header_index]] if rows else []
    while columns and not columns[-1]:
        columns.pop()
    _check_columns(columns, path.name, header_index + 1)
    return SourceInfo(
        path=path,
        kind="csv",
        sha256=sha,
        encoding=encoding,
        delimiter=delimiter,
        header_line=header_index + 1,
        columns=columns,
        lines=line_count,
    )


def _check_columns(columns: list[str], name: str, line: int) -> None:
    if not columns:
        raise InputProblem("no header row found", file=name, row=line)
    blank = [i + 1 for i, c in enumerate(columns) if not c]
    if blank:
        raise InputProblem(f"the header has blank column name(s) at position(s) {blank}",
                           file=name, row=line)  # fmt: skip
    seen: set[str] = set()
    for c in columns:
        if c.lower() in seen:
            raise InputProblem(f"the header names column {c!r} twice", file=name, row=line)
        seen.add(c.lower())


@dataclass(frozen=True)
class LineSurvey:
    """What one fast pass over the lines found: lets the parser skip checks that cannot fire."""

    bad_widths: bool  # some data line has more or fewer fields than the header
    longest_line: int  # bytes; no cell can be longer
    blank_lines: bool  # blank lines among the data

    @property
    def long_cells_possible(self) -> bool:
        return self.longest_line > MAX_CELL_CHARS


def survey_lines(info: SourceInfo) -> LineSurvey:
    """Count fields per line, line lengths and blank lines in one pass (NumPy over bytes).

    pandas pads short rows silently, so truncated files would slip through without this. A file
    with quote characters (where a delimiter or a newline may sit inside a field) is checked
    with the csv module instead.
    """
    width = len(info.columns)
    delim = ord(info.delimiter)
    line = 0  # lines seen before the current block
    tail = b""
    bad = blank = False
    longest = 0
    with info.path.open("rb") as fh:
        while block := fh.read(_BLOCK * 8):
            if b'"' in block:
                return LineSurvey(_has_bad_widths_quoted(info), 1 << 62, True)
            block = tail + block
            cut = block.rfind(b"\n") + 1
            block, tail = block[:cut], block[cut:]
            b, n, e = _survey_block(block, delim, width, line, info.header_line)
            bad, longest, blank = bad or b, max(longest, n), blank or e
            line += block.count(b"\n")
    if tail.strip():
        b, n, e = _survey_block(tail + b"\n", delim, width, line, info.header_line)
        bad, longest, blank = bad or b, max(longest, n), blank or e
    return LineSurvey(bad, longest, blank)


def _survey_block(
    block: bytes, delim: int, width: int, first_line: int, header: int
) -> tuple[bool, int, bool]:
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    if not len(ends):
        return False, 0, False
    starts = np.concatenate(([0], ends[:-1] + 1))
    delims = np.flatnonzero(arr == delim)
    fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    lengths = ends - starts
    blank = lengths <= 1  # "\n" or "\r\n" alone
    data = np.arange(first_line + 1, first_line + 1 + len(ends)) > header
    return (
        bool(np.any((fields != width) & ~blank & data)),
        int(lengths.max()),
        bool(np.any(blank & data)),
    )


def _has_bad_widths_quoted(info: SourceInfo) -> bool:
    csv.field_size_limit(1 << 30)
    width = len(info.columns)
    with info.path.open(encoding=info.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter)
        for record in reader:
            if reader.line_num > info.header_line and record and len(record) != width:
                return True
    return False


def iter_csv_chunks(
    info: SourceInfo, chunk_rows: int = 100_000, survey: LineSurvey | None = None
) -> Iterator[Table]:
    """The data rows in chunks of text columns; rows of the wrong width become problems.

    ``survey`` is :func:`survey_lines` of the file when the caller has it already.
    """
    survey = survey or survey_lines(info)
    if survey.bad_widths:
        yield from _slow_csv_chunks(info, skip=0, chunk_rows=chunk_rows)
        return
    reader = pd.read_csv(
        info.path,
        sep=info.delimiter,
        encoding=info.encoding,
        encoding_errors="replace",
        header=None,
        skiprows=info.header_line,
        dtype=object,  # plain Python str cells: comparisons run in NumPy, not per cell
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,  # keeps the index equal to the file line
        chunksize=chunk_rows,
        engine="c",
        on_bad_lines="error",
        names=range(len(info.columns)),
        index_col=False,
    )
    start = 0
    size = min(chunk_rows, FIRST_CHUNK_ROWS)
    try:
        while True:
            try:
                chunk = reader.get_chunk(size)
            except StopIteration:
                break
            size = min(chunk_rows, size * 2)
            chunk.columns = info.columns
            first_line = info.header_line + 1 + start
            yield _finish_chunk(
                info,
                chunk,
                range(first_line, first_line + len(chunk)),
                blank_rows=survey.blank_lines,
                long_cells=survey.long_cells_possible,
            )
            start += len(chunk)
    except pd.errors.ParserError:
        # Some row has too many fields: re-read with the csv module to locate every such row.
        yield from _slow_csv_chunks(info, skip=start, chunk_rows=chunk_rows)


def _slow_csv_chunks(info: SourceInfo, *, skip: int, chunk_rows: int) -> Iterator[Table]:
    csv.field_size_limit(1 << 30)
    width = len(info.columns)
    with info.path.open(encoding=info.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter)
        for _ in range(info.header_line):
            next(reader, None)
        rows: list[list[str]] = []
        lines: list[int] = []
        problems: list[InputProblem] = []
        for index, record in enumerate(reader):
            line = reader.line_num
            if index >= skip:
                if len(record) != width and any(cell.strip() for cell in record):
                    problems.append(
                        InputProblem(
                            f"{len(record)} fields where the header has {width}",
                            file=info.path.name,
                            row=line,
                        )
                    )
                else:
                    rows.append((record + [""] * width)[:width])
                    lines.append(line)
            if len(rows) >= chunk_rows:
                yield _rows_table(info, rows, lines, problems)
                rows, lines, problems = [], [], []
        if rows or problems:
            yield _rows_table(info, rows, lines, problems)


def _rows_table(
    info: SourceInfo, rows: list[list[str]], lines: list[int], problems: list[InputProblem]
) -> Table:
    frame = pd.DataFrame(rows, columns=info.columns, dtype=object)
    table = _finish_chunk(info, frame, lines)
    table.problems = problems + table.problems
    return table


def _finish_chunk(
    info: SourceInfo,
    frame: pd.DataFrame,
    rows: Iterable[int],
    *,
    blank_rows: bool = True,
    long_cells: bool = True,
) -> Table:
    """Index by file row, drop blank rows, refuse (and cut) over-long cells.

    ``blank_rows`` / ``long_cells`` False skip checks a line survey has shown cannot fire.
    """
    frame.index = pd.Index(list(rows) if not isinstance(rows, range) else rows)
    if blank_rows and len(frame):
        blank = (frame == "").all(axis=1)
        if blank.any():
            frame = frame[~blank]
    problems: list[InputProblem] = []
    for column in frame.columns if long_cells else ():
        uniques = pd.unique(frame[column])
        if not len(uniques) or max(len(str(u)) for u in uniques) <= MAX_CELL_CHARS:
            continue  # the usual case, settled on the distinct values alone
        lengths = frame[column].str.len()
        for i in lengths[lengths > MAX_CELL_CHARS].index:
            problems.append(
                InputProblem(
                    f"cell of {int(lengths[i]):,} characters (the limit is {MAX_CELL_CHARS:,})",
                    file=info.path.name,
                    row=int(i),
                    column=column,
                )
            )
            frame.at[i, column] = frame.at[i, column][:MAX_CELL_CHARS]
    return Table(info, frame, problems)


# --------------------------------------------------------------------------- XLSX


def read_xlsx(path: Path, known: Iterable[str] = (), sheet: str | int = 0) -> Table:
    """Read the first (or the named) sheet with calamine, straight to Python values."""
    from python_calamine import CalamineWorkbook

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        book = CalamineWorkbook.from_path(str(path))
        data = (
            book.get_sheet_by_index(sheet)
            if isinstance(sheet, int)
            else book.get_sheet_by_name(sheet)
        ).to_python(skip_empty_area=False)  # from A1, so list index = sheet row - 1
    except Exception as exc:  # calamine raises its own error types for broken files
        raise InputProblem(f"not a readable spreadsheet ({exc})", file=path.name) from None
    raw = pd.DataFrame(data, dtype=object)
    if not raw.empty:
        empty = raw.isna() | (raw == "")
        raw = raw.loc[~empty.all(axis=1), ~empty.all(axis=0)]
    if raw.empty:
        raise InputProblem("the spreadsheet is empty", file=path.name)
    text = raw.apply(_column_text)
    head_rows = text.head(HEADER_SCAN_ROWS).values.tolist()
    header_pos = find_header(head_rows, known)
    header_row = int(raw.index[header_pos]) + 1
    columns = [normalise_header(c) for c in head_rows[header_pos]]
    keep = [i for i, c in enumerate(columns) if c]
    columns = [columns[i] for i in keep]
    _check_columns(columns, path.name, header_row)
    body = text.iloc[header_pos + 1 :, keep]
    body.columns = columns
    info = SourceInfo(
        path=path, kind="xlsx", sha256=sha, header_line=header_row, columns=columns,
        sheet=str(sheet),
    )  # fmt: skip
    return _finish_chunk(info, body, [int(r) + 1 for r in body.index])


def _column_text(column: pd.Series) -> pd.Series:
    """_cell_text for a whole column, once per distinct value."""
    codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=False)
    table = np.empty(len(uniques), dtype=object)
    table[:] = [_cell_text(u) for u in uniques]
    return pd.Series(table[codes] if len(uniques) else [], index=column.index, dtype=object)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()  # datetime / date / time from calamine
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value).strip()


# --------------------------------------------------------------------------- entry points


def kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES or not suffix:
        return "csv"
    with path.open("rb") as fh:
        magic = fh.read(4)
    return "xlsx" if magic.startswith(b"PK\x03\x04") else "csv"


def iter_tables(
    path: Path, known: Iterable[str] = (), chunk_rows: int = 100_000
) -> tuple[SourceInfo, Iterator[Table]]:
    """Inspect ``path`` and return its info plus an iterator over its data in chunks."""
    path = Path(path)
    if not path.is_file():
        raise InputProblem("no such file", file=str(path))
    if kind_of(path) == "xlsx":
        table = read_xlsx(path, known)
        return table.info, iter([table])
    info = inspect_csv(path, known)
    return info, iter_csv_chunks(info, chunk_rows)


def read_table(path: Path, known: Iterable[str] = ()) -> Table:
    """The whole file as one Table (for previews, tests and small files)."""
    info, chunks = iter_tables(Path(path), known)
    parts = list(chunks)
    frame = pd.concat([t.frame for t in parts]) if parts else pd.DataFrame(columns=info.columns)
    return Table(info, frame, [p for t in parts for p in t.problems])


def read_table_head(path: Path, known: Iterable[str] = (), rows: int = 10) -> Table:
    """The header and the first ``rows`` data rows (for a preview), without reading it all."""
    path = Path(path)
    if not path.is_file():
        raise InputProblem("no such file", file=str(path))
    if kind_of(path) == "xlsx":
        table = read_xlsx(path, known)
        table.frame = table.frame.head(rows)
        return table
    info = inspect_csv(path, known)
    chunk = next(iter_csv_chunks(info, chunk_rows=rows), None)
    frame = chunk.frame.head(rows) if chunk else pd.DataFrame(columns=info.columns)
    return Table(info, frame, chunk.problems if chunk else [])
