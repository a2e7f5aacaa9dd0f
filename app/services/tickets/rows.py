"""Create-if-missing for rows that several transactions may create at the same moment.

`INSERT ... ON CONFLICT DO NOTHING` (PostgreSQL and SQLite) instead of a savepoint: the
loser of the race simply inserts nothing, and its transaction stays usable.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def insert_if_missing(model: type, **values) -> None:
    """Insert a `model` row with `values` unless it would violate a unique constraint."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
