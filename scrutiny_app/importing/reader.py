"""Read a force extract (CSV or XLSX) into text columns, untrusted.

What it copes with, and what it refuses with a message that says where:
- encodings: UTF-8 with or without BOM, Windows-1252, UTF-16 (BOM, or ASCII text without one);
  a file that mixes UTF-8 and Windows-1252 is refused;
- delimiters: comma, semicolon, tab, pipe (sniffed);
- a header row that is not the first (title lines above it), found by matching known column
  names, else by the first row as wide as the data below it;
- rows with the wrong number of fields, a quoted field that is never closed (named at the row
  where it opens), NUL bytes / binary files, cells over Excel's limit;
- XLSX read with the calamine engine; Excel dates become ISO text, whole numbers lose ".0";
- hostile files: the limits of :mod:`scrutiny_app.importing.limits` (rows, columns, line
  length, an archive's unpacked size and compression ratio, a sheet's range) are checked before
  pandas or calamine get the file, so a zip bomb or an endless line is refused in seconds.

Every cell comes back as text ('' when blank); typing (dates, enumerations) is the checker's job.
Large CSVs are read in chunks (``iter_chunks``) so memory stays flat.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny_app.errors import InputProblem
from scrutiny_app.importing.limits import DEFAULT, Limits, current, quoted

MAX_CELL_CHARS = DEFAULT.max_cell_chars  # Excel's own limit (see Limits.max_cell_chars)
HEADER_SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_BLOCK = 1 << 20
# The first chunk of a CSV is small and the next ones double up to the chunk size, so that
# whoever writes the rows (while the next chunk is read) starts sooner and waits less.
FIRST_CHUNK_ROWS = 10_000
# A chunk holds at most about this many bytes of lines (fewer rows when lines are long).
CHUNK_BYTES = 64 << 20


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
    limits: Limits = DEFAULT  # what the reader accepts (travels to the reading process)


@dataclass
class Table:
    """Text cells ('' for blank), columns as in the header, indexed by file line / sheet row."""

    info: SourceInfo
    frame: pd.DataFrame
    problems: list[InputProblem] = field(default_factory=list)  # rows dropped by the reader


def normalise_header(name: object) -> str:
    return re.sub(r"\s+", " ", str(name)).strip()


# --------------------------------------------------------------------------- bytes level


def scan_bytes(path: Path, limits: Limits = DEFAULT) -> tuple[str, str, int]:
    """SHA-256 of the file, its encoding ('utf-8-sig', 'utf-8', 'cp1252' or a UTF-16 codec)
    and its number of lines, in one pass.

    Raises InputProblem for binary files, files mixing UTF-8 and Windows-1252 lines, broken
    UTF-16 and lines longer than ``limits.max_line_bytes`` (as soon as it sees one: a 2 GB
    file that is one line is refused after reading about 1 MB of it).
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    saw_multibyte = False
    line_no = 1
    last = b""
    bad_line = None
    run = 0  # bytes of the current line seen so far
    # Blocks no longer than a line may be: a line over the limit then always spans blocks, so
    # checking where lines cross block ends is enough.
    size = min(_BLOCK, limits.max_line_bytes)
    with path.open("rb") as fh:
        first = fh.read(4096)
        fh.seek(0)
        utf16 = _utf16_codec(first)
        transcode = codecs.getincrementaldecoder(utf16)() if utf16 else None
        if transcode is not None:
            size = max(2, size // 2)  # UTF-8 is at most 1.5 times the UTF-16 bytes
        while raw := fh.read(size):
            digest.update(raw)
            block = raw
            if transcode is not None:
                try:
                    block = transcode.decode(raw).encode("utf-8")
                except UnicodeDecodeError:
                    raise InputProblem(
                        "the file starts as UTF-16 text but is not valid UTF-16 here; "
                        "save it again as 'CSV UTF-8'",
                        file=path.name,
                        row=line_no,
                    ) from None
            if b"\x00" in block:
                raise InputProblem(
                    "this is not a text (CSV) file: it holds binary data (NUL bytes)",
                    file=path.name,
                    row=line_no + block[: block.index(b"\x00")].count(b"\n"),
                )
            if utf8_ok and transcode is None:
                try:
                    decoder.decode(block)
                    saw_multibyte = saw_multibyte or not block.isascii()
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    bad_line = line_no + block[: exc.start].count(b"\n")
            run = _check_line_run(block, run, limits.max_line_bytes, path.name, line_no)
            line_no += block.count(b"\n")
            last = block[-1:] or last
        if transcode is not None:
            try:
                transcode.decode(b"", final=True)
            except UnicodeDecodeError:
                raise InputProblem(
                    "the file ends in the middle of a UTF-16 character (cut short?)",
                    file=path.name,
                    row=line_no,
                ) from None
            return digest.hexdigest(), utf16 or "", _lines(line_no, last)
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


def _check_line_run(block: bytes, run: int, limit: int, name: str, line_no: int) -> int:
    """The bytes of the line still open at the end of ``block``, given ``run`` bytes of it
    before the block; refuses a line longer than ``limit``. A line ends at LF or CR."""
    nl = block.find(b"\n")
    cr = block.find(b"\r", 0, nl if nl >= 0 else len(block))
    first = cr if cr >= 0 else nl
    if first >= 0:
        if run + first > limit:
            raise _long_line(name, line_no, limit)
        last_nl = block.rfind(b"\n")
        run = len(block) - max(last_nl, block.rfind(b"\r", last_nl + 1)) - 1
    else:
        run += len(block)
    if run > limit:
        raise _long_line(name, line_no + block.count(b"\n"), limit)
    return run


def _long_line(name: str, line: int, limit: int) -> InputProblem:
    return InputProblem(
        f"a line longer than {limit:,} bytes, the limit for one line of a CSV file "
        "(max_line_bytes): this is not a table of cases; nothing was read",
        file=name,
        row=line,
    )


def _utf16_codec(head: bytes) -> str | None:
    """'utf-16' when ``head`` (the file's start) has a UTF-16 byte order mark; 'utf-16-le' or
    'utf-16-be' when every other byte is NUL (mostly-ASCII text saved as UTF-16 without one);
    else None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[: len(head) // 2 * 2]
    even, odd = sample[0::2], sample[1::2]
    n = len(even)
    if n < 2:
        return None
    for nul, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nul.count(0) * 10 >= n * 9 and other.count(0) * 100 <= n:
            return codec
    return None


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


def _head_text(path: Path, encoding: str, size: int = 256 * 1024) -> str:
    """The text of the file's first ``size`` bytes (a character cut at the end is left out)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    with path.open("rb") as fh:
        return codecs.getincrementaldecoder(encoding)(errors).decode(fh.read(size))


def _ascii_blocks(info: SourceInfo, size: int) -> Iterator[bytes]:
    """The file in blocks in which delimiters, quotes and newlines are single ASCII bytes: the
    bytes themselves, or (UTF-16) the text as UTF-8."""
    with info.path.open("rb") as fh:
        if not info.encoding.startswith("utf-16"):
            while block := fh.read(size):
                yield block
            return
        decoder = codecs.getincrementaldecoder(info.encoding)("replace")
        while raw := fh.read(size):
            yield decoder.decode(raw).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")


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


def inspect_csv(path: Path, known: Iterable[str] = (), limits: Limits | None = None) -> SourceInfo:
    limits = limits or current()
    sha, encoding, line_count = scan_bytes(path, limits)
    head = _head_text(path, encoding)
    if not head.strip():
        raise InputProblem("the file is empty", file=path.name)
    lines = head.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = sniff_delimiter(lines)
    _csv_field_limit(limits)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header_index = find_header(rows, known)
    columns = [normalise_header(c) for c in rows[header_index]] if rows else []
    while columns and not columns[-1]:
        columns.pop()
    _check_columns(columns, path.name, header_index + 1, limits)
    return SourceInfo(
        path=path,
        kind="csv",
        sha256=sha,
        encoding=encoding,
        delimiter=delimiter,
        header_line=header_index + 1,
        columns=columns,
        lines=line_count,
        limits=limits,
    )


def _check_columns(columns: list[str], name: str, line: int, limits: Limits) -> None:
    if not columns:
        raise InputProblem("no header row found", file=name, row=line)
    if len(columns) > limits.max_columns:
        raise InputProblem(
            f"the header has {len(columns):,} columns; the limit is {limits.max_columns:,} "
            "(max_columns)",
            file=name,
            row=line,
        )
    blank = [i + 1 for i, c in enumerate(columns) if not c]
    if blank:
        raise InputProblem(f"the header has blank column name(s) at position(s) {blank}",
                           file=name, row=line)  # fmt: skip
    seen: set[str] = set()
    for c in columns:
        if c.lower() in seen:
            raise InputProblem(f"the header names column {quoted(c)} twice", file=name, row=line)
        seen.add(c.lower())


def _csv_field_limit(limits: Limits) -> None:
    """Let the csv module read fields as long as a line may be (never below its default)."""
    csv.field_size_limit(max(limits.max_line_bytes, 1 << 17))


def _too_many_rows(info: SourceInfo, rows: int) -> InputProblem:
    return InputProblem(
        f"more than {info.limits.max_rows:,} data rows (found {rows:,} so far); the limit is "
        f"{info.limits.max_rows:,} rows (max_rows): split the file",
        file=info.path.name,
    )


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
    """Count fields per line, line lengths, blank lines and data rows in one pass (NumPy over
    bytes); refuses more rows than ``info.limits`` allow.

    pandas pads short rows silently, so truncated files would slip through without this. A file
    with quote characters (where a delimiter or a newline may sit inside a field) is checked
    with the csv module instead.
    """
    width = len(info.columns)
    delim = ord(info.delimiter)
    limit = info.limits.max_line_bytes
    line = 0  # lines seen before the current block
    tail = b""
    bad = blank = False
    longest = rows = 0
    for block in _ascii_blocks(info, _BLOCK * 8):
        if b'"' in block:
            return LineSurvey(_needs_csv_module(info), 1 << 62, True)
        block = tail + block
        cut = block.rfind(b"\n") + 1
        block, tail = block[:cut], block[cut:]
        if len(tail) > limit:  # scan_bytes refuses these first; never hold an endless line
            raise _long_line(info.path.name, line + block.count(b"\n") + 1, limit)
        b, n, e, r = _survey_block(block, delim, width, line, info.header_line)
        bad, longest, blank, rows = bad or b, max(longest, n), blank or e, rows + r
        if rows > info.limits.max_rows:
            raise _too_many_rows(info, rows)
        line += block.count(b"\n")
    if tail.strip():
        b, n, e, r = _survey_block(tail + b"\n", delim, width, line, info.header_line)
        bad, longest, blank, rows = bad or b, max(longest, n), blank or e, rows + r
        if rows > info.limits.max_rows:
            raise _too_many_rows(info, rows)
    return LineSurvey(bad, longest, blank)


def _survey_block(
    block: bytes, delim: int, width: int, first_line: int, header: int
) -> tuple[bool, int, bool, int]:
    """(wrong widths, longest line, blank lines, data rows) of the whole lines in ``block``."""
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    if not len(ends):
        return False, 0, False, 0
    starts = np.concatenate(([0], ends[:-1] + 1))
    delims = np.flatnonzero(arr == delim)
    fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    lengths = ends - starts
    blank = lengths <= 1  # "\n" or "\r\n" alone
    data = np.arange(first_line + 1, first_line + 1 + len(ends)) > header
    filled = ~blank & data
    return (
        bool(np.any((fields != width) & filled)),
        int(lengths.max()),
        bool(np.any(blank & data)),
        int(np.count_nonzero(filled)),
    )


def _needs_csv_module(info: SourceInfo) -> bool:
    """Whether a file with quotes must be parsed by the csv module (rows of the wrong width, a
    quote never closed); checks the row and field limits on the way."""
    width = len(info.columns)
    for fields, _start, _end, unclosed in _records(info):
        if unclosed or (len(fields) != width and _filled(fields)):
            return True
    return False


def _filled(fields: list[str]) -> bool:
    return any(cell.strip() for cell in fields)


def _quote_line(fields: list[str], start: int) -> int:
    """The line where a record's first field holding a line break starts (its quote opens)."""
    line = start
    for cell in fields:
        if "\n" in cell or "\r" in cell:
            return line
        line += cell.count("\n") + cell.count("\r") - cell.count("\r\n")
    return start


_END = "\x00"  # a line after the file's last: no text holds NUL (scan_bytes refuses it)
_END_RECORD = [_END]


def _records(info: SourceInfo) -> Iterator[tuple[list[str], int, int, bool]]:
    """The records after the header, read with the csv module: (fields, first line, last
    line, unclosed), the last line later than the first when a quoted field holds line breaks.

    ``unclosed``: a quoted field runs to the end of the file (its quote is never closed). A
    field longer than a line may be, or more rows than the limit, are refused here.
    """
    limits = info.limits
    _csv_field_limit(limits)
    with info.path.open(encoding=info.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(chain(fh, [_END]), delimiter=info.delimiter)
        end = rows = 0
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                message = f"the file cannot be read as CSV from this row on ({exc})"
                if "field limit" in str(exc):
                    message = (
                        f"a field runs on past {limits.max_line_bytes:,} characters (the "
                        "limit for a line, max_line_bytes): a quoted field that opens on this "
                        "row is probably never closed"
                    )
                raise InputProblem(message, file=info.path.name, row=start) from None
            end = reader.line_num
            unclosed = False
            if end != start:  # only a record over several lines can have swallowed ours
                unclosed = bool(fields) and fields[-1].endswith(_END)
                if unclosed:
                    fields[-1] = fields[-1][: -len(_END)]
                    end -= 1  # the last line was ours
            elif fields == _END_RECORD:
                return
            if end <= info.header_line:
                continue
            if fields:
                rows += 1
                if rows > limits.max_rows:
                    raise _too_many_rows(info, rows)
            yield fields, start, end, unclosed


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
    if survey.longest_line < 1 << 62:  # long lines: fewer rows a chunk, same bytes at most
        chunk_rows = max(1, min(chunk_rows, CHUNK_BYTES // max(survey.longest_line, 1)))
    read = partial(
        pd.read_csv,
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
        reader = read()  # parses the first rows already
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
                long_cells=survey.longest_line > info.limits.max_cell_chars,
            )
            start += len(chunk)
    except pd.errors.ParserError:
        # Some row has too many fields, or a quote is never closed: re-read with the csv
        # module to locate every such row.
        yield from _slow_csv_chunks(info, skip=start, chunk_rows=chunk_rows)


def _slow_csv_chunks(info: SourceInfo, *, skip: int, chunk_rows: int) -> Iterator[Table]:
    width = len(info.columns)
    name = info.path.name
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[InputProblem] = []
    for index, (fields, start, end, unclosed) in enumerate(_records(info)):
        if index < skip:
            continue
        if unclosed:
            problems.append(
                InputProblem(
                    "a quoted field opens on this row and is never closed: the rest of the "
                    f'file (to row {end}) is inside it; add the closing quote (")',
                    file=name,
                    row=_quote_line(fields, start),
                )
            )
        elif len(fields) != width and _filled(fields):
            message = f"{len(fields)} fields where the header has {width}"
            if end > start:
                message += (
                    f"; a quoted field opens on this row and runs to row {end}: "
                    "is its closing quote missing?"
                )
            problems.append(InputProblem(message, file=name, row=_quote_line(fields, start)))
        else:
            rows.append((fields + [""] * width)[:width])
            lines.append(start)
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
    limit = info.limits.max_cell_chars
    for column in frame.columns if long_cells else ():
        uniques = pd.unique(frame[column])
        if not len(uniques) or max(len(str(u)) for u in uniques) <= limit:
            continue  # the usual case, settled on the distinct values alone
        lengths = frame[column].str.len()
        for i in lengths[lengths > limit].index:
            problems.append(
                InputProblem(
                    f"cell of {int(lengths[i]):,} characters (the limit is {limit:,})",
                    file=info.path.name,
                    row=int(i),
                    column=column,
                )
            )
            frame.at[i, column] = frame.at[i, column][:limit]
    return Table(info, frame, problems)


# --------------------------------------------------------------------------- XLSX


def read_xlsx(
    path: Path, known: Iterable[str] = (), sheet: str | int = 0, limits: Limits | None = None
) -> Table:
    """Read the first (or the named) sheet with calamine, straight to Python values.

    A zip archive (XLSX, ODS) is checked first (see :func:`check_archive`): calamine unpacks
    the sheet whole and holds its range densely, so the limits must hold before it starts.
    """
    from python_calamine import CalamineWorkbook

    limits = limits or current()
    with path.open("rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    if path.suffix.lower() in _ZIP_SUFFIXES or zipfile.is_zipfile(path):
        check_archive(path, limits, sheet)
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
    _check_columns(columns, path.name, header_row, limits)
    body = text.iloc[header_pos + 1 :, keep]
    body.columns = columns
    info = SourceInfo(
        path=path, kind="xlsx", sha256=sha, header_line=header_row, columns=columns,
        sheet=str(sheet), limits=limits,
    )  # fmt: skip
    if len(body) > limits.max_rows:
        raise _too_many_rows(info, len(body))
    return _finish_chunk(info, body, [int(r) + 1 for r in body.index])


_ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
# A sheet whose range (from A1) is bigger than this and than 4 cells per byte of its XML is
# mostly empty space, which calamine would still allocate cell by cell (about 32 bytes each).
_SPARSE_FLOOR_CELLS = 1_000_000
_CELLS_PER_XML_BYTE = 4
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']{1,40})[\"']")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s[^>]*>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>")
_ATTRIBUTE = re.compile(rb"([\w.:-]+)\s*=\s*([\"'])(.*?)\2", re.S)


def check_archive(path: Path, limits: Limits = DEFAULT, sheet: str | int = 0) -> None:
    """Refuse a spreadsheet archive before anything is unpacked when it is not a zip, when it
    would unpack to more than ``limits.max_unpacked_bytes``, when one of its parts is packed
    more than ``limits.max_ratio`` times (a zip bomb), or when its sheet declares a range
    beyond the row, column or cell limits. Sizes and ranges are as the archive declares them;
    the zip reader stops at a part's declared size, calamine too (a longer part is an error)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
            total = sum(p.file_size for p in parts)
            if total > limits.max_unpacked_bytes:
                raise InputProblem(
                    f"the spreadsheet would unpack to {total:,} bytes; the limit is "
                    f"{limits.max_unpacked_bytes:,} bytes (max_unpacked_bytes): refused before "
                    "unpacking",
                    file=name,
                )
            for part in parts:
                packed = max(part.compress_size, 1)
                if part.file_size > limits.ratio_from_bytes and (
                    part.file_size > limits.max_ratio * packed
                ):
                    raise InputProblem(
                        f"part {quoted(part.filename)} of the spreadsheet would unpack "
                        f"{part.file_size / packed:,.0f} times over ({packed:,} bytes to "
                        f"{part.file_size:,}); real spreadsheets unpack 5 to 20 times and the "
                        f"limit is {limits.max_ratio} times (max_ratio): this looks like a zip "
                        "bomb, not an extract; refused before unpacking",
                        file=name,
                    )
            for member in _sheet_members(zf, sheet):
                _check_dimension(zf, zf.getinfo(member), name, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise InputProblem(
            f"not a readable spreadsheet: it is not a valid XLSX (zip) archive ({exc})", file=name
        ) from None


def _sheet_members(zf: zipfile.ZipFile, sheet: str | int) -> list[str]:
    """The archive member of the XLSX sheet calamine will read (every worksheet when the
    workbook does not say clearly; none for other archives, e.g. ODS)."""
    names = set(zf.namelist())
    every = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
    try:
        workbook = _attribute_sets(_head(zf, "xl/workbook.xml"), _SHEET_TAG)
        rels = _attribute_sets(_head(zf, "xl/_rels/workbook.xml.rels"), _RELATIONSHIP_TAG)
    except (KeyError, OSError, RuntimeError, NotImplementedError, zipfile.BadZipFile, EOFError):
        return every
    chosen = (
        workbook[sheet] if isinstance(sheet, int) and 0 <= sheet < len(workbook) else None
    ) or next((s for s in workbook if s.get("name") == sheet), None)
    target = next(
        (r.get("Target", "") for r in rels if chosen and r.get("Id") == chosen.get("id")), ""
    )
    member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return [member] if target and member in names else every


def _head(zf: zipfile.ZipFile, member: str, size: int = 1 << 20) -> bytes:
    with zf.open(member) as fh:
        return fh.read(size)


def _attribute_sets(xml: bytes, tag: re.Pattern[bytes]) -> list[dict[str, str]]:
    """The attributes (local names) of each ``tag`` element in ``xml``."""
    return [
        {
            key.decode("ascii", "replace").rpartition(":")[2]: value.decode("utf-8", "replace")
            for key, _quote, value in _ATTRIBUTE.findall(element)
        }
        for element in tag.findall(xml)
    ]


def _check_dimension(zf: zipfile.ZipFile, part: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    """Refuse a sheet whose declared range (its ``<dimension ref="A1:O100001">``) is beyond the
    limits, or far bigger than its content: calamine allocates the whole range from A1."""
    try:
        found = _DIMENSION.search(_head(zf, part.filename, 64 << 10))
    except (OSError, RuntimeError, NotImplementedError, zipfile.BadZipFile, EOFError):
        return  # calamine will say what is wrong with it
    ref = found.group(1).decode("ascii", "replace") if found else ""
    end = _CELL_REF.fullmatch(ref.rpartition(":")[2].strip())
    if end is None:
        return
    rows, columns = int(end.group(2)), _column_number(end.group(1))
    cells = rows * columns
    sheet = f"the sheet's range ({ref})"
    if columns > limits.max_columns:
        message = (
            f"{sheet} is {columns:,} columns wide; the limit is {limits.max_columns:,} "
            "columns (max_columns)"
        )
    elif rows > limits.max_rows + 1:
        message = f"{sheet} has {rows:,} rows; the limit is {limits.max_rows:,} rows (max_rows)"
    elif cells > limits.max_sheet_cells:
        message = (
            f"{sheet} is {cells:,} cells ({rows:,} rows by {columns:,} columns); the limit is "
            f"{limits.max_sheet_cells:,} cells (max_sheet_cells)"
        )
    elif cells > max(_SPARSE_FLOOR_CELLS, _CELLS_PER_XML_BYTE * part.file_size):
        message = (
            f"{sheet} is {cells:,} cells but the sheet holds only {part.file_size:,} bytes: "
            "reading that much empty space would take gigabytes of memory; this looks built to "
            "exhaust memory, not an extract"
        )
    else:
        return
    raise InputProblem(message + "; refused before unpacking", file=name)


def _column_number(letters: str) -> int:
    """1 for A, 27 for AA, 16,384 for XFD."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


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


def require_file(path: Path) -> None:
    """Refuse a path that is not a file the reader can open, saying what it is instead."""
    if path.is_dir():
        raise InputProblem(
            "this is a folder, not a file: choose the extract (CSV or XLSX) inside it",
            file=str(path),
        )
    if not path.exists():
        raise InputProblem("no such file", file=str(path))
    if not path.is_file():
        raise InputProblem(
            "this is not a regular file (a device or a pipe?): choose a CSV or XLSX file",
            file=str(path),
        )


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
    path: Path, known: Iterable[str] = (), chunk_rows: int = 100_000, limits: Limits | None = None
) -> tuple[SourceInfo, Iterator[Table]]:
    """Inspect ``path`` and return its info plus an iterator over its data in chunks."""
    path = Path(path)
    require_file(path)
    if kind_of(path) == "xlsx":
        table = read_xlsx(path, known, limits=limits)
        return table.info, iter([table])
    info = inspect_csv(path, known, limits)
    return info, iter_csv_chunks(info, chunk_rows)


def read_table(path: Path, known: Iterable[str] = (), limits: Limits | None = None) -> Table:
    """The whole file as one Table (for previews, tests and small files)."""
    info, chunks = iter_tables(Path(path), known, limits=limits)
    parts = list(chunks)
    frame = pd.concat([t.frame for t in parts]) if parts else pd.DataFrame(columns=info.columns)
    return Table(info, frame, [p for t in parts for p in t.problems])


def read_table_head(
    path: Path, known: Iterable[str] = (), rows: int = 10, limits: Limits | None = None
) -> Table:
    """The header and the first ``rows`` data rows (for a preview), without reading it all."""
    path = Path(path)
    require_file(path)
    if kind_of(path) == "xlsx":
        table = read_xlsx(path, known, limits=limits)
        table.frame = table.frame.head(rows)
        return table
    info = inspect_csv(path, known, limits)
    chunk = next(iter_csv_chunks(info, chunk_rows=rows), None)
    frame = chunk.frame.head(rows) if chunk else pd.DataFrame(columns=info.columns)
    return Table(info, frame, chunk.problems if chunk else [])
