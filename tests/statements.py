"""Count what a block of code sends to the database (budgets: counts, not times).

`statements()` lists the statements SQLAlchemy sends. `round_trips()` counts messages: each
statement SQLAlchemy sends, plus each batch of `app.sql_batches` (one message carrying
several statements on PostgreSQL; on SQLite a batch's statements go through SQLAlchemy and
count one by one).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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


@dataclass
class RoundTrips:
    statements: list[str] = field(default_factory=list)   # sent by SQLAlchemy
    batches: list[str] = field(default_factory=list)      # batch messages (PostgreSQL)

    def __len__(self) -> int:
        return len(self.statements) + len(self.batches)


@contextmanager
def round_trips() -> Iterator[RoundTrips]:
    """Count the messages sent to the database while the block runs (see the docstring)."""
    from psycopg import ClientCursor

    seen = RoundTrips()
    execute = ClientCursor.execute

    def batch(self, query, *args, **kwargs):
        seen.batches.append(query)
        return execute(self, query, *args, **kwargs)

    ClientCursor.execute = batch
    try:
        with statements() as sent:
            yield seen
            seen.statements.extend(sent)
    finally:
        ClientCursor.execute = execute
