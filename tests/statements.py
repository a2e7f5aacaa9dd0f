"""Count the SQL statements a block of code sends (statement budgets: counts, not times)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event as sa_event

from app.extensions import db


@contextmanager
def statements(*, skip_savepoints: bool = True) -> Iterator[list[str]]:
    """Yield the list of statements sent to the database while the block runs.

    Savepoints are bookkeeping of nested transactions, not work; they are left out unless
    `skip_savepoints=False`.
    """
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if skip_savepoints and statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            return
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
