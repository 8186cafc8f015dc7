"""session, mapping and report tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 (release 0.2.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_ETHNICITY_GROUP = """
UPDATE cases SET ethnicity_group = CASE
    WHEN trim(self_defined_ethnicity) = '' THEN ''
    WHEN lower(self_defined_ethnicity) LIKE '%not stated%' THEN 'Not stated'
    WHEN self_defined_ethnicity LIKE '%(O1)' THEN 'Asian'
    WHEN lower(self_defined_ethnicity) LIKE 'chinese or other%' THEN 'Other'
    WHEN lower(self_defined_ethnicity) LIKE 'white%' THEN 'White'
    WHEN lower(self_defined_ethnicity) LIKE 'black%' THEN 'Black'
    WHEN lower(self_defined_ethnicity) LIKE 'asian%' THEN 'Asian'
    WHEN lower(self_defined_ethnicity) LIKE 'mixed%' THEN 'Mixed'
    WHEN lower(self_defined_ethnicity) LIKE 'other%' THEN 'Other'
    ELSE ''
END
"""


def upgrade() -> None:
    op.create_table(
        "column_mappings",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("header_signature", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_column_mappings_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mappings")),
        sa.UniqueConstraint("panel_id", "name", name=op.f("uq_column_mappings_panel_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_column_mappings_uuid")),
    )
    with op.batch_alter_table("column_mappings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_column_mappings_header_signature"), ["header_signature"], unique=False
        )

    op.create_table(
        "tags",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_tags_panel_id_panels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("panel_id", "key", name=op.f("uq_tags_panel_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_tags_uuid")),
    )
    op.create_table(
        "report_sections",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_report_sections_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_sections")),
        sa.UniqueConstraint("meeting_id", "key", name=op.f("uq_report_sections_meeting_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_report_sections_uuid")),
    )
    op.create_table(
        "case_tags",
        sa.Column("meeting_case_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_case_id"],
            ["meeting_cases.id"],
            name=op.f("fk_case_tags_meeting_case_id_meeting_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_case_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_case_id", "tag_id", name=op.f("pk_case_tags")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ethnicity_group", sa.String(length=20), nullable=False, server_default="")
        )

    # Existing cases get their broad ethnic group from the self-defined category (a frozen copy
    # of the rules in scrutiny_app/domain/ethnicity.py as they were at this revision).
    op.execute(BACKFILL_ETHNICITY_GROUP)

    with op.batch_alter_table("meeting_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("seconds_spent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("views_revealed_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_cases_carried_from_id_meeting_cases"),
            "meeting_cases",
            ["carried_from_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_theme", sa.String(length=300), nullable=False, server_default="")
        )

    with op.batch_alter_table("panel_judgements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("internal")

    with op.batch_alter_table("panel_judgements", schema=None) as batch_op:
        batch_op.drop_column("internal")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("next_theme")

    with op.batch_alter_table("meeting_cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_cases_carried_from_id_meeting_cases"), type_="foreignkey"
        )
        batch_op.drop_column("views_revealed_at")
        batch_op.drop_column("seconds_spent")
        batch_op.drop_column("carried_from_id")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("ethnicity_group")

    op.drop_table("case_tags")
    op.drop_table("report_sections")
    op.drop_table("tags")
    with op.batch_alter_table("column_mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_column_mappings_header_signature"))

    op.drop_table("column_mappings")
