"""dates with no time keep their day: UK midnights in summer time become midnight UTC

Before this revision a date with no time (an Excel date, "14.10.2025") was taken as UK
midnight and stored as UTC: in British Summer Time that is 23:00 the day before, and the
case showed a day early. From now on such a date is a calendar date stored as midnight UTC of
its day (scrutiny_app.domain.when). This repairs what was written: a case time that is
exactly UK midnight in summer time (23:00:00 UTC) moves to midnight UTC of its UK day. UK
midnights in winter are midnight UTC already. The sort ranks stored for the date of a batch
that changed are dropped (that batch then sorts by date in SQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 (release 0.4.0)
"""

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONDON = ZoneInfo("Europe/London")
CASES = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("import_batch_id", sa.Integer),
    sa.column("occurred_at", sa.DateTime),
)
RANKS = sa.table(
    "batch_sort_ranks", sa.column("import_batch_id", sa.Integer), sa.column("key", sa.String)
)


def _shift(hour: int, keep: Callable[[dt.datetime], bool], delta: dt.timedelta) -> None:
    bind = op.get_bind()
    at = CASES.c.occurred_at
    rows = bind.execute(
        sa.select(CASES.c.id, CASES.c.import_batch_id, at).where(
            at.is_not(None),
            sa.extract("hour", at) == hour,
            sa.extract("minute", at) == 0,
            sa.extract("second", at) == 0,
        )
    ).all()
    changes = []
    batches = set()
    for case_id, batch_id, when in rows:
        if when.microsecond or not keep(when.replace(tzinfo=dt.UTC)):
            continue
        changes.append({"b_id": case_id, "b_at": when + delta})
        batches.add(batch_id)
    if changes:
        bind.execute(
            sa.update(CASES)
            .where(CASES.c.id == sa.bindparam("b_id"))
            .values(occurred_at=sa.bindparam("b_at")),
            changes,
        )
    batches.discard(None)
    if batches:
        bind.execute(
            sa.delete(RANKS).where(
                RANKS.c.key == "occurred_at", RANKS.c.import_batch_id.in_(sorted(batches))
            )
        )


def upgrade() -> None:
    # 23:00:00 UTC that is 00:00 in London: a summer-time UK midnight, a date with no time.
    _shift(
        23,
        lambda utc: utc.astimezone(LONDON).time() == dt.time(0, 0),
        dt.timedelta(hours=1),
    )


def downgrade() -> None:
    # Back to UK midnight in summer time (a true timestamp at midnight UTC in summer moves too).
    _shift(
        0,
        lambda utc: utc.astimezone(LONDON).utcoffset() == dt.timedelta(hours=1),
        -dt.timedelta(hours=1),
    )
