"""The public data.police.uk stop-and-search CSV: recognised by its header, mapped without help.

The raw value of every cell is kept; what differs between years is normalised beside it
(see docs/DOMAIN.md, "The data.police.uk stop and search format"):
- outcomes: the older wording (``Nothing found - no further action``, ``Suspect arrested``, ...)
  and the newer (``A no further action disposal``, ``Arrest``, ...) map to one outcome list;
- self-defined ethnicity: older coded or current 18+1 labels, both mapped to 5 broad groups
  by :mod:`scrutiny_app.domain.ethnicity`.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMAT = "data.police.uk stop and search"

COLUMNS = (
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)

# file column -> target (see scrutiny_app.importing.mapping for the target syntax)
MAPPING = {
    "Type": "field:type",
    "Date": "column:occurred_at",
    "Part of a policing operation": "field:part_of_operation",
    "Policing operation": "field:policing_operation",
    "Latitude": "field:latitude",
    "Longitude": "field:longitude",
    "Gender": "column:gender",
    "Age range": "column:age_band",
    "Self-defined ethnicity": "column:self_defined_ethnicity",
    "Officer-defined ethnicity": "column:officer_defined_ethnicity",
    "Legislation": "field:legislation",
    "Object of search": "field:object_of_search",
    "Outcome": "field:outcome",
    "Outcome linked to object of search": "field:outcome_linked",
    "Removal of more than just outer clothing": "field:removal_of_clothing",
}

# Raw outcome wording, old and new -> one normalised outcome.
OUTCOMES = {
    # current wording (from about 2019)
    "A no further action disposal": "No further action",
    "Arrest": "Arrest",
    "Summons / charged by post": "Summons / charged by post",
    "Caution (simple or conditional)": "Caution",
    "Khat or Cannabis warning": "Khat or cannabis warning",
    "Penalty Notice for Disorder": "Penalty notice",
    "Community resolution": "Community resolution",
    # older wording
    "Nothing found - no further action": "No further action",
    "Suspect arrested": "Arrest",
    "Suspect summonsed to court": "Summons / charged by post",
    "Offender cautioned": "Caution",
    "Offender given drugs possession warning": "Khat or cannabis warning",
    "Offender given penalty notice": "Penalty notice",
    "Local resolution": "Community resolution",
    "Article found - Detailed outcome unavailable": "Article found - detailed outcome unavailable",
}
OUTCOME_CATEGORIES = tuple(dict.fromkeys(OUTCOMES.values()))
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
GENDERS = ("Male", "Female", "Other")
TYPES = ("Person search", "Person and Vehicle search", "Vehicle search")

# Columns whose unknown values are reported (with their counts), never dropped. (Type and the
# True/False columns are checked through the stop_search template's field kinds.)
ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "Gender": GENDERS,
    "Age range": AGE_RANGES,
    "Outcome": tuple(OUTCOMES),
}


def matches(columns: Iterable[str]) -> bool:
    """True when the header holds every data.police.uk stop-and-search column."""
    have = {c.strip().lower() for c in columns}
    return all(c.lower() in have for c in COLUMNS)
