"""Taking an outbox row (a mail, a webhook delivery) for one sender: several workers on several hosts run the
same schedule, and a row is sent by the one whose conditional UPDATE took it. A claim lapses after its time,
so a worker killed mid-send leaves the row to the next run."""
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db


def free(model, now: datetime) -> sa.ColumnElement:
    """SQL: the row is claimed by nobody (or its claim lapsed)."""
    return sa.or_(model.claimed_until.is_(None), model.claimed_until < now)


def claim(model, row_id: int, pending, now: datetime, seconds: int) -> bool:
    """Take the row while it is `pending` and free, and commit; False when another worker has it or it is done."""
    result = db.session.execute(
        sa.update(model).where(model.id == row_id, model.status == pending, free(model, now))
        .values(claimed_until=now + timedelta(seconds=seconds)).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1
