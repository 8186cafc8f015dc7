"""Typed SQLAlchemy 2 models: the product's memory.

Conventions (see docs/ARCHITECTURE.md):
- every table has an integer ``id`` (fast joins, lazy table models over row ids) and a stable
  ``uuid`` that identifies the row across databases, so work done on different laptops can be
  merged later;
- every time is stored as naive UTC by :class:`UTCDateTime` and read back timezone-aware;
- vocabularies (statuses, roles, ...) are stored as the strings of :mod:`scrutiny_app.domain.vocab`;
- the schema is created by the Alembic migrations in ``db/versions``, never by ``create_all``
  in the app (tests compare the two).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from datetime import UTC
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    return str(uuid_mod.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as naive UTC; returns them aware (UTC).

    A naive datetime handed in is taken to be UTC already.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Keyed:
    """Mixin: the integer key and the stable UUID (what identifies a row across databases)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)


class Identified(Keyed):
    """Mixin: the key and UUID, and the creation/update stamps."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- settings


class Setting(Base):
    """Per-database key/value settings (e.g. the pseudonymisation key, who last wrote it)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- templates


class PanelTemplate(Identified, Base):
    """A panel type as data: outcome scheme, review questions and case fields."""

    __tablename__ = "panel_templates"

    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    case_prefix: Mapped[str] = mapped_column(String(10), default="CASE")

    outcomes: Mapped[list[OutcomeCode]] = relationship(
        back_populates="template", order_by="OutcomeCode.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[ReviewQuestion]] = relationship(
        back_populates="template", order_by="ReviewQuestion.position", cascade="all, delete-orphan"
    )
    fields: Mapped[list[CaseField]] = relationship(
        back_populates="template", order_by="CaseField.position", cascade="all, delete-orphan"
    )


