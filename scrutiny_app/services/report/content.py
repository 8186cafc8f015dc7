"""What the panel report says: one meeting's data turned into a :class:`ReportDocument`.

Sections, in docs/DOMAIN.md's order ("The report"): cover (panel, meeting, date, classification,
contents), purpose and remit, attendance (roles), performance context, theme and case
selection (population, method, seed, numbers selected / reviewed / carried over), outcomes
(table and chart), the Commissioner's summary, case-by-case findings, good practice and
learning, themes and concerns, recommendations, the force response, the status of earlier
recommendations, next theme and next steps.

Two versions:

- **internal** (OFFICIAL-SENSITIVE): everything, with case references, linked cases, and what
  the panel flagged internal (marked as such);
- **public** (OFFICIAL): leaves out every narrative section, judgement and recommendation
  flagged internal, and anything that identifies a case. The case-by-case findings become
  anonymous rows "Case 1..N" (offence or power, judgement, consensus, observations), numbered
  as in the internal version so the panel and the force can refer to "Case 7" in both; linked
  cases are not listed; and, as a last safety net, any case reference the panel has seen that
  still appears in free text (an observation that quotes one, say) is replaced by "[case]".
  The outcome counts and the Commissioner's paragraph still count every judged case: they
  are totals, and a published total that disagreed with the internal one would mislead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from scrutiny_app.domain.vocab import (
    AccessMode,
    Classification,
    Consensus,
    MemberRole,
    RecommendationStatus,
    SampleMethod,
    Selection,
)
from scrutiny_app.errors import UserError
from scrutiny_app.services import criteria as criteria_mod
from scrutiny_app.services import panels, population
from scrutiny_app.services.cases import SUMMARY_FIELDS, CaseRow, MeetingCases, meeting_cases
from scrutiny_app.services.publication import PublicationBlocked, Publisher
from scrutiny_app.services.recommendations import (
    CLOSED_STATUSES,
    RecommendationRow,
    decision_label,
    list_recommendations,
    status_label,
)
from scrutiny_app.services.report.model import (
    BarChart,
    Block,
    Bullets,
    Callout,
    Cell,
    Column,
    Cover,
    Inline,
    KeyValues,
    Para,
    ReportDocument,
    Run,
    Section,
    Subheading,
    Table,
    inline,
    parse_text,
)
from scrutiny_app.services.report.sections import SectionText, list_sections
from scrutiny_app.services.report.summary import cases_phrase, commissioner_summary, join_phrases
from scrutiny_app.services.session.common import QuestionInfo, review_template
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Attendance,
    Case,
    CaseTag,
    Meeting,
    MeetingCase,
    Member,
    PanelJudgement,
    Recommendation,
    RecommendationCase,
    ReportSection,
    Sample,
    Tag,
)

__all__ = ["REDACTED", "SECTIONS", "build_document"]

# (key, title) of every section, in order. The cover has no heading.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("purpose", "Purpose and remit"),
    ("attendance", "Attendance"),
    ("performance_context", "Performance context"),
    ("selection", "Theme and case selection"),
    ("outcomes", "Outcomes"),
    ("criteria", "Findings by criterion"),
    ("summary", "Summary for the Commissioner"),
    ("findings", "Case-by-case findings"),
    ("good_practice", "Good practice and learning"),
    ("themes", "Themes and concerns"),
    ("recommendations", "Recommendations"),
    ("force_response", "Force response"),
    ("earlier_recommendations", "Status of earlier recommendations"),
    ("next_steps", "Next theme and next steps"),
)
REDACTED = "[case]"
DASH = "\u2014"
INTERNAL_NOTE = "Internal: left out of the published version."
CRITERION_MET = "#3d7d4f"  # the bars of the criteria met

_REMIT: dict[str, str] = {
    "oocd": (
        "The Out of Court Disposals Scrutiny Panel is an independent panel of volunteers "
        "convened by the Office of the Police and Crime Commissioner. It reviews closed cases "
        "that the police finished with an out of court disposal, such as a community resolution "
        "or a conditional caution, to judge whether the disposal was appropriate and consistent "
        "with national and local policy, and to feed learning back to the force."
    ),
    "stop_search": (
        "The Scrutiny of Police Powers Panel is an independent panel of volunteers convened by "
        "the Office of the Police and Crime Commissioner. It reviews records of stop and search, "
        "with body-worn video where available, to judge whether the power was used lawfully, "
        "fairly and respectfully: whether the grounds were reasonable and the person was told "
        "what they are entitled to know (GOWISELY)."
    ),
    "use_of_force": (
        "The Scrutiny of Police Powers Panel is an independent panel of volunteers convened by "
        "the Office of the Police and Crime Commissioner. It reviews records of police use of "
        "force, with body-worn video where available, to judge whether the force used was "
        "proportionate, lawful, accountable and necessary (PLAN)."
    ),
    "complaints": (
        "The Independent Residents' Panel is an independent panel of volunteers convened by the "
        "Office of the Police and Crime Commissioner. It reviews closed police complaint files, "
        "chosen at random around a theme, to judge whether each complaint was handled in a "
        "timely way, whether the complainant was kept informed and whether the final outcome "
        "was correct."
    ),
    "hate_crime": (
        "The Hate Crime Scrutiny Panel is an independent panel of volunteers convened by the "
        "Office of the Police and Crime Commissioner. It reviews finalised hate crime "
        "investigations and non-crime hate incidents, chosen at random, to judge how victims "
        "were treated and supported and whether the investigation and its outcome were "
        "appropriate."
    ),
}
_REMIT_DEFAULT = (
    "The Panel is an independent panel of volunteers convened by the Office of the Police and "
    "Crime Commissioner to review closed case files and judge whether police decisions were "
    "appropriate."
)
_REMIT_COMMON = (
    "The Panel does not re-open cases and is not an appeal: it looks at closed case files with "
    "the benefit of hindsight, and its findings are offered as learning for the force. The force "
    "is asked to respond in writing to each recommendation, and the response is published with "
    "this report."
)
# The case field the performance context breaks the population down by, per template.
# The population's breakdowns in the performance context, per template: (key, heading).
_PEOPLE = (
    ("ethnicity_group", "Self-defined ethnicity (broad group)"),
    ("age_band", "Age band"),
    ("gender", "Gender"),
)
_CONTEXT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "oocd": (("disposal_type", "Disposal type"),),
    "stop_search": (("object_of_search", "Object of search"), *_PEOPLE),
    "use_of_force": (("outcome", "Outcome"), *_PEOPLE),
    "complaints": (("allegation_category", "Allegation category"),),
    "hate_crime": (("outcome", "Outcome"),),
}
_CONSENSUS_FLAG: dict[str, str] = {
    Consensus.MAJORITY: "Majority view",
    Consensus.SPLIT: "Split view (no majority)",
}
_FINDINGS_SUMMARY_HEAD = {
    "oocd": "Offence / disposal",
    "stop_search": "Power / object / outcome",
    "use_of_force": "Tactics / outcome",
    "complaints": "Allegation / outcome",
    "hate_crime": "Offence / outcome",
}
_SAMPLE_METHOD_LABELS = {
    SampleMethod.SIMPLE_RANDOM: "Simple random sample",
    SampleMethod.STRATIFIED: "Stratified random sample",
    SampleMethod.ALL: "All eligible cases",
}
_ROLE_ORDER = {role.value: i for i, role in enumerate(MemberRole)}
_TOP_CATEGORIES = 8


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Attendee:
    id: int
    role: str
    organisation: str
    present: bool
    declarations: str


@dataclass(frozen=True)
class _SampleInfo:
    id: int
    method: str
    seed: int
    population_size: int
    target_size: int
    drawn_size: int
    method_statement: str


@dataclass(frozen=True)
class _Population:
    size: int
    period: population.Period
    breakdowns: tuple[tuple[str, population.Breakdown], ...]  # (heading, counts)
    tidied: tuple[population.Tidied, ...] = ()  # what the value maps changed


@dataclass(frozen=True)
class _Data:
    panel: panels.PanelInfo
    meeting: panels.MeetingInfo
    location: str
    next_theme: str
    cases: MeetingCases
    internal_items: frozenset[int]  # MeetingCase ids whose judgement is flagged internal
    attendance: tuple[_Attendee, ...]
    samples: tuple[_SampleInfo, ...]
    population: _Population
    tags: tuple[tuple[int, str, int], ...]  # (tag id, name, cases)
    sections: dict[str, SectionText]
    section_ids: dict[str, int]
    recommendations: tuple[RecommendationRow, ...]  # raised at this meeting
    earlier: tuple[RecommendationRow, ...]  # raised before it, still of interest
    known_references: frozenset[str]  # case references to keep out of the public version
    generated_on: dt.date
    questions: tuple[QuestionInfo, ...]  # the template's, with how the report tallies them


def _load(db: Database, meeting_id: int, generated_on: dt.date) -> _Data:
    panel = panels.panel_of_meeting(db, meeting_id)
    meeting = panels.meeting_info(db, meeting_id)
    cases = meeting_cases(db, meeting_id)
    tpl_key = cases.template.key
    with db.session() as s:
        row = s.get(Meeting, meeting_id)
        assert row is not None
        location, next_theme = row.location or "", row.next_theme or ""
        attendance = tuple(
            _Attendee(
                a.id, a.role or m.role, m.organisation or "", bool(a.present), a.declarations or ""
            )
            for a, m in s.execute(
                select(Attendance, Member)
                .join(Member, Attendance.member_id == Member.id)
                .where(Attendance.meeting_id == meeting_id)
                .order_by(Attendance.id)
            ).all()
        )
        samples = tuple(
            _SampleInfo(
                x.id,
                x.method,
                x.seed,
                x.population_size,
                x.target_size,
                x.drawn_size,
                x.method_statement or "",
            )
            for x in s.scalars(
                select(Sample).where(Sample.meeting_id == meeting_id).order_by(Sample.id)
            )
        )
        internal_items = frozenset(
            s.scalars(
                select(MeetingCase.id)
                .join(PanelJudgement, PanelJudgement.meeting_case_id == MeetingCase.id)
                .where(MeetingCase.meeting_id == meeting_id, PanelJudgement.internal.is_(True))
            )
        )
        size = population.size(s, meeting_id)
        period = population.period(s, meeting_id)
        tidied = tuple(population.tidied(s, meeting_id))
        breakdowns = tuple(
            (label, population.breakdown(s, meeting_id, key))
            for key, label in (_CONTEXT_FIELDS.get(tpl_key, ()) if size else ())
        )
        tags = tuple(
            (tag_id, name, n)
            for tag_id, name, n in s.execute(
                select(Tag.id, Tag.name, func.count())
                .join(CaseTag, CaseTag.tag_id == Tag.id)
                .join(MeetingCase, MeetingCase.id == CaseTag.meeting_case_id)
                .where(MeetingCase.meeting_id == meeting_id)
                .group_by(Tag.id, Tag.name)
                .order_by(func.count().desc(), Tag.name)
            ).all()
        )
        section_ids = dict(
            s.execute(
                select(ReportSection.key, ReportSection.id).where(
                    ReportSection.meeting_id == meeting_id
                )
            ).all()
        )
        # References a public reader must never see: this meeting's cases, the cases on the
        # panel's other agendas, and every case linked to one of its recommendations.
        seen = set(
            s.scalars(
                select(Case.reference)
                .join(MeetingCase, MeetingCase.case_id == Case.id)
                .join(Meeting, Meeting.id == MeetingCase.meeting_id)
                .where(Meeting.panel_id == panel.id)
            )
        )
        seen.update(
            s.scalars(
                select(Case.reference)
                .join(RecommendationCase, RecommendationCase.case_id == Case.id)
                .join(Recommendation, Recommendation.id == RecommendationCase.recommendation_id)
                .where(Recommendation.panel_id == panel.id)
            )
        )
    seen.update(r.reference for r in cases.rows)

    all_recs = list_recommendations(db, panel_id=panel.id, today=generated_on)
    this = tuple(r for r in all_recs if r.meeting_id == meeting_id)
    earlier = _earlier(all_recs, panel, meeting)
    return _Data(
        panel=panel,
        meeting=meeting,
        location=location,
        next_theme=next_theme,
        cases=cases,
        internal_items=internal_items,
        attendance=attendance,
        samples=samples,
        population=_Population(int(size or 0), period, breakdowns, tidied),
        tags=tags,
        sections={t.key: t for t in list_sections(db, meeting_id)},
        section_ids=section_ids,
        recommendations=this,
        earlier=earlier,
        known_references=frozenset(r for r in seen if r),
        generated_on=generated_on,
        questions=review_template(db, meeting_id).questions,
    )


def _earlier(
    recs: Sequence[RecommendationRow], panel: panels.PanelInfo, meeting: panels.MeetingInfo
) -> tuple[RecommendationRow, ...]:
    """Recommendations raised before this meeting that are still open, or were finished with
    since the panel's previous meeting (so the panel sees them close)."""
    previous = max((m.date for m in panel.meetings if m.date < meeting.date), default=None)
    out = []
    for r in recs:
        raised = r.meeting_date or r.date_raised
        if r.meeting_id == meeting.id or raised >= meeting.date:
            continue
        if r.status in CLOSED_STATUSES and previous is not None:
            last = r.updates[-1].on if r.updates else r.date_raised
            if last < previous:
                continue
        out.append(r)
    return tuple(out)


