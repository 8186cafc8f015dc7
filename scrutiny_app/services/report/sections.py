"""The narrative sections of a meeting's report, written in the app, and the next theme.

A narrative section is plain text with simple formatting (paragraphs separated by a blank line,
bullet lines starting with ``- ``, ``**bold**``; see :func:`~scrutiny_app.services.report.model.parse_text`), stored
per meeting and key in ``report_sections``. A section flagged ``internal`` appears in the
internal (OFFICIAL-SENSITIVE) report only, never in the public one.

The report places each section where docs/DOMAIN.md puts it; the app's editor lists them with
:func:`list_sections` in that order, with a title and a hint for each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.services.report.model import Bullets, Para, parse_text
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import ReportSection

__all__ = [
    "NARRATIVE_SECTIONS",
    "SectionSpec",
    "SectionText",
    "get_next_theme",
    "get_section",
    "list_sections",
    "section_spec",
    "set_next_theme",
    "set_section",
]

MAX_NEXT_THEME = 300  # the column's length


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str  # as the editor shows it
    hint: str  # placeholder text for the editor


# In report order. The keys are stored in the database: never rename one.
NARRATIVE_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "purpose",
        "Purpose and remit",
        "Leave empty to use the standard wording for this type of panel; anything written here "
        "replaces it.",
    ),
    SectionSpec(
        "performance_context",
        "Performance context",
        "The performance picture presented at the start of the meeting: volumes, trends and "
        "the force's commentary.",
    ),
    SectionSpec(
        "good_practice",
        "Good practice",
        "An introduction to the good practice the Panel saw. The good practice and learning "
        "recorded against each case are listed after it.",
    ),
    SectionSpec(
        "themes",
        "Themes and concerns",
        "The themes and concerns the Panel drew from the cases as a whole.",
    ),
    SectionSpec(
        "force_response",
        "Force response",
        "The force's written response to this report, or a summary of it. Responses to each "
        "recommendation come from the tracker.",
    ),
    SectionSpec(
        "earlier_recommendations",
        "Status of earlier recommendations",
        "Commentary on progress with recommendations made at earlier meetings.",
    ),
    SectionSpec(
        "next_steps",
        "Next steps",
        "Anything to add to the standard next steps (responses due, cases carried over).",
    ),
)
_SPECS = {s.key: s for s in NARRATIVE_SECTIONS}


def section_spec(key: str) -> SectionSpec:
    try:
        return _SPECS[key]
    except KeyError:
        known = ", ".join(_SPECS)
        raise UserError(f"No report section {key!r} (sections: {known}).") from None


@dataclass(frozen=True)
class SectionText:
    meeting_id: int
    key: str
    title: str
    hint: str
    text: str
    internal: bool
    updated_at: dt.datetime | None  # None: never written

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def blocks(self) -> tuple[Para | Bullets, ...]:
        """The text as paragraphs and bullet lists (what the report prints)."""
        return parse_text(self.text)


def _text(meeting_id: int, spec: SectionSpec, row: ReportSection | None) -> SectionText:
    return SectionText(
        meeting_id=meeting_id,
        key=spec.key,
        title=spec.title,
        hint=spec.hint,
        text=row.text if row else "",
        internal=bool(row.internal) if row else False,
        updated_at=row.updated_at if row else None,
    )


def list_sections(db: Database, meeting_id: int) -> list[SectionText]:
    """Every narrative section of the meeting in report order, empty where none was written."""
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        rows = {
            r.key: r
            for r in s.scalars(select(ReportSection).where(ReportSection.meeting_id == meeting.id))
        }
        return [_text(meeting.id, spec, rows.get(spec.key)) for spec in NARRATIVE_SECTIONS]


def get_section(db: Database, meeting_id: int, key: str) -> SectionText:
    spec = section_spec(key)
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        row = s.scalar(
            select(ReportSection).where(
                ReportSection.meeting_id == meeting.id, ReportSection.key == key
            )
        )
        return _text(meeting.id, spec, row)


def set_section(
    db: Database,
    meeting_id: int,
    key: str,
    text: str,
    *,
    internal: bool | None = None,
    actor: str = "",
) -> SectionText:
    """Save a narrative section's text; ``internal=None`` keeps the section's current flag.

    Saving the same text and flag again writes nothing (no audit event), so an editor can save
    on every focus change.
    """
    spec = section_spec(key)
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        row = s.scalar(
            select(ReportSection).where(
                ReportSection.meeting_id == meeting.id, ReportSection.key == key
            )
        )
        if row is None:
            row = ReportSection(meeting_id=meeting.id, key=key, text="", internal=False)
            s.add(row)
            action = "create"
        elif row.text == text and (internal is None or bool(row.internal) == internal):
            return _text(meeting.id, spec, row)
        else:
            action = "update"
        row.text = text
        if internal is not None:
            row.internal = internal
        s.flush()
        audit.record(s, actor, action, row, meeting=meeting.uuid, key=key, internal=row.internal)
        return _text(meeting.id, spec, row)


def get_next_theme(db: Database, meeting_id: int) -> str:
    with db.session() as s:
        return get_meeting(s, meeting_id).next_theme or ""


def set_next_theme(db: Database, meeting_id: int, theme: str, *, actor: str = "") -> str:
    """Record the theme of the panel's next meeting (printed in the report); returns it."""
    theme = " ".join(theme.split())
    if len(theme) > MAX_NEXT_THEME:
        raise UserError(f"The next theme is too long ({len(theme)} characters; at most 300).")
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        if (meeting.next_theme or "") != theme:
            meeting.next_theme = theme
            s.flush()
            audit.record(s, actor, "next_theme", meeting, next_theme=theme)
    return theme
