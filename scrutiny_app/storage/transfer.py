"""Copy a whole database to another backend: a laptop's SQLite file to the office's PostgreSQL
server, or back. No Qt.

Every table is copied row for row with its ids and uuids, in foreign-key order, in one
transaction on the target: a copy that stops half-way leaves the target as it was. The
target is a database at the same schema that holds no panels and no audit trail yet (a new
file, or a server database just made with ``server init`` or ``createdb``); what its own
creation wrote (the built-in templates, its settings) is replaced by the source's, so the
pseudonym key and the audit trail's head travel with the data and the copy's audit trail
verifies. PostgreSQL's id sequences are moved past the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, insert, select, text

from scrutiny_app.errors import UserError
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import AuditEvent, Base, Panel

BATCH_ROWS = 5000


@dataclass
class CopyResult:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """The app's tables, parents before children."""
    return list(Base.metadata.sorted_tables)


def copy_database(
    source: Database, target: Database, progress: Callable[[str], None] | None = None
) -> CopyResult:
    """Copy everything in ``source`` into the empty ``target`` (see the module docstring)."""
    say = progress or (lambda _m: None)
    _check_target(target)
    result = CopyResult()
    reading = source.engine
    if reading.dialect.name == "postgresql":  # one consistent snapshot of a live server
        reading = reading.execution_options(isolation_level="REPEATABLE READ")
    with reading.connect() as src, target.transaction() as session:
        dst = session.connection()
        for table in reversed(tables()):  # what the target's creation wrote, children first
            if table.name != AuditEvent.__tablename__:
                dst.execute(table.delete())
        for table in tables():
            n = _copy_table(src, dst, table)
            result.rows[table.name] = n
            if n:
                say(f"{table.name}: {n:,} rows")
        if dst.dialect.name == "postgresql":
            _move_sequences(dst)
    return result


def _check_target(target: Database) -> None:
    with target.session() as s:
        panels = s.scalar(select(func.count()).select_from(Panel)) or 0
        events = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if panels or events:
        raise UserError(
            f"{target.display_name} already holds data ({panels} panels, {events} audit "
            "events): copy into a new, empty database so nothing in it is mixed or lost."
        )


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    rows = (
        src.execution_options(stream_results=True, yield_per=BATCH_ROWS)
        .execute(select(table).order_by(*order))
        .mappings()
    )
    copied = 0
    while True:
        part = [dict(r) for r in rows.fetchmany(BATCH_ROWS)]
        if not part:
            return copied
        dst.execute(insert(table), part)
        copied += len(part)


def _move_sequences(dst: Connection) -> None:
    """Each serial id's sequence set past the largest copied id (PostgreSQL)."""
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1
            ):
                continue
            sequence = dst.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence is None:
                continue
            top = dst.scalar(select(func.max(column)))
            dst.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                {"s": sequence, "v": top or 1, "called": top is not None},
            )
