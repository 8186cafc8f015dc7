"""Value maps: the force's values tidied into the panel's vocabulary as they are imported.

Each mapped file column may carry a value map ``{raw value: value to store}``. The map the
import uses is the one the user gave (wizard, ``--mapping-file``, a saved mapping) laid over
the standard tidying suggested here for each distinct value:

- blank-like values (``N/A``, ``-``, ``unknown``, ...) become blank, unless the target's own
  vocabulary holds them (a "Conditions complied: Unknown" stays);
- gender: ``F``/``female`` -> ``Female``, ``M``/``male`` -> ``Male``;
- age: a number of years (``17``, ``17 yrs``, ``aged 17``) -> the data.police.uk band
  (``10-17``); a band that is already one stays;
- self-defined ethnicity codes: the 18+1 codes (W1 ... W4, M1 ... M4, A1 ... A5, B1 ... B3,
  O1, O2, NS) and the older 16+1 ones (W9, M9, A9, B9, O9) -> the 18+1 labels. The two
  schemes give B1, B2 and O1 different meanings: a column holding any code only the 16+1
  scheme has is read as 16+1, else as 18+1 (see :func:`ethnicity_scheme`);
- officer-defined IC codes (IC1 ... IC6, IC0/IC9) -> the data.police.uk officer-defined labels
  (IC5, Chinese/Japanese/South East Asian, is Asian as in the 2011 Census; IC0/IC9 unknown);
- a choice field: any case of a vocabulary entry, or its initials (``CR`` -> ``Community
  resolution``) -> the entry.

The batch records the changes it made, ``{column: {raw: stored}}``, and the report lists
them, so a reader can see how the force's values were read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

BLANK_LIKE = frozenset(
    {"n/a", "na", "n.a.", "-", "--", "?", "unknown", "not known", "null", "none", "nil",
     "not recorded", "unk", "#n/a"}
)  # fmt: skip

AGE_BANDS = ("under 10", "10-17", "18-24", "25-34", "over 34")

# 18+1 (the 2011 Census categories, used since about 2017)
CODES_18 = {
    "W1": "White - English/Welsh/Scottish/Northern Irish/British",
    "W2": "White - Irish",
    "W3": "White - Gypsy or Irish Traveller",
    "W4": "White - Any other White background",
    "M1": "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "M2": "Mixed/Multiple ethnic groups - White and Black African",
    "M3": "Mixed/Multiple ethnic groups - White and Asian",
    "M4": "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "A1": "Asian/Asian British - Indian",
    "A2": "Asian/Asian British - Pakistani",
    "A3": "Asian/Asian British - Bangladeshi",
    "A4": "Asian/Asian British - Chinese",
    "A5": "Asian/Asian British - Any other Asian background",
    "B1": "Black/African/Caribbean/Black British - African",
    "B2": "Black/African/Caribbean/Black British - Caribbean",
    "B3": "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "O1": "Other ethnic group - Arab",
    "O2": "Other ethnic group - Any other ethnic group",
    "NS": "Other ethnic group - Not stated",
}
# 16+1 (the 2001 Census categories), written as the 18+1 label of the same group
CODES_16 = {
    "W1": CODES_18["W1"],
    "W2": CODES_18["W2"],
    "W9": CODES_18["W4"],
    "M1": CODES_18["M1"],
    "M2": CODES_18["M2"],
    "M3": CODES_18["M3"],
    "M9": CODES_18["M4"],
    "A1": CODES_18["A1"],
    "A2": CODES_18["A2"],
    "A3": CODES_18["A3"],
    "A9": CODES_18["A5"],
    "B1": CODES_18["B2"],  # Caribbean in 16+1
    "B2": CODES_18["B1"],  # African in 16+1
    "B9": CODES_18["B3"],
    "O1": CODES_18["A4"],  # Chinese in 16+1
    "O9": CODES_18["O2"],
    "NS": CODES_18["NS"],
}
ONLY_16 = frozenset(CODES_16) - frozenset(CODES_18)
ONLY_18 = frozenset(CODES_18) - frozenset(CODES_16)

IC_CODES = {
    "IC1": "White",
    "IC2": "White",
    "IC3": "Black",
    "IC4": "Asian",
    "IC5": "Asian",
    "IC6": "Other",
    "IC0": "",
    "IC9": "",
}
_GENDERS = {"f": "Female", "female": "Female", "m": "Male", "male": "Male"}
_CODE = re.compile(r"^\(?([A-Z]{1,2}\d|NS)\)?$")
_IC = re.compile(r"^I\.?C\.?\s?(\d)$")
_AGE = re.compile(r"^(?:aged?\s*)?(\d{1,3})(?:\.0)?\s*(?:y|yr|yrs|year|years|years old)?\.?$", re.I)


def code_of(value: str) -> str:
    """The ethnicity code a cell holds ("W1", "(NS)"), or ""."""
    return _code(value)


def ethnicity_scheme(values: Iterable[str]) -> str:
    """Which coding a column of self-defined ethnicity uses: "16+1" when any code only that
    scheme has appears (W9, M9, A9, B9, O9), else "18+1" (the current one)."""
    codes = {_code(v) for v in values}
    return "16+1" if codes & ONLY_16 and not codes & ONLY_18 else "18+1"


def _code(value: str) -> str:
    m = _CODE.match(value.strip().upper())
    return m.group(1) if m else ""


def age_band(years: int) -> str:
    if years < 10:
        return "under 10"
    if years <= 17:
        return "10-17"
    if years <= 24:
        return "18-24"
    if years <= 34:
        return "25-34"
    return "over 34"


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z]+", text)).upper()


def suggest(
    target: str,
    values: Sequence[str],
    vocabulary: Sequence[str] = (),
    *,
    scheme: str | None = None,
) -> dict[str, str]:
    """The standard tidying for a column's distinct ``values`` going to ``target``
    (``column:gender``, ``field:disposal_type``, ...): only the values it changes.
    ``scheme`` fixes the ethnicity coding (else it is read from ``values``)."""
    out: dict[str, str] = {}
    vocab = {v.lower(): v for v in vocabulary}
    name = target.split(":", 1)[1] if ":" in target else target
    if name == "self_defined_ethnicity" and scheme is None:
        scheme = ethnicity_scheme(values)
    initials: dict[str, str] = {}
    for v in vocabulary:
        initials.setdefault(_initials(v), v)
    for raw in values:
        value = str(raw).strip()
        if not value:
            continue
        low = value.lower()
        clean: str | None = None
        if low in vocab:
            clean = vocab[low]
        elif low in BLANK_LIKE:
            clean = ""
        elif name == "gender":
            clean = _GENDERS.get(low)
        elif name == "age_band":
            m = _AGE.match(value)
            if m and value not in AGE_BANDS:
                clean = age_band(int(m.group(1)))
        elif name == "self_defined_ethnicity":
            code = _code(value)
            if code:
                clean = (CODES_16 if scheme == "16+1" else CODES_18).get(code)
        elif name == "officer_defined_ethnicity":
            m = _IC.match(value.upper())
            if m:
                clean = IC_CODES.get(f"IC{m.group(1)}")
        elif vocabulary and value.upper() in initials and len(value) >= 2:
            clean = initials[value.upper()]
        if clean is not None and clean != raw:
            out[str(raw)] = clean
    return out


def combined(
    target: str,
    values: Sequence[str],
    vocabulary: Sequence[str],
    given: Mapping[str, str] | None,
    *,
    scheme: str | None = None,
) -> dict[str, str]:
    """The map the import uses for one column: the standard tidying, with the user's own
    map laid over it (an entry mapping a value to itself turns a suggestion off)."""
    out = suggest(target, values, vocabulary, scheme=scheme)
    for raw, clean in (given or {}).items():
        if clean == raw:
            out.pop(raw, None)
        else:
            out[raw] = clean
    return out
