"""Ethnicity categories: the 18+1 self-defined categories, the older coded ones, 5 broad groups.

data.police.uk files carry the self-defined ethnicity in one of two forms:
- the current Census 2011 "18+1" labels, e.g. ``White - English/Welsh/Scottish/Northern Irish/British``
  and ``Other ethnic group - Not stated`` (the "+1");
- before about 2017, the older 16+1 coded labels, e.g. ``White - White British (W1)``,
  ``Chinese or other ethnic group - Any other ethnic group (O9)``, ``Not Stated (NS)``.

Both map to the five broad groups used for disproportionality (Asian, Black, Mixed, White, Other)
or to "Not stated". The rules are in docs/ETHNICITY.md; the one judgement call: the older code
O1 (Chinese) maps to Asian, as Chinese sits under Asian in the 2011 categories used since.
"""

from __future__ import annotations

import re
from functools import cache

BROAD_GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
NOT_STATED = "Not stated"

SELF_DEFINED_18_PLUS_1 = (
    "Asian/Asian British - Bangladeshi",
    "Asian/Asian British - Chinese",
    "Asian/Asian British - Indian",
    "Asian/Asian British - Pakistani",
    "Asian/Asian British - Any other Asian background",
    "Black/African/Caribbean/Black British - African",
    "Black/African/Caribbean/Black British - Caribbean",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "Mixed/Multiple ethnic groups - White and Asian",
    "Mixed/Multiple ethnic groups - White and Black African",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Irish",
    "White - Gypsy or Irish Traveller",
    "White - Any other White background",
    "Other ethnic group - Arab",
    "Other ethnic group - Any other ethnic group",
    "Other ethnic group - Not stated",
)

# The older coded categories (letter + digit in brackets) -> broad group.
OLD_CODES = {
    "W1": "White", "W2": "White", "W9": "White",
    "M1": "Mixed", "M2": "Mixed", "M3": "Mixed", "M9": "Mixed",
    "A1": "Asian", "A2": "Asian", "A3": "Asian", "A9": "Asian",
    "B1": "Black", "B2": "Black", "B9": "Black",
    "O1": "Asian",  # Chinese: under Asian in the 2011 categories
    "O9": "Other",
    "NS": NOT_STATED,
}  # fmt: skip

_CODE = re.compile(r"\(([A-Z]{1,2}\d?)\)\s*$")
_PREFIXES = (
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("white", "White"),
    ("other", "Other"),
    ("chinese or other", "Other"),
)


@cache
def broad_group(label: str) -> str:
    """The broad group of a self-defined (or officer-defined) ethnicity; '' when blank or unknown."""
    text = label.strip()
    if not text:
        return ""
    code = _CODE.search(text)
    if code and code.group(1) in OLD_CODES:
        return OLD_CODES[code.group(1)]
    lowered = text.lower()
    if "not stated" in lowered:
        return NOT_STATED
    for prefix, group in _PREFIXES:
        if lowered.startswith(prefix):
            return group
    return ""
