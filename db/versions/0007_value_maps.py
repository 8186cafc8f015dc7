"""value maps: how a file's values were tidied, saved with a mapping and kept per import

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 (release 0.4.0)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("column_mappings", "import_batches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("value_maps", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
            )


def downgrade() -> None:
    for table in ("column_mappings", "import_batches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("value_maps")