# --------------------------------------------------------------------------- helpers


def long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def short_date(d: dt.date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def pct(value: float) -> str:
    return f"{value:.1f}%"


def _role_label(role: str) -> str:
    try:
        return MemberRole(role).label
    except ValueError:
        return role.replace("_", " ").capitalize()


def _p(text: str, style: str = "body") -> Para:
    return Para((inline(text),), style)  # type: ignore[arg-type]


def _note(text: str) -> Para:
    return Para((inline(text, italic=True),), "note")


def _cell(text: str, *, muted: bool = False, align: str = "left", bold: bool = False) -> Cell:
    return Cell((inline(text or DASH, muted=muted, bold=bold),), align=align, bold=bold)  # type: ignore[arg-type]


def _right(text: str, *, bold: bool = False) -> Cell:
    return _cell(text, align="right", bold=bold)


def _lines(*lines: Inline) -> tuple[Inline, ...]:
    return tuple(line for line in lines if line)


def _case_numbers(numbers: Sequence[int]) -> str:
    """'case 3', 'cases 3 and 9', 'cases 3, 4 and 9'."""
    words = [str(n) for n in numbers]
    return ("case " if len(words) == 1 else "cases ") + join_phrases(words)


# --------------------------------------------------------------------------- the builder


class _Builder:
    def __init__(
        self,
        data: _Data,
        public: bool,
        publisher: Publisher | None = None,
        *,
        allow_unjudged: bool = False,
    ) -> None:
        self.d = data
        self.public = public
        self.allow_unjudged = allow_unjudged
        self.publisher = publisher if public else None
        # Case numbers as the internal findings table numbers them: "Case 7" in both versions.
        self.number = {r.item_id: i for i, r in enumerate(data.cases.rows, start=1)}

    def free(self, entity: str, entity_id: int, field: str, text: str, label: str) -> str | None:
        """Free text as this version prints it: in the public version, through the
        publication check (redactions applied; None when the officer kept it internal)."""
        if self.publisher is None:
            return text
        return self.publisher.text(entity, entity_id, field, text, label)

    def meeting_text(self, field: str, text: str, label: str) -> str:
        return self.free("meetings", self.d.meeting.id, field, text, label) or ""

    def case_label(self, r: CaseRow, what: str) -> str:
        return f"Case {self.number[r.item_id]} ({r.reference}), {what}"

    # which judgements and recommendations this version shows ---------------------------

    def shown(self, r: CaseRow) -> bool:
        return not (self.public and r.item_id in self.d.internal_items)

    def recs(self, rows: Sequence[RecommendationRow]) -> list[RecommendationRow]:
        return [r for r in rows if not (self.public and r.internal)]

    def narrative(self, key: str) -> list[Block]:
        """A narrative section written in the app; internal ones only in the internal version."""
        sec = self.d.sections.get(key)
        if sec is None or sec.is_empty:
            return []
        if sec.internal:
            if self.public:
                return []
            return [_note(INTERNAL_NOTE), *parse_text(sec.text)]
        sec_id = self.d.section_ids.get(key)
        text = sec.text
        if sec_id is not None:
            text = self.free("report_sections", sec_id, "text", text, f"Section: {sec.title}") or ""
        return list(parse_text(text))

    # sections ---------------------------------------------------------------------------

    def cover(self) -> Cover:
        d = self.d
        theme = self.theme
        meeting_line = f"Meeting of {long_date(d.meeting.date)}" + (f": {theme}" if theme else "")
        details = [("Panel", d.panel.name)]
        if d.cases.template.name != d.panel.name:
            details.append(("Panel type", d.cases.template.name))
        details += [
            ("Force", d.panel.force or "Not recorded"),
            ("Meeting date", long_date(d.meeting.date)),
            ("Theme", theme or "No theme set"),
        ]
        if d.location:  # a building's name: not scanned (every "Kenneth Steele House" asked)
            details.append(("Venue", d.location))
        details += [
            ("Classification", self.classification),
            ("Version", "Published" if self.public else "Internal: working copy for the panel"),
            ("Report produced", long_date(d.generated_on)),
        ]
        if self.public:
            notice = (
                (
                    Run("OFFICIAL. ", bold=True),
                    Run(
                        "This is the published version of the Panel's report. It contains no "
                        "case references or personal information: cases are numbered, and "
                        "material the Panel kept internal is left out."
                    ),
                ),
            )
        else:
            access = (
                "Case references are pseudonymised."
                if d.panel.access_mode == AccessMode.PSEUDONYMISED
                else "The panel has full access to case records."
            )
            notice = (
                (
                    Run(f"{self.classification}. ", bold=True),
                    Run(
                        "This report contains case-level material from police records. Handle "
                        "it in line with the confidentiality agreement; do not publish it in "
                        f"this form. {access}"
                    ),
                ),
            )
        return Cover(
            title=d.panel.name,
            subtitle="Panel report: published version" if self.public else "Panel report",
            meeting_line=meeting_line,
            details=tuple(details),
            notice=notice,
        )

    @property
    def theme(self) -> str:
        return self.meeting_text("theme", self.d.meeting.theme or "", "Meeting theme")

    @property
    def classification(self) -> str:
        return (
            Classification.OFFICIAL.value
            if self.public
            else Classification.OFFICIAL_SENSITIVE.value
        )

    def purpose(self) -> list[Block]:
        tpl = self.d.cases.template
        written = self.narrative("purpose")
        out: list[Block] = written or [_p(_REMIT.get(tpl.key, _REMIT_DEFAULT))]
        scale = "; ".join(o.label for o in tpl.outcomes)
        out += [
            _p(_REMIT_COMMON),
            _p(f"The Panel reaches a judgement on each case on this scale: {scale}."),
        ]
        return out

    def attendance(self) -> list[Block]:
        out: list[Block] = [
            _p("Attendance is recorded by role and organisation; members are not named.")
        ]
        present = [a for a in self.d.attendance if a.present]
        absent = [a for a in self.d.attendance if not a.present]
        if not present:
            out.append(_p("Attendance was not recorded for this meeting."))
        else:
            groups: dict[tuple[str, str], int] = {}
            for a in sorted(present, key=lambda a: (_ROLE_ORDER.get(a.role, 99), a.organisation)):
                key = (_role_label(a.role), a.organisation or DASH)
                groups[key] = groups.get(key, 0) + 1
            out.append(
                Table(
                    "attendance",
                    (Column("Role", 55), Column("Organisation"), Column("Number", 22, "right")),
                    tuple(
                        (_cell(role), _cell(org), _right(str(n)))
                        for (role, org), n in groups.items()
                    ),
                )
            )
        if absent:
            roles: dict[str, int] = {}
            for a in absent:
                roles[_role_label(a.role)] = roles.get(_role_label(a.role), 0) + 1
            listed = join_phrases([f"{lbl} ({n})" if n > 1 else lbl for lbl, n in roles.items()])
            out.append(_p(f"Apologies: {listed}."))
        declared = [
            (a, text)
            for a in present
            if a.declarations.strip()
            and (
                text := self.free(
                    "attendance",
                    a.id,
                    "declarations",
                    a.declarations.strip(),
                    f"Declarations of interest ({_role_label(a.role)})",
                )
            )
        ]
        if declared:
            out.append(_p("Declarations of interest:"))
            out.append(
                Bullets(tuple(inline(f"{_role_label(a.role)}: {text}") for a, text in declared))
            )
        elif present:
            out.append(_p("No declarations of interest were recorded."))
        return out

    def performance_context(self) -> list[Block]:
        d, pop = self.d, self.d.population
        out: list[Block] = self.narrative("performance_context")
        if not pop.size:
            if not out:
                out.append(
                    _p("No performance information or case extract was recorded for this meeting.")
                )
            return out
        out.append(Subheading("The population the cases were drawn from"))
        pairs = [("Eligible cases", f"{pop.size:,}")]
        period = pop.period.text(long_date)
        if period:
            pairs.append(("Period", period))
        pairs.append(("Source", f"Extract provided by {d.panel.force or 'the force'}"))
        out.append(KeyValues(tuple(pairs)))
        for label, counts in pop.breakdowns:
            if counts.categories:
                out.append(self._breakdown_table(label, counts, pop.size))
        if pop.tidied:
            out.extend(self._value_maps(pop.tidied))
        return out

    def _value_maps(self, tidied: Sequence[population.Tidied]) -> list[Block]:
        """Which value maps were used: how the force's values were read into the standard
        categories the tables above count."""
        rows = sum(t.rows for t in tidied)
        files = sorted({t.file for t in tidied})
        merged: dict[tuple[str, str, str], int] = {}
        for t in tidied:  # the same change in several files: one row
            key = (t.column, t.raw, t.stored)
            merged[key] = merged.get(key, 0) + t.rows
        tidied = [population.Tidied("", c, r, v, n) for (c, r, v), n in merged.items()]
        out: list[Block] = [
            Subheading("How the force's values were read"),
            _p(
                f"{rows:,} value(s) in {'the extract' if len(files) == 1 else 'the extracts'} "
                "were read into the standard categories before they were counted: codes and "
                "abbreviations as the category they stand for, ages as the age band, and "
                "blank-like entries (N/A, unknown, -) as not recorded."
            ),
        ]
        shown = list(tidied)[:_VALUE_MAP_ROWS]
        table_rows = [
            (
                _cell(t.column),
                _cell(t.raw),
                _cell(t.stored or "Not recorded", muted=not t.stored),
                _right(f"{t.rows:,}"),
            )
            for t in shown
        ]
        if len(tidied) > len(shown):
            rest = list(tidied)[len(shown) :]
            table_rows.append(
                (
                    _cell(f"{len(rest)} more value(s)", muted=True),
                    _cell(""),
                    _cell(""),
                    _right(f"{sum(t.rows for t in rest):,}"),
                )
            )
        out.append(
            Table(
                "value_maps",
                (
                    Column("Column in the extract", 40),
                    Column("Value in the extract", 40),
                    Column("Read as", 60),
                    Column("Cases", 20, "right"),
                ),
                tuple(table_rows),
                compact=True,
            )
        )
        return out

    def _breakdown_table(self, label: str, counts: population.Breakdown, size: int) -> Table:
        cats = list(counts.categories)
        if counts.key == "age_band":  # bands in age order, not by count
            cats.sort(key=lambda vn: _age_order(vn[0]))
        top = cats[:_TOP_CATEGORIES]
        rest = sum(n for _, n in cats[_TOP_CATEGORIES:])
        rows = [
            (_cell(v or "Not recorded"), _right(f"{n:,}"), _right(pct(100 * n / size)))
            for v, n in top
        ]
        if rest:
            rows.append((_cell("Other"), _right(f"{rest:,}"), _right(pct(100 * rest / size))))
        rows.append(
            (
                _cell("Total", bold=True),
                _right(f"{size:,}", bold=True),
                _right("100.0%", bold=True),
            )
        )
        return Table(
            f"population:{counts.key}",
            (Column(label, 110), Column("Cases", 25, "right"), Column("Per cent", 25, "right")),
            tuple(rows),
            total=True,
        )

    def selection(self) -> list[Block]:
        d = self.d
        rows = d.cases.rows
        out: list[Block] = []
        if self.theme:
            out.append(_p(f"The theme of this meeting was: {self.theme}."))
        else:
            out.append(_p("No theme was set for this meeting."))
        for i, smp in enumerate(d.samples, start=1):
            if len(d.samples) > 1:
                out.append(Subheading(f"Sample {i}"))
            # Written by the sampling service, not typed: case references in it are caught by
            # the reference safety net below.
            if smp.method_statement:
                out.append(_p(smp.method_statement))
            try:
                method = _SAMPLE_METHOD_LABELS[SampleMethod(smp.method)]
            except ValueError:
                method = smp.method
            out.append(
                KeyValues(
                    (
                        ("Population", f"{smp.population_size:,} eligible cases"),
                        ("Method", method),
                        ("Random seed", str(smp.seed)),
                        ("Cases drawn", f"{smp.drawn_size} (of {smp.target_size} requested)"),
                    )
                )
            )
        if not d.samples:
            out.append(_p("No random sample was drawn for this meeting."))
        unjudged = len(rows) - d.cases.decided_count
        if self.public and unjudged:
            out.append(
                _note(
                    "This report was published before every case was judged: "
                    f"{cases_phrase(unjudged)} on the agenda had no panel judgement, and the "
                    f"findings cover the {cases_phrase(d.cases.decided_count)} judged."
                )
            )
        by_selection = {s: sum(1 for r in rows if r.selection == s) for s in Selection}
        carried_next = sum(1 for r in rows if r.carried_over)
        out.append(
            KeyValues(
                (
                    ("Cases selected", str(len(rows))),
                    ("Drawn at random", str(by_selection[Selection.RANDOM])),
                    ("Chosen by the panel", str(by_selection[Selection.PURPOSIVE])),
                    (
                        "Carried over from an earlier meeting",
                        str(by_selection[Selection.CARRIED_OVER]),
                    ),
                    ("Cases reviewed (judged)", str(d.cases.decided_count)),
                    ("Carried over to the next meeting", str(carried_next)),
                    ("Not yet judged", str(len(rows) - d.cases.decided_count)),
                ),
                label_mm=70,
                value_mm=20,
                title="Cases at this meeting",
            )
        )
        return out

    def outcomes(self) -> list[Block]:
        counts = self.d.cases.counts()
        decided = self.d.cases.decided_count
        out: list[Block] = [
            _p(
                f"The Panel's judgements on the {cases_phrase(decided)} it reviewed, "
                "by the panel's outcome scheme."
            )
        ]
        rows = [
            (
                Cell(fill=c.outcome.colour),
                _cell(c.outcome.label),
                _right(str(c.count)),
                _right(pct(c.percent)),
            )
            for c in counts
        ]
        rows.append(
            (
                Cell(),
                _cell("Total reviewed", bold=True),
                _right(str(decided), bold=True),
                _right(pct(100.0 if decided else 0.0), bold=True),
            )
        )
        out.append(
            Table(
                "outcomes",
                (
                    Column("", 4),
                    Column("Outcome", 100),
                    Column("Cases", 25, "right"),
                    Column("Per cent", 25, "right"),
                ),
                tuple(rows),
                total=True,
                swatch=True,
            )
        )
        out.append(BarChart(tuple((c.outcome.label, c.count, c.outcome.colour) for c in counts)))
        undecided = len(self.d.cases.rows) - decided
        if undecided:
            out.append(
                _note(
                    f"{cases_phrase(undecided).capitalize()} on the agenda had no recorded "
                    "judgement and are not counted."
                )
            )
        return out

    def _tallies(self) -> list[criteria_mod.Tally]:
        return criteria_mod.tally(self.d.cases.rows, self.d.questions, public=self.public)

    def criteria(self) -> list[Block]:
        """The panel's agreed answers to the template's questions, counted per criterion."""
        tallies = self._tallies()
        if not tallies:
            return [_note("This panel's template has no criteria to count.")]
        total = tallies[0].total
        if not total:
            return [_note("No case has a panel decision yet: there is nothing to count.")]
        out: list[Block] = [
            _p(
                f"The Panel's agreed answer to each of its criteria on the {cases_phrase(total)} "
                "it decided: how many cases, and what share of them, had each answer."
            )
        ]
        for group, tallies_in_group in criteria_mod.groups(tallies):
            if group:
                out.append(Subheading(group))
            answers: list[str] = []
            for t in tallies_in_group:
                answers += [a for a in t.criterion.answers if a not in answers]
            if any(t.unanswered for t in tallies_in_group):
                answers.append(criteria_mod.NOT_ANSWERED)
            rows = []
            for t in tallies_in_group:
                label = t.criterion.label + (" (internal)" if t.criterion.internal else "")
                cells = [_cell(label)]
                for a in answers:
                    n = t.unanswered if a == criteria_mod.NOT_ANSWERED else t.count(a)
                    known = a == criteria_mod.NOT_ANSWERED or a in t.criterion.answers
                    cells.append(
                        _right(
                            f"{n} ({pct(t.percent(a))})" if known else DASH,
                            bold=a == t.criterion.positive,
                        )
                    )
                rows.append(tuple(cells))
            width = max(16.0, min(26.0, 96.0 / len(answers)))
            heads = [Column(a[:1].upper() + a[1:], width, "right") for a in answers]
            columns = (Column("Criterion"), *heads)
            out.append(Table("criteria", columns, tuple(rows), compact=True))
        if any(t.total - t.unanswered for t in tallies):  # one chart: how many met each
            out.append(BarChart(tuple((t.criterion.label, t.met, CRITERION_MET) for t in tallies)))
        out.append(
            _note(
                "Bold: the answer that meets the criterion. The bars count the cases that "
                f"met each criterion, out of {total}."
            )
        )
        return out

    def summary(self) -> list[Block]:
        text = commissioner_summary(self.d.cases.counts(), self.d.cases.template.key)
        extra = criteria_mod.summary_sentence(self._tallies())
        if extra:
            text = f"{text} {extra}"
        return [
            _note("For the Commissioner's update to the Police and Crime Panel:"),
            Callout((inline(text),), large=True),
        ]

    def _summary_lines(self, r: CaseRow) -> tuple[Inline, ...]:
        """The case's offence or power, one field a line (the first in full, the rest muted)."""
        key = self.d.cases.template.key
        lines: list[Inline] = []
        if key == "stop_search" and r.fields.get("legislation"):
            lines.append(inline(str(r.fields["legislation"]), muted=True))
        for i, f in enumerate(SUMMARY_FIELDS.get(key, ())):
            value = r.fields.get(f)
            if value not in (None, ""):
                lines.append(inline(str(value), muted=i > 0))
        return tuple(lines) or ((Run(DASH),),)

    def findings(self) -> list[Block]:
        d = self.d
        rows = d.cases.rows
        if not rows:
            return [_p("There were no cases on this meeting's agenda.")]
        tpl = d.cases.template
        colours = {o.code: o.colour for o in tpl.outcomes}
        head = _FINDINGS_SUMMARY_HEAD.get(tpl.key, "Summary")
        table_rows = []
        left_out = 0
        for r in rows:
            if not self.shown(r):
                left_out += 1
                continue
            n = self.number[r.item_id]
            if r.decided:
                judgement = Cell(
                    _lines(
                        inline(r.outcome_label),
                        # Only a majority or split view is flagged: unanimity is the norm,
                        # and "no consensus" is an outcome of its own.
                        inline(_CONSENSUS_FLAG[r.consensus], muted=True)
                        if r.consensus in _CONSENSUS_FLAG
                        else (),
                    ),
                    fill=_tint(colours.get(r.outcome_code or "")),
                )
            else:
                judgement = Cell((inline("Not yet judged", italic=True, muted=True),))
            observed = self.free(
                "meeting_cases",
                r.item_id,
                "observations",
                r.observations.strip(),
                self.case_label(r, "observations"),
            )
            obs: tuple[Inline, ...] = (inline(observed),) if observed else ((Run(DASH),),)
            missed = criteria_mod.not_met(r, d.questions) if not self.public else []
            if missed:  # the findings that matter, compactly (internal version only)
                obs = (*obs, inline("Not met: " + "; ".join(missed), muted=True))
            if r.item_id in d.internal_items:  # internal version only
                obs = (*obs, inline(INTERNAL_NOTE, italic=True, muted=True))
            first: tuple[Cell, ...]
            if self.public:
                first = (_cell(f"Case {n}"),)
            else:
                first = (_cell(str(n), muted=True), _cell(r.reference))
            table_rows.append((*first, Cell(self._summary_lines(r)), judgement, Cell(obs)))
        columns: tuple[Column, ...]
        if self.public:
            columns = (
                Column("Case", 14),
                Column(head, 44),
                Column("Judgement", 30),
                Column("Key observations"),
            )
        else:
            columns = (
                Column("#", 6),
                Column("Reference", 24, fit=True),
                Column(head, 40),
                Column("Judgement", 28),
                Column("Key observations"),
            )
        out: list[Block] = []
        if self.public:
            out.append(
                _p(
                    "Cases are numbered rather than identified. Each row gives the offence or "
                    "power, the Panel's judgement (flagged where it was a majority view) and its "
                    "key observations."
                )
            )
        if table_rows:
            out.append(Table("findings", columns, tuple(table_rows), compact=True))
        if left_out:
            out.append(
                _note(
                    f"{cases_phrase(left_out).capitalize()} "
                    f"{'is' if left_out == 1 else 'are'} not described in this version; "
                    "they are counted in the outcomes above."
                )
            )
        return out

    def _collect(self, attr: str) -> list[Inline]:
        found: dict[str, list[CaseRow]] = {}
        for r in self.d.cases.rows:
            text = str(getattr(r, attr) or "").strip()
            if text and self.shown(r):
                label = self.case_label(r, attr.replace("_", " "))
                text = self.free("meeting_cases", r.item_id, attr, text, label) or ""
                if text:
                    found.setdefault(text, []).append(r)
        items: list[tuple[Run, ...]] = []
        for text, rs in found.items():
            if self.public:
                where = _case_numbers([self.number[r.item_id] for r in rs])
            else:
                where = ", ".join(r.reference for r in rs)
            items.append((Run(text), Run(f" ({where})", muted=True)))
        return items

    def good_practice(self) -> list[Block]:
        out: list[Block] = self.narrative("good_practice")
        found = False
        for title, attr in (
            ("Good practice", "good_practice"),
            ("Individual learning", "individual_learning"),
            ("Organisational learning", "organisational_learning"),
        ):
            items = self._collect(attr)
            if items:
                found = True
                out += [Subheading(title), Bullets(tuple(items))]
        if not found and not out:
            out.append(
                _p("The Panel recorded no good practice or learning points at this meeting.")
            )
        return out

    def themes(self) -> list[Block]:
        d = self.d
        out: list[Block] = self.narrative("themes")
        decided = d.cases.decided_count
        concerns = [c for c in d.cases.counts() if c.outcome.is_concern]
        n_concern = sum(c.count for c in concerns)
        if decided and concerns:
            labels = join_phrases(
                [
                    c.outcome.label.lower()
                    if d.cases.template.key == "oocd"
                    else f'"{c.outcome.label}"'
                    for c in concerns
                ]
            )
            verb = "judged" if d.cases.template.key == "oocd" else "rated"
            out.append(
                _p(
                    f"The Panel {verb} {n_concern} of the {cases_phrase(decided)} it reviewed "
                    f"({pct(100 * n_concern / decided)}) {labels}."
                )
            )
        if d.tags:
            out.append(Subheading("Issues the Panel noted across cases"))
            out.append(
                Table(
                    "tags",
                    (Column("Issue", 130), Column("Cases", 25, "right")),
                    tuple(
                        (_cell(name), _right(str(n)))
                        for tag_id, tag, n in d.tags
                        if (name := self.free("tags", tag_id, "name", tag, f"Tag: {tag}"))
                    ),
                )
            )
        if not out:
            out.append(_p("The Panel recorded no themes or concerns at this meeting."))
        return out

    def recommendations(self) -> list[Block]:
        recs = self.recs(self.d.recommendations)
        if not recs:
            return [_p("The Panel made no recommendations at this meeting.")]
        word = "recommendation" if len(recs) == 1 else "recommendations"
        out: list[Block] = [_p(f"The Panel makes {len(recs)} {word} to the force.")]
        rows = []
        for r in recs:
            lines: list[Inline] = [inline(self.rec_text(r, "text") or DASH)]
            lines.append(inline(f"Priority: {r.priority.capitalize()}", muted=True))
            if r.linked_cases and not self.public:
                lines.append(inline(f"Cases: {', '.join(r.linked_cases)}", muted=True))
            if r.internal:
                lines.append(inline(INTERNAL_NOTE, italic=True, muted=True))
            rows.append(
                (
                    _cell(r.reference, bold=True),
                    Cell(tuple(lines)),
                    _cell(self.rec_text(r, "addressed_to")),
                    _cell(short_date(r.response_due)),
                    _cell(status_label(r.status)),
                )
            )
        out.append(
            Table(
                "recommendations",
                (
                    Column("Reference", 26, fit=True),
                    Column("Recommendation"),
                    Column("Addressed to", 30),
                    Column("Response due", 20),
                    Column("Status", 24),
                ),
                tuple(rows),
            )
        )
        return out

    def rec_text(self, r: RecommendationRow, field: str) -> str:
        what = {"text": "text", "addressed_to": "addressed to", "force_response": "force response"}
        return (
            self.free(
                "recommendations",
                r.id,
                field,
                str(getattr(r, field) or "").strip(),
                f"Recommendation {r.reference}, {what.get(field, field.replace('_', ' '))}",
            )
            or ""
        )

    def force_response(self) -> list[Block]:
        out: list[Block] = self.narrative("force_response")
        recs = self.recs(self.d.recommendations)
        answered = [r for r in recs if r.force_response.strip() or r.decision]
        if answered:
            rows = []
            for r in answered:
                owner = _lines(
                    inline(self.rec_text(r, "action_owner")),
                    inline(f"Target: {short_date(r.target_date)}", muted=True)
                    if r.target_date
                    else (),
                )
                response = _lines(
                    inline(self.rec_text(r, "force_response") or DASH),
                    inline(f"Received {short_date(r.response_date)}", muted=True)
                    if r.response_date
                    else (),
                )
                rows.append(
                    (
                        _cell(r.reference, bold=True),
                        _cell(decision_label(r.decision) or "Not stated"),
                        Cell(response),
                        Cell(owner or ((Run(DASH),),)),
                    )
                )
            out.append(
                Table(
                    "force_response",
                    (
                        Column("Reference", 26, fit=True),
                        Column("Decision", 26),
                        Column("Response"),
                        Column("Action owner", 34),
                    ),
                    tuple(rows),
                )
            )
        waiting = [r for r in recs if r not in answered]
        force = self.d.panel.force or "the force"
        drafts = [r for r in waiting if r.status == RecommendationStatus.DRAFT]
        sent = [r for r in waiting if r.status != RecommendationStatus.DRAFT]
        for group, verb in ((drafts, "will be requested"), (sent, "has been requested")):
            if not group:
                continue
            dues = sorted({r.response_due for r in group if r.response_due})
            if len(group) == len(recs):
                what = "The force's response to " + (
                    "this recommendation" if len(recs) == 1 else "these recommendations"
                )
            else:
                what = f"A response to {join_phrases([r.reference for r in group])}"
            when = ""
            if len(dues) == 1:
                when = f"; it {'is' if dues[0] >= self.d.generated_on else 'was'} due by "
                when += long_date(dues[0])
            tail = " when the report is sent" if group is drafts else ""
            out.append(_p(f"{what} {verb} from {force}{tail}{when}."))
        if not recs and not out:
            out.append(_p("No response is awaited: the Panel made no recommendations."))
        return out

    def earlier_recommendations(self) -> list[Block]:
        out: list[Block] = self.narrative("earlier_recommendations")
        recs = self.recs(self.d.earlier)
        if not recs:
            out.append(_p("There were no recommendations from earlier meetings to follow up."))
            return out
        as_at = long_date(self.d.generated_on)
        open_ = sum(1 for r in recs if r.is_open)
        overdue = sum(1 for r in recs if r.overdue)
        sentence = (
            f"Status at {as_at} of the {len(recs)} "
            f"{'recommendation' if len(recs) == 1 else 'recommendations'} from earlier meetings: "
            f"{open_} open"
        )
        sentence += f", {overdue} overdue." if overdue else "."
        out.append(_p(sentence))
        rows = []
        for r in recs:
            status = [inline(status_label(r.status))]
            if r.overdue:
                status.append(inline("Overdue", bold=True))
            latest = r.updates[-1] if r.updates else None
            note = latest.note if latest else ""
            if latest and note and latest.id:
                note = (
                    self.free(
                        "recommendation_updates",
                        latest.id,
                        "note",
                        note,
                        f"Recommendation {r.reference}, update of {short_date(latest.on)}",
                    )
                    or ""
                )
            update = (
                _lines(
                    inline(short_date(latest.on), muted=True),
                    inline(note or status_label(latest.status_to)),
                )
                if latest
                else ((Run(DASH),),)
            )
            rows.append(
                (
                    Cell(
                        (
                            inline(r.reference, bold=True),
                            inline(short_date(r.meeting_date or r.date_raised), muted=True),
                        )
                    ),
                    _cell(self.rec_text(r, "text")),
                    _cell(self.rec_text(r, "addressed_to")),
                    Cell(tuple(status)),
                    Cell(update),
                )
            )
        out.append(
            Table(
                "earlier_recommendations",
                (
                    Column("Reference", 26, fit=True),
                    Column("Recommendation"),
                    Column("Addressed to", 28),
                    Column("Status", 26),
                    Column("Latest update", 32),
                ),
                tuple(rows),
            )
        )
        return out

    def next_steps(self) -> list[Block]:
        d = self.d
        out: list[Block] = []
        next_theme = self.meeting_text("next_theme", d.next_theme, "Next meeting's theme")
        if next_theme:
            out.append(
                Para(
                    (
                        (
                            Run("The theme of the next meeting will be: "),
                            Run(next_theme, bold=True),
                            Run("."),
                        ),
                    ),
                    "lead",
                )
            )
        else:
            out.append(_p("The theme of the next meeting has not yet been set."))
        out += self.narrative("next_steps")
        force = d.panel.force or "the force"
        steps: list[str] = []
        recs = self.recs(d.recommendations)
        steps += _recommendation_steps(recs, force)
        carried = sum(1 for r in d.cases.rows if r.carried_over)
        if carried:
            which = "The case" if carried == 1 else f"The {carried} cases"
            steps.append(
                f"{which} on which the Panel did not reach consensus will be carried over to "
                "the next meeting, with any further information requested."
            )
        undecided = len(d.cases.rows) - d.cases.decided_count
        if undecided:
            steps.append(
                f"{cases_phrase(undecided).capitalize()} had no recorded judgement when this "
                "report was produced."
            )
        steps.append(
            "The Panel will review the force's responses and the status of earlier "
            "recommendations at its next meeting."
        )
        if not self.public:
            steps.append(
                "The published version of this report, with the force's response, will be made "
                "available by the Office of the Police and Crime Commissioner."
            )
        out.append(Bullets(tuple(inline(s) for s in steps)))
        return out


_VALUE_MAP_ROWS = 40  # value map rows shown in the report; the rest are counted


def _age_order(band: str) -> tuple[int, str]:
    """'under 10' < '10-17' < '18-24' < '25-34' < 'over 34'; unrecorded last."""
    digits = re.findall(r"\d+", band)
    if not digits:
        return (10_000, band)
    n = int(digits[0])
    return (n - 1 if "under" in band.lower() else n + 1 if "over" in band.lower() else n, band)


def _recommendation_steps(recs: Sequence[RecommendationRow], force: str) -> list[str]:
    """What happens next to this meeting's recommendations, as the tracker has them now:
    drafts will be sent, issued ones await a response, answered ones are followed up."""
    drafts = [r for r in recs if r.status == RecommendationStatus.DRAFT]
    answered = [r for r in recs if r not in drafts and (r.force_response.strip() or r.decision)]
    awaiting = [r for r in recs if r not in drafts and r not in answered]

    def what(group: list[RecommendationRow], *, start: bool = True) -> str:
        if len(group) == len(recs):
            text = "this recommendation" if len(recs) == 1 else f"these {len(recs)} recommendations"
            return text[0].upper() + text[1:] if start else text
        return join_phrases([r.reference for r in group])

    def due(group: list[RecommendationRow]) -> str:
        dues = sorted({r.response_due for r in group if r.response_due})
        if len(dues) == 1:
            return f" by {long_date(dues[0])}"
        return " by the due dates shown" if dues else ""

    steps: list[str] = []
    if drafts:
        steps.append(
            f"{what(drafts)} will be sent to {force} with a request for a written response"
            f"{due(drafts)}."
        )
    if awaiting:
        have = "has" if len(awaiting) == 1 else "have"
        steps.append(
            f"{what(awaiting)} {have} been sent to {force}; a written response is due"
            f"{due(awaiting)}."
        )
    if answered:
        steps.append(
            f"{force[0].upper() + force[1:]} has responded to {what(answered, start=False)}; "
            "the Panel will follow the actions through its recommendation tracker."
        )
    return steps


def _tint(hex_colour: str | None, strength: float = 0.22) -> str | None:
    """``hex_colour`` mixed with white: a light cell fill in the outcome's colour."""
    if not hex_colour or not re.fullmatch(r"#[0-9a-fA-F]{6}", hex_colour):
        return None
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - v) * strength) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in mixed)


