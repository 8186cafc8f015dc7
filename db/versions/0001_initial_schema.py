"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 (release 0.1.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_uuid", sa.String(length=36), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("uuid", name=op.f("uq_audit_events_uuid")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_entity_uuid"), ["entity_uuid"], unique=False
        )

    op.create_table(
        "panel_templates",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("case_prefix", sa.String(length=10), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_panel_templates_key")),
        sa.UniqueConstraint("uuid", name=op.f("uq_panel_templates_uuid")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "case_fields",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["panel_templates.id"],
            name=op.f("fk_case_fields_template_id_panel_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_fields")),
        sa.UniqueConstraint("template_id", "key", name=op.f("uq_case_fields_template_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_case_fields_uuid")),
    )
    op.create_table(
        "outcome_codes",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("colour", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_concern", sa.Boolean(), nullable=False),
        sa.Column("is_carry_over", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["panel_templates.id"],
            name=op.f("fk_outcome_codes_template_id_panel_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_codes")),
        sa.UniqueConstraint("template_id", "code", name=op.f("uq_outcome_codes_template_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_outcome_codes_uuid")),
    )
    op.create_table(
        "panels",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("force", sa.String(length=200), nullable=False),
        sa.Column("access_mode", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["panel_templates.id"],
            name=op.f("fk_panels_template_id_panel_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panels")),
        sa.UniqueConstraint("uuid", name=op.f("uq_panels_uuid")),
    )
    op.create_table(
        "review_questions",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("group", sa.String(length=100), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["panel_templates.id"],
            name=op.f("fk_review_questions_template_id_panel_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_questions")),
        sa.UniqueConstraint("template_id", "key", name=op.f("uq_review_questions_template_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_review_questions_uuid")),
    )
    op.create_table(
        "meetings",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_meetings_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("uuid", name=op.f("uq_meetings_uuid")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_panel_id"), ["panel_id"], unique=False)

    op.create_table(
        "members",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("vetting_expiry", sa.Date(), nullable=True),
        sa.Column("confidentiality_signed", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_members_panel_id_panels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("uuid", name=op.f("uq_members_uuid")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_panel_id"), ["panel_id"], unique=False)

    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("declarations", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_attendance_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_attendance_meeting_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_attendance_uuid")),
    )
    op.create_table(
        "import_batches",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=50), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_import_batches_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_import_batches_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
        sa.UniqueConstraint("uuid", name=op.f("uq_import_batches_uuid")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batches_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_batches_panel_id"), ["panel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batches_sha256"), ["sha256"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("theme", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("addressed_to", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("date_raised", sa.Date(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=True),
        sa.Column("force_response", sa.Text(), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=True),
        sa.Column("action_owner", sa.String(length=200), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("date_closed", sa.Date(), nullable=True),
        sa.Column("published_in", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_recommendations_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_recommendations_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("reference", name=op.f("uq_recommendations_reference")),
        sa.UniqueConstraint("uuid", name=op.f("uq_recommendations_uuid")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_panel_id"), ["panel_id"], unique=False)

    op.create_table(
        "samples",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("population_size", sa.Integer(), nullable=False),
        sa.Column("target_size", sa.Integer(), nullable=False),
        sa.Column("drawn_size", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.String(length=200), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("method_statement", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_samples_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("uuid", name=op.f("uq_samples_uuid")),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_samples_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("age_band", sa.String(length=30), nullable=False),
        sa.Column("gender", sa.String(length=30), nullable=False),
        sa.Column("self_defined_ethnicity", sa.String(length=100), nullable=False),
        sa.Column("officer_defined_ethnicity", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_cases_import_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_cases_panel_id_panels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("panel_id", "reference", name=op.f("uq_cases_panel_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cases_uuid")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_batch_row", ["import_batch_id", "source_row"], unique=False)

    op.create_table(
        "recommendation_updates",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("status_from", sa.String(length=30), nullable=True),
        sa.Column("status_to", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_updates_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_updates")),
        sa.UniqueConstraint("uuid", name=op.f("uq_recommendation_updates_uuid")),
    )
    with op.batch_alter_table("recommendation_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_updates_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )

    op.create_table(
        "meeting_cases",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("selection", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_meeting_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_cases_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name=op.f("fk_meeting_cases_sample_id_samples"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_cases")),
        sa.UniqueConstraint("meeting_id", "case_id", name=op.f("uq_meeting_cases_meeting_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_meeting_cases_uuid")),
    )
    with op.batch_alter_table("meeting_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_cases_case_id"), ["case_id"], unique=False)

    op.create_table(
        "recommendation_cases",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_recommendation_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_cases_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "case_id", name=op.f("pk_recommendation_cases")
        ),
    )
    op.create_table(
        "interest_declarations",
        sa.Column("meeting_case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_case_id"],
            ["meeting_cases.id"],
            name=op.f("fk_interest_declarations_meeting_case_id_meeting_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_interest_declarations_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_declarations")),
        sa.UniqueConstraint(
            "meeting_case_id", "member_id", name=op.f("uq_interest_declarations_meeting_case_id")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_interest_declarations_uuid")),
    )
    op.create_table(
        "member_assessments",
        sa.Column("meeting_case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("outcome_code", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_case_id"],
            ["meeting_cases.id"],
            name=op.f("fk_member_assessments_meeting_case_id_meeting_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_assessments_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_assessments")),
        sa.UniqueConstraint(
            "meeting_case_id", "member_id", name=op.f("uq_member_assessments_meeting_case_id")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_member_assessments_uuid")),
    )
    op.create_table(
        "panel_judgements",
        sa.Column("meeting_case_id", sa.Integer(), nullable=False),
        sa.Column("outcome_code", sa.String(length=40), nullable=False),
        sa.Column("consensus", sa.String(length=20), nullable=False),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("good_practice", sa.Text(), nullable=False),
        sa.Column("individual_learning", sa.Text(), nullable=False),
        sa.Column("organisational_learning", sa.Text(), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("carried_over", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_case_id"],
            ["meeting_cases.id"],
            name=op.f("fk_panel_judgements_meeting_case_id_meeting_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_judgements")),
        sa.UniqueConstraint("meeting_case_id", name=op.f("uq_panel_judgements_meeting_case_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_panel_judgements_uuid")),
    )


def downgrade() -> None:

    op.drop_table("panel_judgements")
    op.drop_table("member_assessments")
    op.drop_table("interest_declarations")
    op.drop_table("recommendation_cases")
    with op.batch_alter_table("meeting_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_cases_case_id"))

    op.drop_table("meeting_cases")
    with op.batch_alter_table("recommendation_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_updates_recommendation_id"))

    op.drop_table("recommendation_updates")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_batch_row")

    op.drop_table("cases")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_meeting_id"))

    op.drop_table("samples")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_panel_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_sha256"))
        batch_op.drop_index(batch_op.f("ix_import_batches_panel_id"))
        batch_op.drop_index(batch_op.f("ix_import_batches_meeting_id"))

    op.drop_table("import_batches")
    op.drop_table("attendance")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_panel_id"))

    op.drop_table("members")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_panel_id"))

    op.drop_table("meetings")
    op.drop_table("review_questions")
    op.drop_table("panels")
    op.drop_table("outcome_codes")
    op.drop_table("case_fields")
    op.drop_table("settings")
    op.drop_table("panel_templates")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_entity_uuid"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
