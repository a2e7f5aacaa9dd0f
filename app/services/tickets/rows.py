"""Create-if-missing for rows that several transactions may create at the same moment.

`INSERT ... ON CONFLICT DO NOTHING` (PostgreSQL and SQLite) instead of a savepoint: the
loser of the race simply inserts nothing, and its transaction stays usable.
"""

from __future__ import annotations

from app.extensions import db
from app.upserts import session_insert


def insert_if_missing(model: type, **values) -> None:
    """Insert a `model` row with `values` unless it would violate a unique constraint."""
    db.session.execute(session_insert()(model).values(**values).on_conflict_do_nothing())