# --------------------------------------------------------------------------- the document


# Control characters other than tab and line breaks, and the code points XML cannot carry.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _redactor(references: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern matching any of ``references`` as a whole token (so "1234" does not
    match inside "12345"); references shorter than 4 characters are too short to tell apart
    from ordinary text and are left alone."""
    refs = sorted((r for r in references if len(r.strip()) >= 4), key=len, reverse=True)
    if not refs:
        return None
    alternatives = "|".join(re.escape(r) for r in refs)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def retained_document(db: Database, meeting_id: int) -> ReportDocument | None:
    """For a meeting whose case-level data was removed under the retention policy: the
    published report as it was kept then (or, if none could be kept, its figures), with a
    notice that says so. None for a meeting that still has its data."""
    from scrutiny_app.services.report import archive as report_archive
    from scrutiny_app.storage.models import MeetingArchive

    with db.session() as s:
        meeting = panels.get_meeting(s, meeting_id)
        removed_at = meeting.case_data_removed_at
        if removed_at is None:
            return None
        kept = s.scalars(
            select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id)
        ).first()
        panel_name, months = meeting.panel.name, meeting.panel.retention_months
        published, date, theme = meeting.published_on, meeting.date, meeting.theme
        results = dict(kept.results) if kept else {}
        stored = kept.public_report if kept else None
    when = long_date(removed_at.date())
    notice = inline(
        f"Case-level detail was removed on {when} under the panel's retention policy (case "
        f"data is kept {months} months after the report is published"
        + (f"; this report was published on {long_date(published)}" if published else "")
        + "). This is the published report as it stood then."
    )
    if stored is not None:
        doc = report_archive.from_json(stored)
        cover = doc.cover
        return replace(doc, cover=replace(cover, notice=(notice, *cover.notice)))
    rows = tuple((_cell(label), _right(str(n))) for _code, label, n in results.get("outcomes", []))
    blocks: list[Block] = [
        _p(f"{results.get('decided', 0)} of {results.get('agenda_cases', 0)} cases were decided."),
        Table("outcomes", (Column("Outcome"), Column("Cases", 25, "right")), rows),
    ]
    for c in results.get("criteria", []):
        given = ", ".join(f"{n} {a}" for a, n in c["counts"])
        blocks.append(_p(f"{c['label']}: {given} (of {c['total']} decided)."))
    return ReportDocument(
        meeting_id=meeting_id,
        public=True,
        classification=Classification.OFFICIAL.value,
        title=f"{panel_name} report: {long_date(date)}",
        subject=theme,
        author=panel_name,
        keywords=(Classification.OFFICIAL.value, panel_name, "panel report", "retained figures"),
        running_title=f"{panel_name} — {long_date(date)}",
        cover=Cover(panel_name, "Panel report: the figures kept", long_date(date), (), (notice,)),
        sections=(Section("outcomes", "Outcomes", tuple(blocks)),),
    )


def build_document(
    db: Database,
    meeting_id: int,
    *,
    public: bool = False,
    generated_on: dt.date | None = None,
    allow_unjudged: bool = False,
    publisher: Publisher | None = None,
    strict: bool = True,
) -> ReportDocument:
    """The meeting's report as a document, internal (default) or public.

    The public version says only what is finished and publishes nothing unseen: with
    ``strict`` (the default) it is refused while cases are not yet judged (unless
    ``allow_unjudged``: the method statement then says so) or while a passage the
    publication check flagged is undecided (:class:`PublicationBlocked`). ``strict=False``
    builds it anyway (the preview and the check itself).
    """
    generated_on = generated_on or dt.date.today()
    kept = retained_document(db, meeting_id)
    if kept is not None:  # the case-level data is gone: the report as it was published
        return kept
    data = _load(db, meeting_id, generated_on)
    unjudged = len(data.cases.rows) - data.cases.decided_count
    if public and strict and unjudged and not allow_unjudged:
        raise UserError(
            f"The public report was not exported: {cases_phrase(unjudged)} on the agenda "
            f"{'has' if unjudged == 1 else 'have'} no panel judgement yet. Judge "
            f"{'it' if unjudged == 1 else 'them'} first, or export anyway (report "
            "--allow-unjudged; the report then says that it is incomplete)."
        )
    if public:
        publisher = publisher or Publisher(db, meeting_id)
        publisher.set_known_references(data.known_references)
    b = _Builder(data, public, publisher, allow_unjudged=allow_unjudged)
    makers = {
        "purpose": b.purpose,
        "attendance": b.attendance,
        "performance_context": b.performance_context,
        "selection": b.selection,
        "outcomes": b.outcomes,
        "criteria": b.criteria,
        "summary": b.summary,
        "findings": b.findings,
        "good_practice": b.good_practice,
        "themes": b.themes,
        "recommendations": b.recommendations,
        "force_response": b.force_response,
        "earlier_recommendations": b.earlier_recommendations,
        "next_steps": b.next_steps,
    }
    sections = tuple(Section(key, title, tuple(makers[key]())) for key, title in SECTIONS)
    panel, meeting = data.panel, data.meeting
    doc = ReportDocument(
        meeting_id=meeting_id,
        public=public,
        classification=b.classification,
        title=f"{panel.name} report: {long_date(meeting.date)}",
        subject=data.cases.template.name + (f" - {b.theme}" if b.theme else ""),
        author=panel.name,
        keywords=(b.classification, panel.name, "panel report", "public" if public else "internal"),
        running_title=f"{panel.name} \u2014 {long_date(meeting.date)}",
        cover=b.cover(),
        sections=sections,
    )
    if public and strict and publisher is not None and publisher.check().undecided:
        raise PublicationBlocked(publisher.check())
    pattern = _redactor(data.known_references) if public else None

    def clean(text: str) -> str:
        if not text:
            return text
        text = _CONTROL.sub("", text)  # a stray control character would break the Word file
        return pattern.sub(REDACTED, text) if pattern is not None else text

    return doc.map_text(clean)