class OutcomeCode(Identified, Base):
    """One point of a template's outcome scheme (e.g. "Appropriate with observations")."""

    __tablename__ = "outcome_codes"
    __table_args__ = (UniqueConstraint("template_id", "code"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("panel_templates.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(9), default="#888888")
    position: Mapped[int] = mapped_column(default=0)
    is_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    is_carry_over: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    template: Mapped[PanelTemplate] = relationship(back_populates="outcomes")


class ReviewQuestion(Identified, Base):
    """A question the panel answers for every case (e.g. GOWISELY: grounds explained?)."""

    __tablename__ = "review_questions"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("panel_templates.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    group: Mapped[str] = mapped_column(String(100), default="")
    answers: Mapped[list[Any]] = mapped_column(default=list)  # allowed answers, in order
    position: Mapped[int] = mapped_column(default=0)
    # How the report tallies it (services/criteria.py): label, phrase, positive, internal,
    # reported. Empty: reported under its own text, not in the Commissioner's paragraph.
    report: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    template: Mapped[PanelTemplate] = relationship(back_populates="questions")


class CaseField(Identified, Base):
    """A field of the template's case record; ``personal`` ones are dropped when pseudonymised."""

    __tablename__ = "case_fields"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("panel_templates.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="text")  # text|date|number|bool|choice
    choices: Mapped[list[Any]] = mapped_column(default=list)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(default=0)

    template: Mapped[PanelTemplate] = relationship(back_populates="fields")


# --------------------------------------------------------------------------- panels


class Panel(Identified, Base):
    __tablename__ = "panels"

    name: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[int] = mapped_column(ForeignKey("panel_templates.id"))
    force: Mapped[str] = mapped_column(String(200), default="")
    access_mode: Mapped[str] = mapped_column(String(20), default="pseudonymised")
    code: Mapped[str] = mapped_column(String(20), default="")  # used in references, e.g. OOCD
    # Case-level data is kept this long after a meeting's report is published (services.retention).
    retention_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")

    template: Mapped[PanelTemplate] = relationship()
    members: Mapped[list[Member]] = relationship(
        back_populates="panel", order_by="Member.name", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="panel", order_by="Meeting.date", cascade="all, delete-orphan"
    )


class Member(Identified, Base):
    __tablename__ = "members"

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30), default="member")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    vetting_expiry: Mapped[dt.date | None] = mapped_column(Date)
    confidentiality_signed: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    panel: Mapped[Panel] = relationship(back_populates="members")


class Meeting(Identified, Base):
    __tablename__ = "meetings"

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    location: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    next_theme: Mapped[str] = mapped_column(String(300), default="")
    published_on: Mapped[dt.date | None] = mapped_column(Date)  # its report was published
    case_data_removed_at: Mapped[dt.datetime | None] = mapped_column()  # under retention

    panel: Mapped[Panel] = relationship(back_populates="meetings")
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    items: Mapped[list[MeetingCase]] = relationship(
        back_populates="meeting", order_by="MeetingCase.position", cascade="all, delete-orphan"
    )


class Attendance(Identified, Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(30), default="member")  # role at this meeting
    declarations: Mapped[str] = mapped_column(Text, default="")  # general declarations of interest

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()


class InterestDeclaration(Identified, Base):
    """A member's declared interest in one case: they may not record a view on it."""

    __tablename__ = "interest_declarations"
    __table_args__ = (UniqueConstraint("meeting_case_id", "member_id"),)

    meeting_case_id: Mapped[int] = mapped_column(ForeignKey("meeting_cases.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------- cases


class ImportBatch(Identified, Base):
    """Provenance of one imported file."""

    __tablename__ = "import_batches"

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(50), default="")
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the value maps changed: {file column: {value in the file: [value stored, rows]}}
    value_maps: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Case(Keyed, Base):
    """One case record of a panel's population, as imported (pseudonymised unless full access).

    Imported cases never change, and their batch says when and by whom they came: no stamps
    of their own (a million-row import writes 52 MB less).
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("panel_id", "reference"),
        Index("ix_cases_batch_row", "import_batch_id", "source_row"),
    )

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE")
    )
    source_row: Mapped[int | None] = mapped_column(Integer)  # 1-based data row in the file
    reference: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime | None] = mapped_column()
    area: Mapped[str] = mapped_column(String(200), default="")
    age_band: Mapped[str] = mapped_column(String(30), default="")
    gender: Mapped[str] = mapped_column(String(30), default="")
    self_defined_ethnicity: Mapped[str] = mapped_column(String(100), default="")
    officer_defined_ethnicity: Mapped[str] = mapped_column(String(100), default="")
    # One of the 5 broad groups (Asian, Black, Mixed, White, Other) or "Not stated"; see
    # docs/ETHNICITY.md for the mapping from the 18+1 and the older coded categories.
    ethnicity_group: Mapped[str] = mapped_column(String(20), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the template's own fields


class BatchSortRanks(Base):
    """One sortable column of an imported batch: each case's rank in SQLite's ORDER BY.

    Written by the import (imported cases never change), read by the case list so that a
    million cases sort without a SQL sort; see scrutiny_app.importing.sort_keys. ``key`` is a
    case column name, or ``field:<key>`` for a template or extra field. The batch's cases
    have the consecutive ids ``first_case_id`` .. ``first_case_id + rows - 1``.
    """

    __tablename__ = "batch_sort_ranks"

    import_batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_case_id: Mapped[int] = mapped_column()
    rows: Mapped[int] = mapped_column()
    dtype: Mapped[str] = mapped_column(String(4))  # NumPy type of the ranks: u1, u2 or u4
    ranks: Mapped[bytes] = mapped_column(LargeBinary)


class Sample(Identified, Base):
    """How a meeting's cases were drawn: enough to redraw the same sample."""

    __tablename__ = "samples"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(30))
    seed: Mapped[int] = mapped_column(BigInteger)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    population_size: Mapped[int] = mapped_column()
    target_size: Mapped[int] = mapped_column()
    drawn_size: Mapped[int] = mapped_column(default=0)
    drawn_by: Mapped[str] = mapped_column(String(200), default="")
    drawn_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    method_statement: Mapped[str] = mapped_column(Text, default="")


class MeetingCase(Identified, Base):
    """A case on a meeting's agenda (sampled, hand-picked or carried over)."""

    __tablename__ = "meeting_cases"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    selection: Mapped[str] = mapped_column(String(20), default="random")
    # The item of an earlier meeting this case was carried over from (no consensus there).
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_cases.id", ondelete="SET NULL")
    )
    seconds_spent: Mapped[int] = mapped_column(default=0)  # time the panel spent on the case
    views_revealed_at: Mapped[dt.datetime | None] = mapped_column()  # members' views shown

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    judgement: Mapped[PanelJudgement | None] = relationship(
        back_populates="item", cascade="all, delete-orphan", uselist=False
    )
    assessments: Mapped[list[MemberAssessment]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )


class MemberAssessment(Identified, Base):
    """One member's own view of a case, formed before the panel discussion."""

    __tablename__ = "member_assessments"
    __table_args__ = (UniqueConstraint("meeting_case_id", "member_id"),)

    meeting_case_id: Mapped[int] = mapped_column(ForeignKey("meeting_cases.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    outcome_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seconds_spent: Mapped[int] = mapped_column(default=0, server_default="0")  # reading it

    item: Mapped[MeetingCase] = relationship(back_populates="assessments")
    member: Mapped[Member] = relationship()


class PanelJudgement(Identified, Base):
    """The panel's agreed judgement on a case (or its record of no consensus)."""

    __tablename__ = "panel_judgements"

    meeting_case_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_cases.id", ondelete="CASCADE"), unique=True
    )
    outcome_code: Mapped[str] = mapped_column(String(40))
    consensus: Mapped[str] = mapped_column(String(20), default="unanimous")
    observations: Mapped[str] = mapped_column(Text, default="")
    good_practice: Mapped[str] = mapped_column(Text, default="")
    individual_learning: Mapped[str] = mapped_column(Text, default="")
    organisational_learning: Mapped[str] = mapped_column(Text, default="")
    dissent: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # kept out of the public report

    item: Mapped[MeetingCase] = relationship(back_populates="judgement")


class Tag(Identified, Base):
    """A panel's shared tag ("no BWV", "victim not consulted"): added once, reused by all."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("panel_id", "key"),)

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))  # normalised name: one typo is not two tags


class CaseTag(Base):
    """A tag applied to a case as reviewed at a meeting."""

    __tablename__ = "case_tags"

    meeting_case_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_cases.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class ColumnMapping(Identified, Base):
    """A saved mapping from a force extract's columns to the template's fields, per panel."""

    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # file column -> "column:<case column>" | "field:<template field>" | "extra:<name>" | "ignore"
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The user's value maps: {file column: {value in the file: value to store}}
    value_maps: Mapped[dict[str, Any]] = mapped_column(default=dict)
    header_signature: Mapped[str] = mapped_column(String(64), default="", index=True)


class ReportSection(Identified, Base):
    """A narrative section of a meeting's report, written in the app."""

    __tablename__ = "report_sections"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50))  # e.g. purpose, performance_context, themes
    text: Mapped[str] = mapped_column(Text, default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # kept out of the public report


class MeetingArchive(Keyed, Base):
    """What a meeting keeps once its case-level data is removed under the retention policy:
    its figures (``results``: outcome counts, criteria, population) and the published report
    as it was (``public_report``, the document model as JSON: services.report.archive)."""

    __tablename__ = "meeting_archives"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    public_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    removed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what was removed, counted


# --------------------------------------------------------------------------- recommendations


class RecommendationCase(Base):
    """Cases a recommendation was raised from."""

    __tablename__ = "recommendation_cases"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )


class Recommendation(Identified, Base):
    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("reference"),)

    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    number: Mapped[int] = mapped_column()
    reference: Mapped[str] = mapped_column(String(60))
    theme: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    addressed_to: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    date_raised: Mapped[dt.date] = mapped_column(Date)
    response_due: Mapped[dt.date | None] = mapped_column(Date)
    force_response: Mapped[str] = mapped_column(Text, default="")
    response_date: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(30))
    action_owner: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30), default="draft")
    evidence: Mapped[str] = mapped_column(Text, default="")
    date_closed: Mapped[dt.date | None] = mapped_column(Date)
    published_in: Mapped[str] = mapped_column(String(300), default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # kept out of the public report

    panel: Mapped[Panel] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    cases: Mapped[list[Case]] = relationship(secondary="recommendation_cases")
    updates: Mapped[list[RecommendationUpdate]] = relationship(
        back_populates="recommendation",
        order_by="RecommendationUpdate.created_at",
        cascade="all, delete-orphan",
    )


class RecommendationUpdate(Identified, Base):
    """A dated entry in a recommendation's history (status changes, responses, notes)."""

    __tablename__ = "recommendation_updates"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[dt.date] = mapped_column(Date)
    status_from: Mapped[str | None] = mapped_column(String(30))
    status_to: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")

    recommendation: Mapped[Recommendation] = relationship(back_populates="updates")


# --------------------------------------------------------------------------- audit


class AuditEvent(Base):
    """Who did what to which row, and when. Append-only: no service updates or deletes one,
    and the database's triggers refuse it (migration 0011)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(60))
    entity_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The hash chain (storage.audit_chain): the previous event's hash and this one's.
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # On a shared server: the login that wrote it, set by the server itself (migration 0014).
    login: Mapped[str | None] = mapped_column(String(63))


# --------------------------------------------------------------------------- publication


class PublicationDecision(Identified, Base):
    """The officer's decision on a passage of published free text that may be personal data.

    Stored beside the text, never in place of it: the public report applies ``redact``
    decisions (every occurrence of ``passage`` in that field is replaced) and leaves out a
    field decided ``withhold`` (``passage`` is then ""); ``keep`` prints the passage as it is.
    The text is named by its row's ``entity`` (table name), ``entity_uuid`` and ``field``.
    """

    __tablename__ = "publication_decisions"
    __table_args__ = (UniqueConstraint("entity_uuid", "field", "passage"),)

    entity: Mapped[str] = mapped_column(String(60))
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(60))
    passage: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(20))  # redact | keep | withhold
    kinds: Mapped[str] = mapped_column(String(200), default="")  # what the detector saw
    decided_by: Mapped[str] = mapped_column(String(200), default="")


# --------------------------------------------------------------------------- populations


class MeetingBatch(Base):
    """An imported file whose cases are (part of) a meeting's population.

    Every import links its batch to the meeting it was imported for; importing the same file
    again for another meeting links the batch it already is, so no case is stored twice.
    """

    __tablename__ = "meeting_batches"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    import_batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class BatchMember(Base):
    """A case an imported file holds that was already held from an earlier file (a cumulative
    extract): stored once, counted in the population of every meeting the file was imported for.
    """

    __tablename__ = "batch_members"

    import_batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    source_row: Mapped[int | None] = mapped_column(Integer)  # its row in this file


# --------------------------------------------------------------------------- drafts


class TextDraft(Base):
    """Text being typed into a review box, written within ~100 ms of each key.

    Not the record: a draft is deleted once its text is saved (and audited) as the view or the
    decision. A draft left behind by a crash is newer than the saved text and is restored as a
    saved change when the app next opens (:mod:`scrutiny_app.services.drafts`).
    """

    __tablename__ = "text_drafts"
    __table_args__ = (UniqueConstraint("meeting_case_id", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_case_id: Mapped[int] = mapped_column(ForeignKey("meeting_cases.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(80))  # "decision:observations", "view:note:<member>"
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MemberPack(Identified, Base):
    """A meeting pack made for one member to work offline (:mod:`scrutiny_app.packs`).

    ``uuid`` is the pack's id, written in the file; ``secret`` (random, also inside the
    encrypted pack) is the key the member's returns are sealed with, so a return that opens is
    from this pack and unaltered. ``merged`` is what was merged from its returns so far, per
    meeting case uuid: the member's change counter and the view's fingerprint.
    """

    __tablename__ = "member_packs"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    merged: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PackReturn(Identified, Base):
    """A member's return merged here (``uuid`` is the return's own id: merged once)."""

    __tablename__ = "pack_returns"

    pack_id: Mapped[int] = mapped_column(ForeignKey("member_packs.id", ondelete="CASCADE"))
    merged_by: Mapped[str] = mapped_column(String(200), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Login(Base):
    """A person who logs in to a shared PostgreSQL server as themselves (``login`` is their
    PostgreSQL role; services.logins). Empty in a SQLite file."""

    __tablename__ = "logins"
    __table_args__ = (CheckConstraint("role IN ('officer', 'member')", name="role"),)

    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # officer | member
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
