"""retention: a panel's period, a meeting's publication date, what is kept after a purge

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 (release 0.4.0)

Adds ``panels.retention_months`` (12), ``meetings.published_on`` and
``meetings.case_data_removed_at``, and ``meeting_archives``: what a meeting keeps once its
case-level data is removed (its figures, and the published report as it was).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "panels",
        sa.Column("retention_months", sa.Integer(), nullable=False, server_default="12"),
    )
    op.add_column("meetings", sa.Column("published_on", sa.Date(), nullable=True))
    op.add_column("meetings", sa.Column("case_data_removed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "meeting_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("public_report", sa.JSON(), nullable=True),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_archives_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_archives")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_meeting_archives_meeting_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_meeting_archives_uuid")),
    )


def downgrade() -> None:
    op.drop_table("meeting_archives")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("case_data_removed_at")
        batch.drop_column("published_on")
    with op.batch_alter_table("panels") as batch:
        batch.drop_column("retention_months")
