"""publication decisions: the officer's redact / keep / withhold on flagged passages

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 (release 0.4.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publication_decisions",
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_uuid", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("passage", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("kinds", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_decisions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_publication_decisions_uuid")),
        sa.UniqueConstraint(
            "entity_uuid", "field", "passage", name=op.f("uq_publication_decisions_entity_uuid")
        ),
    )
    with op.batch_alter_table("publication_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_decisions_entity_uuid"), ["entity_uuid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("publication_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_decisions_entity_uuid"))
    op.drop_table("publication_decisions")
