"""Turn a chunk of text cells into case rows ready for insert, with the problems found.

Pure data work (no database): the import service feeds it chunks and writes what comes back.
Problems (the row is not imported) carry file, row and column; warnings (an unknown value kept
as it is, a number that is not a number) are counted per column and value, never dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scrutiny_app.domain.ethnicity import broad_group
from scrutiny_app.errors import InputProblem
from scrutiny_app.importing import police_uk
from scrutiny_app.importing.dates import parse_dates
from scrutiny_app.importing.mapping import IGNORE, Target

TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}

# The insert column order (see scrutiny_app.storage.models.Case).
CASE_COLUMNS = (
    "uuid",
    "created_at",
    "updated_at",
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
    warnings: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    first_warning_row: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def warn(self, column: str, kind: str, values: pd.Series) -> None:
        """Count each value of ``values`` (indexed by file row) under (column, kind, value)."""
        for value, rows in values.groupby(values, sort=False).groups.items():
            key = (column, kind, str(value))
            self.warnings[key] += len(rows)
            self.first_warning_row.setdefault(key, int(min(rows)))

    def warning_lines(self) -> list[str]:
        lines = []
        for (column, kind, value), n in sorted(self.warnings.items()):
            first = self.first_warning_row[(column, kind, value)]
            rows = "row" if n == 1 else "rows"
            lines.append(
                f"column {column!r}: {kind} {value!r} in {n} {rows} (first at row {first}); "
                "kept as it is"
            )
        return lines


@dataclass
class BuiltRows:
    """The valid rows as columns (CASE_COLUMNS from ``source_row`` on), and the problems."""

    columns: list[list[Any]]
    problems: list[InputProblem]
    references: list[str]

    def __len__(self) -> int:
        return len(self.references)


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


def pseudonyms(key: bytes, prefix: str, values: pd.Series) -> pd.Series:
    """Keyed pseudonyms, as :func:`scrutiny_app.services.pseudonym.pseudonym` makes them."""
    import base64

    def one(value: str) -> str:
        digest = hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).digest()
        return f"{prefix}-{base64.b32encode(digest).decode('ascii')[:8]}"

    codes, uniques = pd.factorize(values)
    mapped = np.array([one(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(uniques) else [], index=values.index, dtype=object)


def by_value(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``values.map(fn)``, calling ``fn`` once per distinct value (extracts repeat a lot)."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    if not len(uniques):
        return pd.Series([], index=values.index, dtype=object)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _strip(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    stripped = [str(u).strip() for u in uniques]
    if stripped == list(uniques):
        return values  # the usual case: nothing to strip
    table = np.empty(len(stripped), dtype=object)
    table[:] = stripped
    return pd.Series(table[codes], index=values.index, dtype=object)


def _datetime_text(values: pd.Series) -> list[str | None]:
    """UTC timestamps as SQLAlchemy's SQLite DATETIME text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    naive = values.dt.tz_convert(None).to_numpy().astype("datetime64[us]")
    text = np.datetime_as_string(naive, unit="us").tolist()
    out: list[str | None] = [t.replace("T", " ", 1) for t in text]
    if values.isna().any():
        for i in np.flatnonzero(values.isna().to_numpy()):
            out[i] = None
    return out


def _bool_word(text: str) -> bool | str | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None if not word else text


