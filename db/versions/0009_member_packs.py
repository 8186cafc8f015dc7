"""member packs and their returns; the time a member spent reading a case

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 (release 0.4.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _identified() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "member_packs",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("merged", sa.JSON(), nullable=False),
        *_identified(),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_member_packs_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_packs_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_packs")),
        sa.UniqueConstraint("uuid", name=op.f("uq_member_packs_uuid")),
    )
    with op.batch_alter_table("member_packs") as batch_op:
        batch_op.create_index(batch_op.f("ix_member_packs_meeting_id"), ["meeting_id"])
    op.create_table(
        "pack_returns",
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("merged_by", sa.String(length=200), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        *_identified(),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["member_packs.id"],
            name=op.f("fk_pack_returns_pack_id_member_packs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_returns")),
        sa.UniqueConstraint("uuid", name=op.f("uq_pack_returns_uuid")),
    )
    with op.batch_alter_table("member_assessments") as batch_op:
        batch_op.add_column(
            sa.Column("seconds_spent", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("member_assessments") as batch_op:
        batch_op.drop_column("seconds_spent")
    op.drop_table("pack_returns")
    with op.batch_alter_table("member_packs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_packs_meeting_id"))
    op.drop_table("member_packs")
