"""The panel report as a format-free document: sections of paragraphs, bullets and tables.

:mod:`scrutiny_app.services.report.content` builds one :class:`ReportDocument` per meeting and
version (internal or public); :mod:`~scrutiny_app.services.report.pdf` lays it out as a PDF and
:mod:`~scrutiny_app.services.report.word` as a Word document. Both renderers read the same
document, so the two files always hold the same sections, sentences and tables, and what the
public version leaves out is decided once, here, not twice.

Text is plain (never markup): a :class:`Run` is a piece of text with simple emphasis, an
``Inline`` a sequence of runs on one line. Narrative sections written in the app use a small
plain-text format (paragraphs, ``- `` bullet lines, ``**bold**``): :func:`parse_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "BarChart",
    "Block",
    "Bullets",
    "Callout",
    "Cell",
    "Column",
    "Cover",
    "Inline",
    "KeyValues",
    "Para",
    "ReportDocument",
    "Run",
    "Section",
    "Subheading",
    "Table",
    "inline",
    "parse_text",
    "plain_text",
]


_TextFn = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text on one line, with simple emphasis."""

    text: str
    bold: bool = False
    italic: bool = False
    muted: bool = False


Inline = tuple[Run, ...]


def inline(text: str, *, bold: bool = False, italic: bool = False, muted: bool = False) -> Inline:
    """One run as an ``Inline`` (empty text gives an empty inline)."""
    return (Run(text, bold, italic, muted),) if text else ()


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; ``lines`` are kept as line breaks inside it."""

    lines: tuple[Inline, ...]
    style: Literal["body", "note", "lead"] = "body"


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Subheading:
    text: str


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell: one or more lines; ``fill`` is a background colour ('#rrggbb')."""

    lines: tuple[Inline, ...] = ()
    align: Literal["left", "right"] = "left"
    fill: str | None = None
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading and width in millimetres (0: whatever is left).

    ``fit`` columns are made as wide as their longest line (at least ``width_mm``), so a case
    or recommendation reference never breaks across lines.
    """

    title: str
    width_mm: float = 0.0
    align: Literal["left", "right"] = "left"
    fit: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row, repeated on every page it runs over.

    ``swatch`` tables have a first, narrow column filled with each row's colour and no text;
    ``total`` tables have a last row set off as a total; ``compact`` tables use a smaller type.
    ``kind`` names the table for renderers and tests ("findings", "outcomes", ...).
    """

    kind: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    compact: bool = False
    total: bool = False
    swatch: bool = False


@dataclass(frozen=True, slots=True)
class KeyValues:
    """Label and value pairs, labels in bold (no header row)."""

    pairs: tuple[tuple[str, str], ...]
    label_mm: float = 45.0
    value_mm: float = 0.0  # 0: the rest of the line
    title: str = ""