def _bool_or_raw(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = by_value(values, _bool_word)
    unknown = by_value(out, lambda v: isinstance(v, str)).astype(bool)
    return out, unknown


def build_rows(ctx: RowContext, frame: pd.DataFrame) -> BuiltRows:
    """Check and convert one chunk (indexed by file row)."""
    problems: list[InputProblem] = []
    bad = pd.Series(False, index=frame.index)
    common: dict[str, pd.Series] = {}
    fields: dict[str, pd.Series] = {}

    def problem(mask: pd.Series, column: str, message: Callable[[Any], str]) -> None:
        for row in mask[mask].index:
            problems.append(
                InputProblem(message(row), file=ctx.file_name, row=int(row), column=column)
            )
        bad.loc[mask[mask].index] = True

    for column, text in ctx.mapping.items():
        target = Target.parse(text)
        if target.kind == IGNORE or column not in frame:
            continue
        values = frame[column]
        if target.kind == "column":
            if target.name == "occurred_at":
                parsed, not_date = parse_dates(values)
                problem(_strip(values) == "", column, lambda _r: "blank date")
                problem(not_date, column, lambda r, v=values: f"not a date: {v[r]!r}")
                common["occurred_at"] = parsed
            elif target.name == "reference":
                refs = _strip(values)
                problem(refs == "", column, lambda _r: "blank reference")
                common["reference"] = refs
            else:
                common[target.name] = _strip(values)
            continue
        if target.kind == "extra":
            fields[target.name] = values.where(values != "", None)
            continue
        spec = ctx.fields[target.name]
        if spec.personal and not ctx.keep_personal:
            continue  # never stored: the panel sees pseudonymised cases
        fields[spec.key] = _typed(ctx, column, spec, values)

    if ctx.police_uk:
        _police_uk_extras(ctx, frame, fields)
        data_rows = frame.index.to_numpy() - ctx.header_line
        refs = pd.Series(
            [f"{ctx.reference_prefix}-{ctx.file_tag}-{n:05d}" for n in data_rows],
            index=frame.index,
            dtype=object,
        )
    else:
        refs = common.get("reference", pd.Series("", index=frame.index, dtype=object))
        dup = pd.Series(False, index=frame.index)
        for row, ref in refs[~bad & (refs != "")].items():
            first = ctx.seen_references.setdefault(ref, int(row))
            if first != row:
                dup[row] = True
        ref_column = next(c for c, t in ctx.mapping.items() if t == "column:reference")
        problem(
            dup,
            ref_column,
            lambda r: f"duplicate reference (first at row {ctx.seen_references[refs[r]]})",
        )
        if not ctx.keep_personal:
            refs = pseudonyms(ctx.pseudonym_key, ctx.reference_prefix, refs)

    good = ~bad
    if not good.any():
        return BuiltRows([], problems, [])
    index = frame.index[good.to_numpy()]
    n = len(index)

    def col(name: str) -> list[Any]:
        series = common.get(name)
        return [""] * n if series is None else series.loc[index].tolist()

    dates = common.get("occurred_at")
    occurred = [None] * n if dates is None else _datetime_text(dates.loc[index])
    sde = col("self_defined_ethnicity")
    groups = _map_unique(sde, broad_group)
    if fields:
        field_json = json_objects({k: v.loc[index] for k, v in fields.items()})
    else:
        field_json = ["{}"] * n
    source_rows = (index.to_numpy() - ctx.header_line).tolist()
    references = refs.loc[index].tolist()
    columns = [
        source_rows,
        references,
        occurred,
        col("area"),
        col("age_band"),
        col("gender"),
        sde,
        col("officer_defined_ethnicity"),
        groups,
        field_json,
    ]
    return BuiltRows(columns, problems, references)


def json_objects(columns: dict[str, pd.Series]) -> list[str]:
    """One JSON object per row from equally indexed columns, leaving out null members.

    Each distinct value of a column is encoded once (as ``"key":value``); a row is then only a
    join of ready-made fragments, which is many times faster than encoding row dicts.
    """
    fragments = []
    for key, series in columns.items():
        prefix = json.dumps(key, ensure_ascii=False) + ":"
        codes, uniques = pd.factorize(series, sort=False, use_na_sentinel=False)
        encoded = np.empty(len(uniques), dtype=object)
        encoded[:] = [
            "" if _is_null(u) else prefix + json.dumps(_plain(u), ensure_ascii=False)
            for u in uniques
        ]
        fragments.append(encoded[codes] if len(uniques) else np.empty(0, dtype=object))
    return ["{" + ",".join(filter(None, parts)) + "}" for parts in zip(*fragments, strict=True)]


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value: Any) -> Any:
    """NumPy scalars to Python ones, whole floats to ints (JSON "3" not "3.0")."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _map_unique(values: list[str], fn: Callable[[str], str]) -> list[str]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return mapped[codes].tolist() if len(uniques) else []


def _typed(ctx: RowContext, column: str, spec: FieldSpec, values: pd.Series) -> pd.Series:
    """Convert a template field's text to its kind; what does not convert is kept and warned."""
    filled = values != ""
    if spec.kind == "bool":
        out, unknown = _bool_or_raw(values)
        if unknown.any():
            ctx.warn(column, "not yes/no", values[unknown])
        return out
    if spec.kind == "number":
        numbers = pd.to_numeric(values.where(filled, None), errors="coerce")
        unknown = filled & numbers.isna()
        if unknown.any():
            ctx.warn(column, "not a number", values[unknown])
        out = numbers.astype(object).where(numbers.notna(), None)
        out[unknown] = values[unknown]
        return out
    if spec.kind == "date":
        parsed, not_date = parse_dates(values)
        if not_date.any():
            ctx.warn(column, "not a date", values[not_date])
        out = parsed.dt.strftime("%Y-%m-%d").astype(object).where(parsed.notna(), None)
        out[not_date] = values[not_date]
        return out
    if spec.kind == "choice" and spec.choices:
        canonical = {c.lower(): c for c in spec.choices}
        known = by_value(values, lambda v: canonical.get(v.strip().lower()))
        unknown = filled & known.isna()
        if unknown.any():
            ctx.warn(column, "unknown value", values[unknown])
        return known.where(known.notna(), values.where(filled, None))
    return values.where(filled, None)


def _police_uk_extras(ctx: RowContext, frame: pd.DataFrame, fields: dict[str, pd.Series]) -> None:
    """Normalised outcome beside the raw one, and unknown enumeration values reported."""
    for column, allowed in police_uk.ENUMERATIONS.items():
        values = frame[column]
        unknown = (values != "") & ~values.isin(allowed)
        if unknown.any():
            ctx.warn(column, "unknown value", values[unknown])
    outcome = frame["Outcome"]
    normalised = by_value(outcome, lambda v: police_uk.OUTCOMES.get(v, v) if v else None)
    fields["outcome"] = normalised
    # The raw wording is kept where it differs from the normalised one (older files).
    fields["outcome_raw"] = outcome.where((outcome != "") & (outcome != normalised), None)
