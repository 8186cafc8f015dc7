"""logins: who each person logging in to a shared server is

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 (release 0.5.0)

Adds ``logins``: one row per PostgreSQL login role made by ``scrutiny-app server add-user``
(the login name, the person's name, officer or member, and the panel member they are). A
SQLite file has the table too, empty: there the person at the laptop is the officer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "logins",
        sa.Column("login", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_logins_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_logins")),
        sa.CheckConstraint("role IN ('officer', 'member')", name=op.f("ck_logins_role")),
    )


def downgrade() -> None:
    op.drop_table("logins")
