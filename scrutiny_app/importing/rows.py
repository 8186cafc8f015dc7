"""Turn a chunk of text cells into case rows ready for insert, with the problems found.

Pure data work (no database): the import service feeds it chunks and writes what comes back.
Problems (the row is not imported) carry file, row and column; warnings (an unknown value kept
as it is, a number that is not a number) are counted per column and value, never dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, Protocol

import numpy as np
import pandas as pd

from scrutiny_app.domain.ethnicity import broad_group
from scrutiny_app.errors import InputProblem
from scrutiny_app.importing import police_uk
from scrutiny_app.importing import values as value_rules
from scrutiny_app.importing.dates import LOCAL_TZ, parse_distinct
from scrutiny_app.importing.limits import quoted
from scrutiny_app.importing.mapping import IGNORE, Target
from scrutiny_app.importing.sort_keys import Ranks, SortKeyBuilder

TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}

# Case columns the case list sorts by, in insert order after "reference" (see
# scrutiny_app.services.case_list.COLUMNS); their ranks are stored under these names and
# those of fields under "field:<key>".
SORTABLE = (
    "reference",
    "occurred_at",
    "area",
    "age_band",
    "gender",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "ethnicity_group",
)

# The insert column order (see scrutiny_app.storage.models.Case).
CASE_COLUMNS = (
    "uuid",
    "panel_id",
    "import_batch_id",
    "source_row",
    "reference",
    "occurred_at",
    "area",
    "age_band",
    "gender",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "ethnicity_group",
    "fields",
)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str  # text | date | number | bool | choice
    choices: tuple[str, ...]
    personal: bool


@dataclass
class RowContext:
    """Everything about the import that does not change from chunk to chunk."""

    file_name: str
    header_line: int
    mapping: dict[str, str]
    fields: dict[str, FieldSpec]
    keep_personal: bool
    reference_prefix: str
    pseudonym_key: bytes
    police_uk: bool
    file_tag: str  # short part of the file's SHA-256, for synthesised references
    seen_references: dict[str, int] = field(default_factory=dict)  # reference -> first row
    sort_keys: SortKeyBuilder | None = None  # collects the sort ranks of what is imported
    ranks: dict[str, Ranks] | None = None  # set by finish_ranks when the file has been read
    # Value maps (see scrutiny_app.importing.values): the user's, per file column, laid over
    # the standard tidying; what they changed is counted per (column, raw, stored).
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    tidy: bool = True  # apply the standard tidying as well as the user's maps
    tidied: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    schemes: dict[str, str] = field(default_factory=dict)  # ethnicity coding, per column
    distinct: dict[str, Counter[str]] = field(default_factory=dict)  # for the wizard

    def finish_ranks(self) -> dict[str, Ranks] | None:
        """The sort ranks of everything checked (see :mod:`scrutiny_app.importing.sort_keys`)."""
        return self.sort_keys.finish() if self.sort_keys is not None else None

    warnings: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    first_warning_row: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def warn(
        self, column: str, kind: str, values: Coded, flagged: np.ndarray, labels: np.ndarray
    ) -> None:
        """Count the rows whose value is ``flagged`` (one flag per distinct value) by value."""
        if not flagged.any():
            return
        positions = np.flatnonzero(values.per_row(flagged))
        codes = values.codes[positions]
        counts = np.bincount(codes, minlength=len(values.uniques))
        found, first = np.unique(codes, return_index=True)
        for code, at in zip(found.tolist(), first.tolist(), strict=True):
            key = (column, kind, str(values.uniques[code]))
            self.warnings[key] += int(counts[code])
            self.first_warning_row.setdefault(key, int(labels[positions[at]]))

    def warning_lines(self) -> list[str]:
        lines = []
        for (column, kind, value), n in sorted(self.warnings.items()):
            first = self.first_warning_row[(column, kind, value)]
            rows = "row" if n == 1 else "rows"
            lines.append(
                f"column {quoted(column)}: {kind} {quoted(value)} in {n} {rows} "
                f"(first at row {first}); "
                "kept as it is"
            )
        return lines


class Column(Protocol):
    """One insert column of a chunk, kept compact until it is written (see BuiltRows)."""

    def values(self) -> list[Any]: ...


@dataclass
class Plain:
    items: list[Any]

    def values(self) -> list[Any]:
        return self.items


@dataclass
class BuiltRows:
    """The valid rows as columns (CASE_COLUMNS from ``source_row`` on), and the problems.

    The columns stay in their compact form (distinct values and codes, JSON parts) until
    :meth:`column_values`: cheap to send to another process, and a million rows of a column
    with few distinct values then share a few string objects.
    """

    columns: list[Column]
    problems: list[InputProblem]
    size: int

    def __len__(self) -> int:
        return self.size

    def column_values(self) -> list[list[Any]]:
        return [c.values() for c in self.columns]

    @property
    def references(self) -> list[str]:
        return self.columns[1].values() if self.columns else []


def uuid7_factory() -> Callable[[int], list[str]]:
    """Time-ordered UUIDs (RFC 9562 version 7) made fast: one random prefix, then a counter.

    Ordered keys append to the unique index instead of scattering across it, which keeps a
    million-row import fast.
    """
    ms = int(time.time() * 1000)
    rand_a = secrets.randbits(12)
    variant = 0x8000 | secrets.randbits(14)
    prefix = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{0x7000 | rand_a:04x}-{variant:04x}-"
    counter = secrets.randbits(40)

    def take(n: int) -> list[str]:
        nonlocal counter
        start = counter
        counter += n
        return [f"{prefix}{i:012x}" for i in range(start, start + n)]

    return take


# --------------------------------------------------------------------------- coded columns


class Coded:
    """A column as its distinct values plus one code per row.

    Extracts repeat a lot (a few genders, outcomes, legislations over a million rows), so every
    per-value step (stripping, parsing, checking, JSON encoding) runs once per distinct value
    and rows are only ever an index into the result.
    """

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques

    @classmethod
    def of(cls, values: pd.Series | np.ndarray) -> Coded:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        if not (isinstance(uniques, np.ndarray) and uniques.dtype == object):
            uniques = _objects(uniques)
        return cls(codes, uniques)

    def map(self, fn: Callable[[Any], Any]) -> Coded:
        """The same rows, each distinct value replaced by ``fn(value)``."""
        return Coded(self.codes, _objects([fn(u) for u in self.uniques]))

    def test(self, fn: Callable[[Any], bool]) -> np.ndarray:
        """A per-row mask: ``fn`` of the row's value."""
        return self.per_row(
            np.fromiter((bool(fn(u)) for u in self.uniques), bool, len(self.uniques))
        )

    def per_row(self, per_value: np.ndarray) -> np.ndarray:
        """An array of one entry per distinct value spread to the rows."""
        return per_value[self.codes]

    def rows(self, positions: np.ndarray | None = None) -> list[Any]:
        codes = self.codes if positions is None else self.codes[positions]
        return self.uniques[codes].tolist()

    def take(self, positions: np.ndarray) -> Coded:
        """These rows only; the distinct values stay as they are."""
        return Coded(self.codes[positions], self.uniques)

    def values(self) -> list[Any]:
        return self.uniques[self.codes].tolist()

    def value_at(self, position: int) -> Any:
        return self.uniques[self.codes[position]]


