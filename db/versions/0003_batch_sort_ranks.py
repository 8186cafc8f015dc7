"""sort ranks of imported batches; cases without stamps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 (release 0.3.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batches imported before this revision have no ranks: the case list sorts them in SQL.
    op.create_table(
        "batch_sort_ranks",
        sa.Column("import_batch_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("first_case_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("dtype", sa.String(length=4), nullable=False),
        sa.Column("ranks", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_batch_sort_ranks_import_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_batch_id", "key", name=op.f("pk_batch_sort_ranks")),
    )

    # Imported cases never change and their batch has the time: the stamps go (52 bytes a row).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("created_at")


def downgrade() -> None:
    # Run it as scrutiny_app.storage.migrate runs upgrades, with foreign keys off: rebuilding
    # "cases" with them on would cascade-delete every meeting case and judgement. The cases get
    # back stamps: their batch's import time (the server default only fills the new column).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.now())
        )
        batch_op.add_column(
            sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=sa.func.now())
        )
    op.execute(
        "UPDATE cases SET created_at = coalesce((SELECT imported_at FROM import_batches "
        "WHERE import_batches.id = cases.import_batch_id), created_at), "
        "updated_at = coalesce((SELECT imported_at FROM import_batches "
        "WHERE import_batches.id = cases.import_batch_id), updated_at)"
    )
    op.drop_table("batch_sort_ranks")