@dataclass(frozen=True, slots=True)
class Callout:
    """A shaded box with a bar on the left: the Commissioner's paragraph, the cover notice."""

    lines: tuple[Inline, ...]
    large: bool = False


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, one per outcome of the scheme, in its colours."""

    bars: tuple[tuple[str, int, str], ...]  # (label, count, '#rrggbb')


Block = Para | Bullets | Subheading | Table | KeyValues | Callout | BarChart


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Cover:
    title: str  # the panel
    subtitle: str  # "Panel report" / "Panel report: published version"
    meeting_line: str
    details: tuple[tuple[str, str], ...]
    notice: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class ReportDocument:
    meeting_id: int
    public: bool
    classification: str
    title: str
    subject: str
    author: str
    keywords: tuple[str, ...]
    running_title: str
    cover: Cover
    sections: tuple[Section, ...]
    language: str = "en-GB"
    notes: tuple[str, ...] = field(default=())  # what the build left out, for the caller

    @property
    def section_titles(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.sections)

    def numbered_titles(self) -> tuple[str, ...]:
        """'1. Purpose and remit', ... as the headings read."""
        return tuple(f"{i}. {s.title}" for i, s in enumerate(self.sections, start=1))

    def texts(self) -> Iterator[str]:
        """Every piece of text in the document, for checks (e.g. no case reference in public)."""
        yield from (self.title, self.subject, self.running_title, *self.keywords)
        c = self.cover
        yield from (c.title, c.subtitle, c.meeting_line)
        for k, v in c.details:
            yield k
            yield v
        yield from _inline_texts(c.notice)
        for s in self.sections:
            yield s.title
            for b in s.blocks:
                yield from _block_texts(b)

    def map_text(self, fn: _TextFn) -> ReportDocument:
        """A copy with ``fn`` applied to every piece of text in it."""
        c = self.cover
        cover = replace(
            c,
            title=fn(c.title),
            subtitle=fn(c.subtitle),
            meeting_line=fn(c.meeting_line),
            details=tuple((fn(k), fn(v)) for k, v in c.details),
            notice=_map_lines(c.notice, fn),
        )
        sections = tuple(
            replace(s, title=fn(s.title), blocks=tuple(_map_block(b, fn) for b in s.blocks))
            for s in self.sections
        )
        return replace(
            self,
            title=fn(self.title),
            subject=fn(self.subject),
            author=fn(self.author),
            keywords=tuple(fn(k) for k in self.keywords),
            running_title=fn(self.running_title),
            cover=cover,
            sections=sections,
        )


# --------------------------------------------------------------------------- walking


def _inline_texts(lines: tuple[Inline, ...]) -> Iterator[str]:
    for line in lines:
        for run in line:
            yield run.text


def _block_texts(b: Block) -> Iterator[str]:
    match b:
        case Para(lines=lines) | Callout(lines=lines):
            yield from _inline_texts(lines)
        case Bullets(items=items):
            yield from _inline_texts(items)
        case Subheading(text=text):
            yield text
        case Table(columns=columns, rows=rows):
            yield from (c.title for c in columns)
            for row in rows:
                for cell in row:
                    yield from _inline_texts(cell.lines)
        case KeyValues(pairs=pairs, title=title):
            yield title
            for k, v in pairs:
                yield k
                yield v
        case BarChart(bars=bars):
            yield from (label for label, _, _ in bars)


def _map_lines(lines: tuple[Inline, ...], fn: _TextFn) -> tuple[Inline, ...]:
    return tuple(tuple(replace(r, text=fn(r.text)) for r in line) for line in lines)


def _map_block(b: Block, fn: _TextFn) -> Block:
    match b:
        case Para() | Callout():
            return replace(b, lines=_map_lines(b.lines, fn))
        case Bullets():
            return replace(b, items=_map_lines(b.items, fn))
        case Subheading():
            return replace(b, text=fn(b.text))
        case Table():
            rows = tuple(
                tuple(replace(c, lines=_map_lines(c.lines, fn)) for c in row) for row in b.rows
            )
            columns = tuple(replace(c, title=fn(c.title)) for c in b.columns)
            return replace(b, columns=columns, rows=rows)
        case KeyValues():
            return replace(b, title=fn(b.title), pairs=tuple((fn(k), fn(v)) for k, v in b.pairs))
        case BarChart():
            return replace(b, bars=tuple((fn(label), n, colour) for label, n, colour in b.bars))
    return b


def plain_text(lines: tuple[Inline, ...] | Inline) -> str:
    """The text of an inline (or of several lines, joined by newlines) without emphasis."""
    if lines and isinstance(lines[0], Run):
        return "".join(r.text for r in lines)  # type: ignore[union-attr]
    return "\n".join("".join(r.text for r in line) for line in lines)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- the text format

_BULLET = re.compile(r"^\s*[-•*]\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def _runs(text: str) -> Inline:
    """``**bold**`` spans become bold runs; an unmatched ``**`` stays as it is."""
    runs: list[Run] = []
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            runs.append(Run(text[pos : m.start()]))
        runs.append(Run(m.group(1), bold=True))
        pos = m.end()
    if pos < len(text):
        runs.append(Run(text[pos:]))
    return tuple(runs)


def parse_text(text: str) -> tuple[Para | Bullets, ...]:
    """A narrative section's plain text as paragraphs and bullet lists.

    - A blank line separates paragraphs; single line breaks inside a paragraph are kept.
    - A line starting with ``- `` (or ``* ``, ``• ``) is a bullet; an indented line right after
      a bullet continues it.
    - ``**words**`` are bold.
    """
    blocks: list[Para | Bullets] = []
    para: list[str] = []
    items: list[str] = []

    def flush_para() -> None:
        if para:
            blocks.append(Para(tuple(_runs(line) for line in para)))
            para.clear()

    def flush_items() -> None:
        if items:
            blocks.append(Bullets(tuple(_runs(i) for i in items)))
            items.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush_para()
            flush_items()
            continue
        bullet = _BULLET.match(line)
        if bullet and not line.lstrip().startswith("**"):
            flush_para()
            items.append(bullet.group(1).strip())
        elif items and raw[:1] in (" ", "\t"):
            items[-1] = f"{items[-1]} {line.strip()}"
        else:
            flush_items()
            para.append(line.strip())
    flush_para()
    flush_items()
    return tuple(blocks)
