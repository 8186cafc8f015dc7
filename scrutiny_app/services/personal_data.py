"""A detector of likely personal data in free text, for the publication check.

It errs on the side of flagging: every passage it finds is shown to the officer, who decides
(redact, keep, or keep the whole text internal). What it looks for, and how:

- **phone numbers**: Google's ``phonenumbers`` (``PhoneNumberMatcher``, UK by default, numbers
  valid for their country) as Presidio's own phone recogniser does, and any UK-shaped number
  of a possible length (the ranges Ofcom keeps for drama are not "valid", yet are numbers);
- **people's names**: a name after a title or police rank ("PC 1234 Smith", "Mrs Patel",
  "Detective Sergeant Jones"); a first name from a gazetteer followed by a surname ("Sarah
  Jones"), or on its own where it cannot be an ordinary word; and the names the caller knows
  (the panel's members, people named in the force's answers). The gazetteer is the ONS baby
  names (Open Government Licence, as Faker's en_GB provider carries them) and the US 1990
  Census name lists (public domain), less first names that are everyday English words
  (``resources/data/names``);
- **police collar / warrant numbers**: a number after a rank ("PC 1234", "DC/567") or after
  "collar", "warrant" or "shoulder number";
- **dates of birth**: a date after "DOB", "date of birth" or "born", and any full date more
  than ten years ago (it may be one);
- **addresses**: UK postcodes (the shape of the Royal Mail format) and a house number
  followed by a street ("12 Acacia Avenue");
- **e-mail addresses**, **vehicle registrations** (current, prefix and suffix DVLA formats)
  and **crime, custody and URN references** (after a word that introduces one, the CPS URN
  shape, long numbers, and the panel's own case references given by the caller).

No network and no model download: everything ships with the app.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers

from scrutiny_app.paths import resource


class Kind(StrEnum):
    NAME = "name"
    COLLAR_NUMBER = "collar_number"
    DATE_OF_BIRTH = "date_of_birth"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    VEHICLE = "vehicle"
    REFERENCE = "reference"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.NAME: "a person's name",
    Kind.COLLAR_NUMBER: "a collar or warrant number",
    Kind.DATE_OF_BIRTH: "a date of birth",
    Kind.ADDRESS: "an address",
    Kind.POSTCODE: "a postcode",
    Kind.PHONE: "a phone number",
    Kind.EMAIL: "an e-mail address",
    Kind.VEHICLE: "a vehicle registration",
    Kind.REFERENCE: "a crime, custody or case reference",
}


@dataclass(frozen=True)
class Finding:
    """A passage of ``text[start:end]`` that may be personal data, and why."""

    start: int
    end: int
    text: str
    kinds: tuple[Kind, ...]

    @property
    def why(self) -> str:
        labels = [k.label for k in self.kinds]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


# --------------------------------------------------------------------------- word lists


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every English word and proper noun lower-cased, the everyday lower-case words, common
    UK surnames)."""
    with gzip.open(resource("data", "names", "english_words.txt.gz"), "rt", encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip()]
    uk = resource("data", "names", "common_uk_surnames.txt").read_text(encoding="utf-8").split()
    return (
        frozenset(w.lower() for w in words),
        frozenset(w for w in words if w.islower()),
        frozenset(uk) - _NOT_NAMES,
    )


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, first names that are also English words, surnames), capitalised."""

    def read(name: str) -> frozenset[str]:
        text = resource("data", "names", name).read_text(encoding="utf-8")
        return frozenset(line.strip() for line in text.splitlines() if line.strip())

    first = read("first_names.txt")
    ambiguous = read("ambiguous_first_names.txt") | _AMBIGUOUS
    return first - _NOT_NAMES, ambiguous, read("surnames.txt") - _NOT_NAMES


# Capitalised words of this domain that the name lists hold but a panel writes as words.
_NOT_NAMES = frozenset(
    """Adult Avon Bristol Case Caution Chief Community Constable Court Crown Custody
    Detective Force Inspector Justice Officer Panel Police Sergeant Somerset Taser Victim
    Youth January February March April May June July August September
    October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Christmas Easter""".split()  # noqa: SIM905
)

# First names that are everyday words too: a name only with a surname ("Mark Taylor").
_AMBIGUOUS = frozenset(
    """Grant King Major Young Norris Hope Faith Joy Will Mark Bill Dean Rose Summer Page Penny
    Ray Sunny Sterling Chase Miles Frank Guy Jack Lance Pat Rich Sue""".split()  # noqa: SIM905
)

# Capitalised words that end a name: "Sarah Police" is not a name.
_STOP_AFTER = frozenset(
    """The A An And Or But Of In On At To For From With By Was Is Were Are Had Has Have Said
    Police Officer Officers Constabulary Court Station Street Road Team Unit Panel Case Cases
    Report Service Services Council Crown Youth Adult Caution Community Resolution Order
    Custody Court Search Stop Taser Victim Offender Suspect Witness""".split()  # noqa: SIM905
)

_RANKS_ABBR = (
    r"P\.?C|W\.?P\.?C|D\.?C|P\.?S|D\.?S|Sgt|Insp|Ch\.?\s?Insp|D\.?I|D\.?C\.?I|Supt|Ch\.?\s?Supt"
    r"|D\.?Supt|D\.?S\.?U|D\.?C\.?S|A\.?C\.?C|D\.?C\.?C|PCSO|S\.?C|Det|DCon"
)
_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Revd"
_RANK_WORDS = (
    r"(?:Police\s+)?Constable|Sergeant|Inspector|Chief\s+Inspector|Superintendent"
    r"|Chief\s+Superintendent|Detective(?:\s+(?:Constable|Sergeant|Inspector))?|Officer"
)
_NAME_TOKEN = r"(?:Mc|Mac|O['’])?[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_INITIAL = r"(?:[A-Z]\.?\s+)"

_TITLED = re.compile(
    rf"\b(?P<title>(?:{_RANKS_ABBR}|{_TITLES}))(?![A-Za-z])\.?\s*(?:[/#]?\s*(?P<num>\d{{2,6}})\s*)?"
    rf"(?P<name>{_INITIAL}*{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})?"
)
_RANKED_WORD = re.compile(
    rf"\b(?:{_RANK_WORDS})\s+(?:(?P<num>\d{{2,6}})\s+)?(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})"
)
_COLLAR_WORD = re.compile(
    r"\b(?:collar|warrant|shoulder|badge|epaulette)\s*(?:number|no\.?|num|#)?\s*[:#]?\s*"
    r"[A-Z]{0,2}\d{2,7}\b",
    re.IGNORECASE,
)
_CAP_SEQ = re.compile(rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})*")

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
)
_DOB = re.compile(
    rf"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*(?:{_DATE})",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(rf"\b{_DATE}\b", re.IGNORECASE)
_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ](?:[A-HK-Y]?\d[A-Z\d]?|\d[A-HJKPSTUW])\s?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_STREETS = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Gardens|Gdns"
    r"|Place|Pl|Court|Ct|Terrace|Grove|Hill|Park|Square|Sq|Mews|Row|Walk|Parade|View|Rise"
    r"|Green|Vale|Wharf|Quay|Mead|Fields|Hollow|Yard"
)
_ADDRESS = re.compile(
    rf"\b(?:(?:Flat|Apartment|Apt|Unit)\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?\s+"
    rf"(?:[A-Z][a-z'’]+\s+){{1,3}}(?:{_STREETS})\b"
)
_FLAT = re.compile(r"\b(?:Flat|Apartment|Apt)\s+\d+[A-Za-z]?\b")
_UK_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s\-]?\d){8,9}(?!\d)")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_VEHICLE = re.compile(
    r"\b(?:[A-Z]{2}\d{2}\s?[A-Z]{3}|[A-HJ-PR-Y]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-HJ-PR-Y])\b"
)
_VEHICLE_WORD = re.compile(
    r"\b(?:VRM|reg(?:istration)?(?:\s+(?:no\.?|number|mark|plate))?)\s*[:#]?\s*"
    r"(?=[A-Z0-9 ]*\d)[A-Z0-9]{2,4}\s?[A-Z0-9]{2,4}\b",
    re.IGNORECASE,
)
_REF_WORD = re.compile(
    r"\b(?:crime\s*(?:ref(?:erence)?|number|no\.?|report)|CRN|URN|CAD|custody\s*(?:record|number"
    r"|ref(?:erence)?|no\.?)|occurrence\s*(?:number|ref(?:erence)?|no\.?)?|incident\s*(?:number"
    r"|log|ref(?:erence)?|no\.?)|log\s*(?:number|no\.?)?|(?:case|job|file)\s*(?:number|no\.?)"
    r"|niche\s*(?:ref(?:erence)?|number|no\.?)?|ref(?:erence)?\s*(?:number|no\.?)?)"
    r"\s*[:#]?\s*(?=[A-Z0-9/\-]*\d)[A-Z0-9][A-Z0-9/\-]{3,}",
    re.IGNORECASE,
)
_URN = re.compile(r"\b\d{2}[A-Z]{2}\d{5,9}(?:/\d{2})?\b")
_LONG_NUMBER = re.compile(r"\b\d{7,}\b")
_SLASH_REF = re.compile(r"\b[A-Z]{0,5}\d{3,}[/\-]\d{2,}(?:[/\-]\d{2,6})?\b")
_YEAR_SPAN = re.compile(r"(?:19|20)\d{2}[/\-]\d{2}(?:\d{2})?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"'“(]\s*)$")


# --------------------------------------------------------------------------- the detector


class Detector:
    """Finds likely personal data in text. ``known_names`` and ``known_references`` are
    searched for as whole words (names case-sensitively, references not)."""

    def __init__(
        self,
        known_names: Iterable[str] = (),
        known_references: Iterable[str] = (),
        *,
        region: str = "GB",
        today: dt.date | None = None,
    ) -> None:
        self.region = region
        self.today = today or dt.date.today()
        names = sorted({n.strip() for n in known_names if len(n.strip()) >= 3}, key=len)[::-1]
        self._known_names = (
            re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")
            if names
            else None
        )
        refs = sorted({r.strip() for r in known_references if len(r.strip()) >= 4}, key=len)[::-1]
        self._known_refs = (
            re.compile(
                r"(?<![\w])(?:" + "|".join(re.escape(r) for r in refs) + r")(?![\w])",
                re.IGNORECASE,
            )
            if refs
            else None
        )

    def find(self, text: str) -> list[Finding]:
        """Every flagged passage of ``text``, in order; overlapping hits are one passage."""
        if not text or not text.strip():
            return []
        hits: list[tuple[int, int, Kind]] = []
        hits += self._phones(text)
        hits += [(m.start(), m.end(), Kind.EMAIL) for m in _EMAIL.finditer(text)]
        hits += self._names_and_collars(text)
        hits += [(m.start(), m.end(), Kind.COLLAR_NUMBER) for m in _COLLAR_WORD.finditer(text)]
        hits += [(m.start(), m.end(), Kind.DATE_OF_BIRTH) for m in _DOB.finditer(text)]
        hits += self._old_dates(text)
        hits += [(m.start(), m.end(), Kind.POSTCODE) for m in _POSTCODE.finditer(text)]
        hits += [(m.start(), m.end(), Kind.ADDRESS) for m in _ADDRESS.finditer(text)]
        hits += [(m.start(), m.end(), Kind.ADDRESS) for m in _FLAT.finditer(text)]
        hits += [(m.start(), m.end(), Kind.VEHICLE) for m in _VEHICLE.finditer(text)]
        hits += [(m.start(), m.end(), Kind.VEHICLE) for m in _VEHICLE_WORD.finditer(text)]
        hits += self._references(text)
        for pattern, kind in ((self._known_names, Kind.NAME), (self._known_refs, Kind.REFERENCE)):
            if pattern is not None:
                hits += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
        return _merge(text, hits)

    # kinds ------------------------------------------------------------------------------

    def _phones(self, text: str) -> list[tuple[int, int, Kind]]:
        out = [
            (match.start, match.end, Kind.PHONE)
            for match in phonenumbers.PhoneNumberMatcher(
                text, self.region, leniency=phonenumbers.Leniency.VALID
            )
        ]
        # Numbers written the UK way that the library does not call valid (the ranges Ofcom
        # keeps for drama, say, which is what a test or a careful writer uses): still a number
        # of a possible length for the UK.
        for m in _UK_PHONE.finditer(text):
            try:
                number = phonenumbers.parse(m.group(), "GB")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number):
                out.append((m.start(), m.end(), Kind.PHONE))
        return out

    def _names_and_collars(self, text: str) -> list[tuple[int, int, Kind]]:
        first, ambiguous, surnames = _names()
        out: list[tuple[int, int, Kind]] = []
        for m in _TITLED.finditer(text):
            num, name = m.group("num"), m.group("name")
            if name:
                name_end = m.start("name") + len(_trim_name(name))
                if name_end > m.start("name"):
                    out.append((m.start(), name_end, Kind.NAME))
            if num:
                out.append((m.start(), m.end("num"), Kind.COLLAR_NUMBER))
        for m in _RANKED_WORD.finditer(text):
            name = _trim_name(m.group("name"))
            tokens = name.split()
            if tokens and any(t in first or t in surnames for t in tokens):
                out.append((m.start(), m.start("name") + len(name), Kind.NAME))
            if m.group("num"):
                out.append((m.start(), m.end("num"), Kind.COLLAR_NUMBER))
        for m in _CAP_SEQ.finditer(text):
            spans = [(t.start(), t.end(), t.group()) for t in re.finditer(r"\S+", m.group())]
            base = m.start()
            i = 0
            while i < len(spans):
                s, e, tok = spans[i]
                if tok not in first:
                    i += 1
                    continue
                j = i + 1
                while (
                    j < len(spans)
                    and spans[j][2] not in _STOP_AFTER
                    and (spans[j][2] in surnames or spans[j][2] in first)
                ):
                    j += 1
                if j == i + 1 and j < len(spans):
                    nxt = spans[j][2]
                    if tok not in ambiguous and nxt not in _STOP_AFTER:
                        j += 1  # "Sarah Okonkwo": a clear first name and any surname
                if j > i + 1:
                    out.append((base + s, base + spans[j - 1][1], Kind.NAME))
                elif tok not in ambiguous and (
                    not _at_sentence_start(text, base + s) or len(spans) == 1
                ):
                    out.append((base + s, base + e, Kind.NAME))
                i = j
        out += self._unknown_words(text)
        return out

    def _unknown_words(self, text: str) -> list[tuple[int, int, Kind]]:
        """A capitalised word mid-sentence that is no English word or proper noun ("Priya",
        "Okonkwo"), or a common UK surname that is no everyday word ("Jones said")."""
        known, everyday, uk_surnames = _words()
        out = []
        for m in re.finditer(_NAME_TOKEN, text):
            word = m.group()
            if word in _NOT_NAMES or word in _STOP_AFTER or _at_sentence_start(text, m.start()):
                continue
            if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "-/"):
                continue
            bare = word.lower().replace("’", "'").rstrip("'")
            stem = bare[:-2] if bare.endswith("'s") else bare
            if stem not in known or (word in uk_surnames and stem not in everyday):
                out.append((m.start(), m.end(), Kind.NAME))
        return out

    def _old_dates(self, text: str) -> list[tuple[int, int, Kind]]:
        out = []
        for m in _FULL_DATE.finditer(text):
            year = _year_of(m.group())
            if year is not None and 1900 <= year <= self.today.year - 10:
                out.append((m.start(), m.end(), Kind.DATE_OF_BIRTH))
        return out

    def _references(self, text: str) -> list[tuple[int, int, Kind]]:
        out = [(m.start(), m.end(), Kind.REFERENCE) for m in _REF_WORD.finditer(text)]
        out += [(m.start(), m.end(), Kind.REFERENCE) for m in _URN.finditer(text)]
        out += [(m.start(), m.end(), Kind.REFERENCE) for m in _LONG_NUMBER.finditer(text)]
        for m in _SLASH_REF.finditer(text):
            if _YEAR_SPAN.fullmatch(m.group()) or _FULL_DATE.fullmatch(m.group()):
                continue
            out.append((m.start(), m.end(), Kind.REFERENCE))
        return out


def _trim_name(name: str) -> str:
    """A matched name less the trailing words that end a name ("Smith Said" -> "Smith")."""
    tokens = name.split()
    while tokens and tokens[-1] in _STOP_AFTER:
        tokens.pop()
    if not tokens:
        return ""
    end = 0
    for tok in tokens:
        end = name.index(tok, end) + len(tok)
    return name[:end]


def _at_sentence_start(text: str, pos: int) -> bool:
    return bool(_SENTENCE_START.search(text[max(0, pos - 4) : pos])) or pos == 0


def _year_of(date_text: str) -> int | None:
    """The four-digit year of a date (a two-digit year is too vague to call a birth date)."""
    iso = re.match(r"(\d{4})-", date_text)
    if iso:
        return int(iso.group(1))
    years = re.findall(r"\d{4}", date_text)
    return int(years[-1]) if years else None


def _merge(text: str, hits: list[tuple[int, int, Kind]]) -> list[Finding]:
    """Overlapping or touching-by-a-space hits become one passage with every kind found."""
    out: list[Finding] = []
    cur: tuple[int, int, list[Kind]] | None = None
    for s, e, kind in sorted(hits, key=lambda h: (h[0], -h[1])):
        if e <= s:
            continue
        if cur is not None and s < cur[1]:
            kinds = cur[2] if kind in cur[2] else [*cur[2], kind]
            cur = (cur[0], max(cur[1], e), kinds)
            continue
        if cur is not None:
            out.append(Finding(cur[0], cur[1], text[cur[0] : cur[1]], tuple(cur[2])))
        cur = (s, e, [kind])
    if cur is not None:
        out.append(Finding(cur[0], cur[1], text[cur[0] : cur[1]], tuple(cur[2])))
    return out


def names_in(text: str) -> list[str]:
    """The people's names the detector finds in ``text`` (for the force's answers: whoever
    is named there is then looked for everywhere else), titles and ranks stripped."""
    out = []
    for f in Detector().find(text):
        if Kind.NAME not in f.kinds:
            continue
        words = [w for w in re.findall(_NAME_TOKEN, f.text) if not re.fullmatch(_TITLES, w)]
        words = [w for w in words if not re.fullmatch(rf"(?:{_RANKS_ABBR})", w)]
        if words:
            out.append(" ".join(words))
            if len(words) > 1 and len(words[-1]) >= 3:
                out.append(words[-1])
    return out
