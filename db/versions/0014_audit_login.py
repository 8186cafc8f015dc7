"""audit_login: on a shared server, each audit event records the login that wrote it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 (release 0.5.0)

Adds ``audit_events.login``. On PostgreSQL a trigger fills it with ``current_user`` on every
insert by an officer or member, whatever the program wrote there, so an event names the login
that made it even if its ``actor`` text says otherwise; members' row-level security reads
their own events by it. The database's owner (who can drop the trigger anyway) writes it as
given: ``copy`` moves a laptop's events as they were.
On SQLite it stays empty (one person at the laptop; the actor names them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("login", sa.String(63), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_login() RETURNS trigger LANGUAGE plpgsql "
            "SET search_path = pg_catalog AS $$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'audit_events' "
            "AND tableowner = current_user) THEN NEW.login := current_user; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_login BEFORE INSERT ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_login()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_login ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_login()")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("login")
