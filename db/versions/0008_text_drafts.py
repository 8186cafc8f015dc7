"""text drafts: what is being typed in a review box, durable within ~100 ms of each key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 (release 0.4.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_case_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_case_id"],
            ["meeting_cases.id"],
            name=op.f("fk_text_drafts_meeting_case_id_meeting_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_text_drafts_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_drafts")),
        sa.UniqueConstraint("meeting_case_id", "slot", name=op.f("uq_text_drafts_meeting_case_id")),
    )


def downgrade() -> None:
    op.drop_table("text_drafts")
