"""Alembic environment. The app passes an open connection in ``config.attributes``."""

from alembic import context

from scrutiny_app.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "Run migrations through scrutiny_app.storage.migrate, not the alembic CLI."
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
