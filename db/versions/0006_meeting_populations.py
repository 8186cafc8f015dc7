"""an extract can be the population of any meeting: meeting_batches and batch_members

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 (release 0.4.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_batches",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_meeting_batches_import_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_batches_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "import_batch_id", name=op.f("pk_meeting_batches")),
    )
    with op.batch_alter_table("meeting_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_batches_import_batch_id"), ["import_batch_id"], unique=False
        )
    op.create_table(
        "batch_members",
        sa.Column("import_batch_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_batch_members_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_batch_members_import_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_batch_id", "case_id", name=op.f("pk_batch_members")),
    )
    with op.batch_alter_table("batch_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_members_case_id"), ["case_id"], unique=False)
    # Every batch so far is the population of the meeting it was imported for.
    op.execute(
        "INSERT INTO meeting_batches (meeting_id, import_batch_id) "
        "SELECT meeting_id, id FROM import_batches WHERE meeting_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("batch_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_members_case_id"))
    op.drop_table("batch_members")
    with op.batch_alter_table("meeting_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_batches_import_batch_id"))
    op.drop_table("meeting_batches")
