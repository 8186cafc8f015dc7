"""the audit trail is a hash chain, and append-only

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 (release 0.4.0)

Adds ``audit_events.prev_hash`` and ``hash``, seals the events already written (in id order)
with ``storage.audit_chain`` format 1, records the head in the settings, and adds triggers
that refuse an UPDATE or DELETE of an audit event.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scrutiny_app.storage.audit_chain import GENESIS, HEAD_SETTING, event_hash, head_value

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the audit trail is append-only"


def upgrade() -> None:
    op.add_column(
        "audit_events", sa.Column("prev_hash", sa.String(64), nullable=False, server_default="")
    )
    op.add_column(
        "audit_events", sa.Column("hash", sa.String(64), nullable=False, server_default="")
    )
    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("uuid", sa.String),
        sa.column("at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_uuid", sa.String),
        sa.column("details", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    prev, count = GENESIS, 0
    rows = conn.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        details = row["details"]
        if isinstance(details, str):
            details = json.loads(details)
        own = event_hash(
            prev, row["uuid"], row["at"], row["actor"], row["action"], row["entity"],
            row["entity_uuid"], details,
        )  # fmt: skip
        conn.execute(
            events.update().where(events.c.id == row["id"]).values(prev_hash=prev, hash=own)
        )
        prev, count = own, count + 1
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    conn.execute(settings.delete().where(settings.c.key == HEAD_SETTING))
    conn.execute(settings.insert().values(key=HEAD_SETTING, value=head_value(count, prev)))
    if conn.dialect.name == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{what.lower()} BEFORE {what} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
