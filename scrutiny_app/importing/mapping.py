"""Column mappings: which file column goes where.

A mapping is a dict ``file column -> target``, the target one of:
- ``column:<name>``: a common case column (``reference``, ``occurred_at``, ``area``, ``age_band``,
  ``gender``, ``self_defined_ethnicity``, ``officer_defined_ethnicity``);
- ``field:<key>``: one of the panel template's case fields;
- ``extra:<name>``: kept as an extra field under that name;
- ``ignore``: not imported.
Mappings are saved per panel (``ColumnMapping``) with the header's signature, so next month's
extract with the same columns maps itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

COMMON_COLUMNS = (
    "reference",
    "occurred_at",
    "area",
    "age_band",
    "gender",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
)
COMMON_LABELS = {
    "reference": "Force reference",
    "occurred_at": "Date",
    "area": "Area",
    "age_band": "Age band",
    "gender": "Gender",
    "self_defined_ethnicity": "Self-defined ethnicity",
    "officer_defined_ethnicity": "Officer-defined ethnicity",
}
IGNORE = "ignore"

# Header words forces use -> target. Keys are normalised (lower case, letters and digits only).
SYNONYMS = {
    "ref": "column:reference", "reference": "column:reference", "crimereference": "column:reference",
    "crimeref": "column:reference", "urn": "column:reference", "caseref": "column:reference",
    "casereference": "column:reference", "occurrencereference": "column:reference",
    "forcereference": "column:reference", "incidentnumber": "column:reference",
    "date": "column:occurred_at", "offencedate": "column:occurred_at",
    "dateofoffence": "column:occurred_at", "committeddate": "column:occurred_at",
    "disposaldate": "column:occurred_at", "outcomedate": "column:occurred_at",
    "area": "column:area", "district": "column:area", "lpa": "column:area",
    "neighbourhood": "column:area", "localpolicingarea": "column:area",
    "ageband": "column:age_band", "agerange": "column:age_band", "agegroup": "column:age_band",
    "gender": "column:gender", "sex": "column:gender",
    "ethnicity": "column:self_defined_ethnicity",
    "selfdefinedethnicity": "column:self_defined_ethnicity",
    "officerdefinedethnicity": "column:officer_defined_ethnicity",
    "name": "field:subject_name", "fullname": "field:subject_name",
    "surname": "field:subject_name", "offendername": "field:subject_name",
    "subjectname": "field:subject_name", "suspectname": "field:subject_name",
    "dob": "field:date_of_birth", "dateofbirth": "field:date_of_birth",
    "address": "field:address", "homeaddress": "field:address", "postcode": "field:address",
    "disposal": "field:disposal_type", "outcome": "field:outcome", "offencetype": "field:offence",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    kind: str  # column | field | extra | ignore
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> Target:
        if text == IGNORE:
            return cls(IGNORE)
        kind, _, name = text.partition(":")
        if kind not in ("column", "field", "extra") or not name:
            raise ValueError(f"not a mapping target: {text!r}")
        if kind == "column" and name not in COMMON_COLUMNS:
            raise ValueError(f"not a case column: {name!r}")
        return cls(kind, name)

    def __str__(self) -> str:
        return IGNORE if self.kind == IGNORE else f"{self.kind}:{self.name}"


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def header_signature(columns: Iterable[str]) -> str:
    """Order-free fingerprint of a header, for recognising next month's extract."""
    names = sorted({norm(c) for c in columns if norm(c)})
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def suggest(columns: Iterable[str], fields: Mapping[str, str]) -> dict[str, str]:
    """A first mapping for ``columns``; ``fields`` is the template's {key: label}.

    Matches a template field by key or label, then the synonyms above; everything else is kept
    as an extra field (the user can switch it to ignore).
    """
    by_name = {norm(k): f"field:{k}" for k in fields} | {
        norm(label): f"field:{k}" for k, label in fields.items()
    }
    by_name |= {norm(c): f"column:{c}" for c in COMMON_COLUMNS}
    by_name |= {norm(label): f"column:{c}" for c, label in COMMON_LABELS.items()}
    result: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = norm(column)
        target = by_name.get(key) or SYNONYMS.get(key)
        if target and target.startswith("field:") and target[6:] not in fields:
            target = None
        if target is None or target in used:
            target = f"extra:{column}"
        used.add(target)
        result[column] = target
    return result


def validate(
    mapping: Mapping[str, str], columns: Iterable[str], fields: Iterable[str]
) -> list[str]:
    """Problems with a mapping for this header and template, as sentences (empty when fine)."""
    problems = []
    columns = list(columns)
    fields = set(fields)
    missing = [c for c in columns if c not in mapping]
    if missing:
        problems.append(f"no target for column(s) {', '.join(map(repr, missing))}")
    seen: dict[str, str] = {}
    for column, text in mapping.items():
        try:
            target = Target.parse(text)
        except ValueError as exc:
            problems.append(f"column {column!r}: {exc}")
            continue
        if target.kind == "field" and target.name not in fields:
            problems.append(f"column {column!r}: the template has no field {target.name!r}")
        if target.kind != IGNORE:
            if str(target) in seen:
                problems.append(
                    f"columns {seen[str(target)]!r} and {column!r} both map to {target}"
                )
            seen[str(target)] = column
    return problems