def _objects(values: Any) -> np.ndarray:
    """A 1-D object array of ``values`` (NumPy would make nested sequences 2-D)."""
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _stripped(values: Coded) -> Coded:
    if all(type(u) is str and u == u.strip() for u in values.uniques):
        return values  # the usual case: nothing to strip
    return values.map(lambda u: str(u).strip())


# --------------------------------------------------------------------------- JSON values

# A number written this way in the file is already its own JSON text (what json.dumps would
# write for the parsed value): an integer of up to 15 digits, or a decimal with no trailing zero
# and up to 15 significant digits (fewer leading zeros than repr's switch to exponent form).
_JSON_AS_WRITTEN = re.compile(r"-?[1-9]\d{0,14}|0|-?(?:[1-9]\d*|0(?=\.0{0,3}[1-9]))\.\d*[1-9]")


_WHOLE = re.compile(r"[+-]?\d{1,18}")


def _json_number(text: str, value: float) -> str:
    if _JSON_AS_WRITTEN.fullmatch(text) and len(text.lstrip("-").replace(".", "")) <= 15:
        return text
    if _WHOLE.fullmatch(text):
        return str(int(text))  # exact, where a float would round beyond 2**53
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return json.dumps(value)


def _json_text(value: Any) -> str | None:
    """A cell as a JSON string, or None (left out of the object) when blank."""
    return None if value is None or value == "" else encode_basestring(str(value))


