"""Column mappings: which file column goes where.

A mapping is a dict ``file column -> target``, the target one of:
- ``column:<name>``: a common case column (``reference``, ``occurred_at``, ``area``, ``age_band``,
  ``gender``, ``self_defined_ethnicity``, ``officer_defined_ethnicity``);
- ``field:<key>``: one of the panel template's case fields;
- ``extra:<name>``: kept as an extra field under that name;
- ``ignore``: not imported.
Mappings are saved per panel (``ColumnMapping``) with the header's signature, so next month's
extract with the same columns maps itself.

A suggested mapping (:func:`suggest`) never keeps what looks like personal data beyond the
template's own personal fields (which the panel's access mode keeps or drops): a column the
template does not know is ignored unless the panel has full access, and one whose header or
first values look personal (:func:`personal_reason`) is ignored even then. Keeping such a column
is the user's explicit choice, and :func:`personal_columns` names the columns a mapping keeps
that way (for the import's audit event).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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


# Header words that say a column holds personal data: whole words of the header ...
PERSONAL_WORDS = frozenset(
    """name names forename forenames surname surnames firstname lastname fullname street tel
    mobile dob nino pnc vrm collar warrant notes note comments comment remarks narrative
    description details summary circumstances""".split()  # noqa: SIM905
)
# ... or parts of it, letters and digits only ("DateOfBirth", "HOME_ADDRESS", "OffenderName").
PERSONAL_PARTS = (
    "dateofbirth", "birth", "postcode", "address", "email", "phone", "freetext", "forename",
    "surname", "nationalinsurance", "narrative", "comment", "description",
)  # fmt: skip
SAMPLE_VALUES = 10  # first non-empty values of a column looked at ...
SAMPLE_CHARS = 1_000  # ... and of each, this much


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


def _words(header: str) -> list[str]:
    """A header's words, lower case: "OffenderName", "OFFENDER_NAME" -> offender, name."""
    return re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", header).lower())


def _sample(values: Iterable[Any]) -> list[str]:
    """The first :data:`SAMPLE_VALUES` non-empty values as text, each cut short."""
    out: list[str] = []
    for value in values:
        if value is None or (isinstance(value, float) and value != value):  # None, NaN
            continue
        text = str(value).strip()[:SAMPLE_CHARS]
        if text:
            out.append(text)
            if len(out) == SAMPLE_VALUES:
                break
    return out


def _values_of(samples: Any, column: str) -> Iterable[Any]:
    """``samples[column]`` (a dict of value lists or counts, or a DataFrame), () if none."""
    if samples is None:
        return ()
    try:
        return samples.get(column, ())
    except (AttributeError, TypeError):
        return ()


def personal_reason(column: str, values: Iterable[Any] = ()) -> str:
    """Why a column looks like personal data, "" if it does not: its header (a name, postcode,
    address, phone, e-mail, date of birth or free-text notes), or what its first values hold
    (a phone number, e-mail, postcode, address, date of birth, collar number or vehicle
    registration in any of them, or a person's name in at least half). Cheap: it looks at
    :data:`SAMPLE_VALUES` values at most."""
    key = norm(column)
    if (
        PERSONAL_WORDS.intersection(_words(column))
        or any(part in key for part in PERSONAL_PARTS)
        or key.endswith(("name", "names"))
    ):
        return "its header"
    sample = _sample(values)
    if not sample:
        return ""
    # Imported here: the detector's word lists are read only when values are looked at.
    from scrutiny_app.services.personal_data import Detector, Kind

    detector = Detector()
    named = 0
    for text in sample:
        kinds = {k for finding in detector.find(text) for k in finding.kinds}
        strong = kinds - {Kind.NAME, Kind.REFERENCE}
        if strong:
            return f"{min(strong, key=lambda k: k.value).label} in its values"
        named += Kind.NAME in kinds
    if named * 2 >= len(sample):
        return f"{Kind.NAME.label} in its values"
    return ""


def suggest(
    columns: Iterable[str],
    fields: Mapping[str, str],
    *,
    keep_unknown: bool = False,
    samples: Any = None,
    personal_fields: Iterable[str] | None = None,
) -> dict[str, str]:
    """A first mapping for ``columns``; ``fields`` is the template's {key: label}.

    Matches a template field by key or label, then the synonyms above. A column the template
    does not know (or a second one for a target already taken) is ignored; with
    ``keep_unknown`` (a full-access panel) it is kept as an extra field unless it looks
    personal (:func:`personal_reason` on its header and its values in ``samples``, column ->
    first values, e.g. a plan's preview). A column that looks personal and matches a template
    field not in ``personal_fields`` is ignored too; one that matches a personal field keeps
    it (the panel's access mode keeps or drops it). ``personal_fields`` None: every field is
    taken to be the template's to govern. The user keeps a column explicitly by giving a
    mapping that says so.
    """
    by_name = {norm(k): f"field:{k}" for k in fields} | {
        norm(label): f"field:{k}" for k, label in fields.items()
    }
    by_name |= {norm(c): f"column:{c}" for c in COMMON_COLUMNS}
    by_name |= {norm(label): f"column:{c}" for c, label in COMMON_LABELS.items()}
    personal = None if personal_fields is None else set(personal_fields)
    result: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = norm(column)
        target = by_name.get(key) or SYNONYMS.get(key)
        if target and target.startswith("field:") and target[6:] not in fields:
            target = None
        if target is None or target in used:
            keep = keep_unknown and not personal_reason(column, _values_of(samples, column))
            target = f"extra:{column}" if keep else IGNORE
        elif (
            target.startswith("field:")
            and personal is not None
            and target[6:] not in personal
            and personal_reason(column, _values_of(samples, column))
        ):
            target = IGNORE
        if target != IGNORE:
            used.add(target)
        result[column] = target
    return result


def personal_columns(
    mapping: Mapping[str, str],
    columns: Iterable[str],
    samples: Any = None,
    *,
    personal_fields: Iterable[str] | None = None,
) -> list[str]:
    """The columns ``mapping`` keeps in clear that look personal: see :func:`kept_personal`."""
    return list(kept_personal(mapping, columns, samples, personal_fields=personal_fields))


def kept_personal(
    mapping: Mapping[str, str],
    columns: Iterable[str],
    samples: Any = None,
    *,
    personal_fields: Iterable[str] | None = None,
) -> dict[str, str]:
    """The columns ``mapping`` keeps in clear that look personal, each with why
    (:func:`personal_reason`): kept as an extra field, a template field not in
    ``personal_fields``, or a case column other than the reference (by its header only: case
    columns hold categories and dates). The template's personal fields follow the panel's
    access mode and are not listed (``personal_fields`` None: no template field is listed).
    ``samples``: column -> first values (a plan's preview, or the distinct values an import
    counted), optional."""
    personal = None if personal_fields is None else set(personal_fields)
    out: dict[str, str] = {}
    for column in columns:
        try:
            target = Target.parse(mapping.get(column, IGNORE))
        except ValueError:
            continue
        if target.kind == IGNORE or (target.kind == "column" and target.name == "reference"):
            continue
        if target.kind == "field" and (personal is None or target.name in personal):
            continue
        values = () if target.kind == "column" else _values_of(samples, column)
        why = personal_reason(column, values)
        if why:
            out[column] = why
    return out


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