def pseudonyms(key: bytes, prefix: str, refs: Coded) -> Coded:
    """Keyed pseudonyms, as :func:`scrutiny_app.services.pseudonym.pseudonym` makes them."""
    import base64

    def one(value: str) -> str:
        digest = hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).digest()
        return f"{prefix}-{base64.b32encode(digest).decode('ascii')[:8]}"

    return refs.map(one)


def _bool_word(text: str) -> str | None:
    """A yes/no cell as JSON true/false; blank None; anything else the text itself (a str)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return "true"
    if word in FALSE_WORDS:
        return "false"
    return None if not word else "?"


# --------------------------------------------------------------------------- building


MAX_AGE = 120  # years; an age above it (or below 0) is a mistake in the file, not a person
# A number of years as the value maps read one ("17", "17 yrs", "aged 17"), with a sign.
_AGE_YEARS = re.compile(
    r"(?:aged?\s*)?([+\-\u2212]?\d+(?:\.\d+)?)\s*(?:y|yrs?|years?|years old)?\.?",
    re.IGNORECASE,
)


def impossible_age(value: object) -> bool:
    """Whether a cell of an age column is a number of years below 0 or above MAX_AGE."""
    found = _AGE_YEARS.fullmatch(str(value).strip())
    return found is not None and not 0 <= float(found.group(1).replace("\u2212", "-")) <= MAX_AGE


_NOT_TIDIED = frozenset({"column:reference", "column:occurred_at"})
MAX_DISTINCT = 200  # distinct values per column kept for the wizard's value maps


def _tidied(ctx: RowContext, column: str, text: str, target: Target, values: Coded) -> Coded:
    """The column's values through its value map, once per distinct value; counts what was
    changed, and (for the wizard) the distinct values seen."""
    if ctx.police_uk or text in _NOT_TIDIED or target.kind == "extra":
        return values  # data.police.uk values are the standard ones already
    raw = [_as_text(u) for u in values.uniques]
    seen = ctx.distinct.setdefault(column, Counter())
    counts = np.bincount(values.codes, minlength=len(raw)).tolist()
    for value, n in zip(raw, counts, strict=True):
        if value in seen:
            seen[value] += n
        elif value.strip() and len(seen) < MAX_DISTINCT:
            seen[value] = n
    vocabulary: tuple[str, ...] = ()
    if target.kind == "field" and target.name in ctx.fields:
        vocabulary = tuple(ctx.fields[target.name].choices or ())
    given = ctx.value_maps.get(column)
    if not ctx.tidy and not given:
        return values
    scheme = ctx.schemes.get(column)
    if target.name == "self_defined_ethnicity" and scheme is None:
        found = value_rules.ethnicity_scheme(raw)
        if any(value_rules.code_of(v) for v in raw):
            ctx.schemes[column] = scheme = found
    vmap = (
        value_rules.combined(text, raw, vocabulary, given, scheme=scheme)
        if ctx.tidy
        else {k: v for k, v in (given or {}).items() if k != v}
    )
    if target.name == "age_band":  # an impossible age is a problem, never tidied into a band
        vmap = {k: v for k, v in vmap.items() if (given and k in given) or not impossible_age(k)}
    if not vmap:
        return values
    for i, value in enumerate(raw):
        if value in vmap and counts[i]:
            ctx.tidied[(column, value, vmap[value])] += counts[i]
    return Coded(
        values.codes, _objects([vmap.get(v, u) for v, u in zip(raw, values.uniques, strict=True)])
    )


def _as_text(value: Any) -> str:
    """A cell as the text a value map is keyed by (17.0 from a spreadsheet is "17")."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_rows(ctx: RowContext, frame: pd.DataFrame) -> BuiltRows:
    """Check and convert one chunk (indexed by file row)."""
    labels = frame.index.to_numpy()
    n = len(frame)
    problems: list[InputProblem] = []
    bad = np.zeros(n, dtype=bool)
    common: dict[str, Coded] = {}
    fields: dict[str, Coded] = {}  # field key -> JSON text per value (None = left out)
    coded: dict[str, Coded] = {}  # file column -> its cells, factorised once

    def cells(column: str) -> Coded:
        found = coded.get(column)
        if found is None:
            found = coded[column] = Coded.of(frame[column])
        return found

    def problem(mask: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        for pos in np.flatnonzero(mask):
            problems.append(
                InputProblem(
                    message(int(pos)), file=ctx.file_name, row=int(labels[pos]), column=column
                )
            )
        bad[mask] = True

    for column, text in ctx.mapping.items():
        target = Target.parse(text)
        if target.kind == IGNORE or column not in frame:
            continue
        if target.kind == "column" and target.name == "age_band":
            _check_ages(ctx, column, cells(column), problem)
        values = _tidied(ctx, column, text, target, cells(column))
        if target.kind == "column":
            if target.name == "occurred_at":
                stamps, not_date = parse_distinct(values.uniques)  # type: ignore[arg-type]
                blank = np.isnat(stamps) & ~not_date  # what is neither a date nor "no date"
                problem(values.per_row(blank), column, lambda _p: "blank date")
                problem(
                    values.per_row(not_date),
                    column,
                    lambda p, v=values: f"not a date: {quoted(v.value_at(p))}",  # type: ignore[misc]
                )
                common["occurred_at"] = Coded(values.codes, _datetime_text(stamps))
                # Sorted as microseconds since 1970 (NaT, the smallest, for no date): the
                # same order as the stored text, ranked without comparing strings.
                occurred_order = Coded(values.codes, stamps.astype("datetime64[us]").view("i8"))
            elif target.name == "reference":
                refs = _stripped(values)
                problem(refs.test(lambda u: u == ""), column, lambda _p: "blank reference")
                common["reference"] = refs
            else:
                common[target.name] = _stripped(values)
            continue
        if target.kind == "extra":
            fields[target.name] = values.map(_json_text)
            continue
        spec = ctx.fields[target.name]
        if spec.personal and not ctx.keep_personal:
            continue  # never stored: the panel sees pseudonymised cases
        fields[spec.key] = _typed(ctx, column, spec, values, labels)

    if ctx.police_uk:
        _police_uk_extras(ctx, cells, fields, labels)
        data_rows = labels - ctx.header_line
        template = f"{ctx.reference_prefix}-{ctx.file_tag}-".replace("%", "%%") + "%05d"
        references_all = Coded(np.arange(n), _objects(map(template.__mod__, data_rows.tolist())))
    else:
        refs = common.get("reference") or Coded(np.zeros(n, dtype=np.intp), _objects([""]))
        dup = np.zeros(n, dtype=bool)
        first_row = ctx.seen_references
        for pos in np.flatnonzero(~bad & refs.test(lambda u: u != "")):
            ref, row = refs.value_at(int(pos)), int(labels[pos])
            if first_row.setdefault(ref, row) != row:
                dup[pos] = True
        ref_column = next(c for c, t in ctx.mapping.items() if t == "column:reference")
        problem(
            dup,
            ref_column,
            lambda p: f"duplicate reference (first at row {first_row[refs.value_at(p)]})",
        )
        references_all = (
            refs if ctx.keep_personal else pseudonyms(ctx.pseudonym_key, ctx.reference_prefix, refs)
        )

    good = np.flatnonzero(~bad)
    if not len(good):
        return BuiltRows([], problems, 0)
    m = len(good)
    blank = Coded(np.zeros(m, dtype=np.intp), _objects([""]))

    def col(name: str) -> Column:
        found = common.get(name)
        return blank if found is None else found.take(good)

    sde = common.get("self_defined_ethnicity")
    columns: list[Column] = [
        Plain((labels[good] - ctx.header_line).tolist()),
        references_all.take(good),
        col("occurred_at") if "occurred_at" in common else Plain([None] * m),
        col("area"),
        col("age_band"),
        col("gender"),
        col("self_defined_ethnicity"),
        col("officer_defined_ethnicity"),
        sde.map(broad_group).take(good) if sde is not None else blank,
        json_objects(fields, good),
    ]
    if ctx.sort_keys is not None:
        if "occurred_at" in common:
            columns[2] = occurred_order.take(good)
        for key, built in zip(SORTABLE, columns[1:9], strict=True):
            if isinstance(built, Coded):
                ctx.sort_keys.add(key, built.uniques, built.codes, is_json=False)
        for key, values in fields.items():
            ctx.sort_keys.add(f"field:{key}", values.uniques, values.codes[good], is_json=True)
        ctx.sort_keys.end_chunk(m)
        if "occurred_at" in common:
            columns[2] = common["occurred_at"].take(good)
    return BuiltRows(columns, problems, m)


def _check_ages(
    ctx: RowContext,
    column: str,
    values: Coded,
    problem: Callable[[np.ndarray, str, Callable[[int], str]], None],
) -> None:
    """A row whose age is below 0 or above MAX_AGE years is a problem (a value the user's own
    value map turns into something else is theirs to decide)."""
    given = ctx.value_maps.get(column) or {}
    bad = np.fromiter(
        (_as_text(u) not in given and impossible_age(u) for u in values.uniques),
        bool,
        len(values.uniques),
    )
    if bad.any():
        problem(
            values.per_row(bad),
            column,
            lambda p: (
                f"impossible age: {quoted(values.value_at(p))} (an age is 0 to {MAX_AGE} years)"
            ),
        )


def _local_days(stamps: np.ndarray) -> list[str]:
    """UTC times as their UK calendar day ('YYYY-MM-DD'; 'NaT' for none): a date field's
    "01/08/2026" is UK midnight, 23:00 UTC the day before, and must stay 1 August."""
    local = pd.Series(stamps).dt.tz_localize("UTC").dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return np.datetime_as_string(local.to_numpy().astype("datetime64[D]"), unit="D").tolist()


def _datetime_text(stamps: np.ndarray) -> np.ndarray:
    """UTC timestamps as SQLAlchemy's SQLite DATETIME text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    text = np.datetime_as_string(stamps.astype("datetime64[us]"), unit="us").astype("<U26")
    if len(text):
        text.view("<U1").reshape(len(text), 26)[:, 10] = " "  # the ISO "T", in place
    out = text.astype(object)
    out[np.isnat(stamps)] = None
    return out


def json_objects(fields: dict[str, Coded], positions: np.ndarray) -> JsonRows:
    """One JSON object per row (``positions`` of the chunk), leaving out null members.

    Each field's distinct values are encoded once as ``"key":value``. Neighbouring fields whose
    values occur together in few distinct combinations are then joined once per combination,
    so a row is one string format of a handful of ready-made parts, not a join of every field
    (done by :meth:`JsonRows.values`, when the rows are written).
    """
    m = len(positions)
    limit = max(64, m // 8)  # a combination is worth making when ~8 rows share it
    parts: list[tuple[np.ndarray, np.ndarray]] = []  # (fragment per value, code per row)
    group: list[tuple[np.ndarray, np.ndarray]] = []  # the fields being combined: same shape
    combined = np.zeros(m, dtype=np.int64)  # the group's combination per row

    def flush() -> None:
        if group:
            _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
            pieces = [fragments[codes[first]] for fragments, codes in group]
            joined = _objects(",".join(filter(None, p)) for p in zip(*pieces, strict=True))
            parts.append((joined, inverse.reshape(-1)))
            group.clear()

    for key, coded in fields.items():
        if not len(coded.uniques):
            continue
        prefix = encode_basestring(key) + ":"
        fragments = _objects("" if v is None else prefix + v for v in coded.uniques)
        codes = coded.codes[positions]
        if group:
            trial = combined * len(fragments) + codes
            distinct, inverse = np.unique(trial, return_inverse=True)
            if len(distinct) <= limit:
                group.append((fragments, codes))
                combined = inverse.reshape(-1).astype(np.int64)
                continue
            flush()
        if len(fragments) <= limit:
            group.append((fragments, codes))
            combined = codes.astype(np.int64)
        else:
            parts.append((fragments, codes))
    flush()
    return JsonRows(parts, m)


@dataclass
class JsonRows:
    """A chunk's JSON objects as parts: (fragment per distinct value, code per row) each."""

    parts: list[tuple[np.ndarray, np.ndarray]]
    size: int

    def values(self) -> list[str]:
        parts = self.parts
        if not parts:
            return ["{}"] * self.size
        # The parts after the first carry their own leading comma; a row whose first part is
        # empty (all its members null) then starts "{," and is mended on its own.
        columns = [parts[0][0][parts[0][1]]]
        for fragments, codes in parts[1:]:
            columns.append(_objects("," + f if f else "" for f in fragments)[codes])
        template = "{" + "%s" * len(parts) + "}"
        out = list(map(template.__mod__, zip(*columns, strict=True)))
        first, first_codes = parts[0]
        for i in np.flatnonzero((first == "")[first_codes]).tolist():
            if out[i].startswith("{,"):
                out[i] = "{" + out[i][2:]
        return out


def _typed(
    ctx: RowContext, column: str, spec: FieldSpec, values: Coded, labels: np.ndarray
) -> Coded:
    """A template field's text as JSON of its kind; what does not convert is kept and warned."""
    texts = [str(u) for u in values.uniques]
    filled = np.array([t.strip() != "" for t in texts], dtype=bool)
    if spec.kind == "bool":
        words = [_bool_word(t) for t in texts]
        unknown = np.array([w == "?" for w in words], dtype=bool)
        ctx.warn(column, "not yes/no", values, unknown, labels)
        return Coded(
            values.codes,
            _objects(_json_text(t) if w == "?" else w for t, w in zip(texts, words, strict=True)),
        )
    if spec.kind == "number":
        numbers = pd.to_numeric(pd.Series(texts, dtype=object).where(filled, None), errors="coerce")
        parsed = numbers.to_numpy(dtype=float, na_value=np.nan)
        unknown = filled & ~np.isfinite(parsed)  # "inf" is no number JSON can hold
        ctx.warn(column, "not a number", values, unknown, labels)
        out: list[str | None] = []
        for text, ok, value, is_unknown in zip(
            texts, filled, parsed.tolist(), unknown, strict=True
        ):
            if not ok:
                out.append(None)
            elif is_unknown:
                out.append(_json_text(text))
            else:
                out.append(_json_number(text.strip(), value))
        return Coded(values.codes, _objects(out))
    if spec.kind == "date":
        stamps, not_date = parse_distinct(texts)
        ctx.warn(column, "not a date", values, not_date, labels)
        days = _local_days(stamps)
        return Coded(
            values.codes,
            _objects(
                _json_text(t) if nd else (None if d == "NaT" else f'"{d}"')
                for t, nd, d in zip(texts, not_date, days, strict=True)
            ),
        )
    if spec.kind == "choice" and spec.choices:
        canonical = {c.lower(): c for c in spec.choices}
        known = [canonical.get(t.strip().lower()) for t in texts]
        unknown = filled & np.array([k is None for k in known], dtype=bool)
        ctx.warn(column, "unknown value", values, unknown, labels)
        return Coded(
            values.codes,
            _objects(
                _json_text(k if k is not None else t) for t, k in zip(texts, known, strict=True)
            ),
        )
    return values.map(_json_text)


def _police_uk_extras(
    ctx: RowContext,
    cells: Callable[[str], Coded],
    fields: dict[str, Coded],
    labels: np.ndarray,
) -> None:
    """Normalised outcome beside the raw one, and unknown enumeration values reported."""
    for column, allowed in police_uk.ENUMERATIONS.items():
        values = cells(column)
        known = set(allowed)
        unknown = np.array([u != "" and u not in known for u in values.uniques], dtype=bool)
        ctx.warn(column, "unknown value", values, unknown, labels)
    outcome = cells("Outcome")
    normalised = [police_uk.OUTCOMES.get(v, v) if v else None for v in outcome.uniques]
    fields["outcome"] = Coded(outcome.codes, _objects(map(_json_text, normalised)))
    # The raw wording is kept where it differs from the normalised one (older files).
    fields["outcome_raw"] = Coded(
        outcome.codes,
        _objects(
            _json_text(v) if v and v != norm else None
            for v, norm in zip(outcome.uniques, normalised, strict=True)
        ),
    )
