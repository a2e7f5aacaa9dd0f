"""Several statements in one round trip to PostgreSQL, each on a plan it keeps.

On the hot paths (a seat click, a gate scan) a round trip to PostgreSQL costs more CPU, on
both sides, than the small indexed statements it carries, and SQLAlchemy's work per
execution (cache key, parameters, result set-up) costs as much again. `run()` therefore
sends a batch of statements to PostgreSQL as one simple-protocol message of
`EXECUTE <name>(<value>, ...)` calls:

- every `Statement` is a SQLAlchemy Core construct, compiled once per process and PREPAREd
  once per connection (in the same message, the first time it is used there), so
  PostgreSQL plans it once and its SQL is written in one place;
- values go through the columns' own bind processing, then psycopg quotes them as literals:
  nothing is ever formatted into SQL by hand;
- `BEGIN` and `COMMIT` travel in the same message when the caller asks for them.

Elsewhere (SQLite) the same statements run one by one through the session, inside its
transaction. Both backends answer with plain tuples carrying the columns' result types
(enums, UTC datetimes), so callers do not know which one ran.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.sql import Executable

from app.extensions import db

_PREPARED = "marquee_prepared_statements"  # key in a connection's `info`: names prepared there
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,50}")
_STATEMENTS: dict[str, Statement] = {}
_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK: a result with rows (possibly none)


@dataclass(frozen=True)
class Outcome:
    """What one statement of a batch returned: its rows (empty without RETURNING or a
    SELECT) and the rows it touched."""

    rows: list[tuple]
    rowcount: int


@dataclass(frozen=True)
class Call:
    statement: Statement
    params: dict[str, Any]


@dataclass
class _Compiled:
    sql: str                          # the statement with $1, $2 ... (PREPARE's form)
    names: tuple[str, ...]            # the parameter behind each $n
    binds: tuple[Callable | None, ...]
    defaults: dict[str, Any]          # values fixed in the construct (constants)
    columns: tuple                    # the answer's columns, for their result types
    # Each column's result processing, set from the first answer's column types (the
    # driver's type codes decide some of them) and kept: a statement's columns never change.
    results: tuple[Callable | None, ...] | None = None


@dataclass(eq=False)
class Statement:
    """A named statement: `build(dialect_name)` returns its Core construct (so that a list
    can be an array on PostgreSQL and an expanding IN on SQLite). Call it with the
    parameters to put it in a batch: `LOCK(event_id=3)`."""

    name: str
    build: Callable[[str], Executable]
    _compiled: dict[str, _Compiled] = field(default_factory=dict, repr=False)
    _constructs: dict[str, Executable] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"statement name {self.name!r}: lower case letters, digits, _")
        if self.name in _STATEMENTS:
            raise ValueError(f"two statements are called {self.name!r}")
        _STATEMENTS[self.name] = self

    def __call__(self, **params: Any) -> Call:
        return Call(self, params)

    @property
    def prepared_name(self) -> str:
        return f"mq_{self.name}"

    def construct(self, dialect_name: str) -> Executable:
        found = self._constructs.get(dialect_name)
        if found is None:
            found = self._constructs[dialect_name] = self.build(dialect_name)
        return found

    def compiled(self, dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.construct(dialect.name),
                                                             dialect)
        return found


def _compile(construct: Executable, dialect) -> _Compiled:
    compiled = construct.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match.group(1) is None:
            return "%"  # a literal percent sign, escaped for the driver's own formatting
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = _PLACEHOLDER.sub(placeholder, compiled.string)
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names)
    defaults = {name: value for name, value in compiled.params.items() if value is not None}
    return _Compiled(sql, tuple(names), binds, defaults,
                     tuple(getattr(construct, "exported_columns", ())))


def statement(name: str) -> Callable[[Callable[[str], Executable]], Statement]:
    """Decorator: `@statement("seat_lock")` over a `build(dialect_name)` function."""
    return lambda build: Statement(name, build)


def run(calls: Sequence[Call], *, begin: bool = False, commit: bool = False) -> list[Outcome]:
    """Run `calls` in order on the session's connection; what each returned.

    - `begin`: the batch opens a transaction (on PostgreSQL, in the same message) unless one
      is open already;
    - `commit`: the batch ends the transaction that batches opened, in the same message.
      Commit the session right after all the same (`db.session.commit()`): that ends the
      session's own bookkeeping and runs its after-commit hooks, and on SQLite, where the
      statements run one by one in the session's transaction, it is the commit;
    - neither, outside a transaction: the batch commits as a whole at its end.
    In a transaction the session began otherwise, batches join it and the caller's commit
    ends it.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return [_run_in_session(session, call) for call in calls]
    return _run_on_postgresql(session, calls, begin=begin, commit=commit)


def _run_in_session(session, call: Call) -> Outcome:
    result = session.execute(call.statement.construct("sqlite"), call.params)
    rows = [tuple(row) for row in result] if result.returns_rows else []
    return Outcome(rows, result.rowcount if not result.returns_rows else len(rows))


def _run_on_postgresql(session, calls: Sequence[Call], *, begin: bool,
                       commit: bool) -> list[Outcome]:
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the session holds goes first, as its own execute would do
    if session.in_transaction():
        connection = session.connection()
    else:
        # psycopg would send BEGIN in a round trip of its own before the first statement;
        # in autocommit mode it sends nothing and the batches run the transaction.
        connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    driver = connection.connection.driver_connection
    ours = driver.autocommit
    in_transaction = _in_server_transaction(driver)
    if not ours:  # psycopg's own transaction: the caller's commit ends it
        begin = commit = False
    elif in_transaction:  # a transaction an earlier batch began
        begin = False
    commit = commit and (begin or in_transaction)
    # A batch may start again from nothing only if nothing before it is at stake.
    retry = ours and not in_transaction
    try:
        return _send(connection, driver, calls, begin, commit, undo=ours)
    except _StatementsForgotten:
        if not retry:
            raise
        connection.info.pop(_PREPARED, None)
        return _send(connection, driver, calls, begin, commit, undo=ours)


class _StatementsForgotten(Exception):
    """The server no longer knows a statement this connection prepared (DISCARD ALL)."""


def _in_server_transaction(driver) -> bool:
    from psycopg.pq import TransactionStatus

    return driver.pgconn.transaction_status != TransactionStatus.IDLE


def _send(connection, driver, calls: Sequence[Call], begin: bool, commit: bool, *,
          undo: bool) -> list[Outcome]:
    """One message; on an error, roll back what the batches began (`undo`) and raise."""
    from psycopg import ClientCursor, errors

    prepared = connection.info.setdefault(_PREPARED, set())
    cursor = ClientCursor(driver)
    parts, wanted, newly = ["BEGIN"] if begin else [], [], set()
    for call in calls:
        compiled = call.statement.compiled(connection.dialect)
        name = call.statement.prepared_name
        if name not in prepared and name not in newly:
            parts.append(f"PREPARE {name} AS {compiled.sql}")
            newly.add(name)
        wanted.append((len(parts), compiled))
        parts.append(_execute(cursor, name, compiled, call.params))
    if commit:
        parts.append("COMMIT")
    try:
        cursor.execute("; ".join(parts))
    except BaseException as exc:
        if undo and not driver.broken and _in_server_transaction(driver):
            driver.rollback()
        if isinstance(exc, errors.InvalidSqlStatementName):
            raise _StatementsForgotten() from exc
        raise
    prepared |= newly
    outcomes, index = [], 0
    for position, compiled in wanted:
        while index < position:
            cursor.nextset()
            index += 1
        outcomes.append(_outcome(cursor, compiled, connection.dialect))
    cursor.close()
    return outcomes


def _execute(cursor, name: str, compiled: _Compiled, params: dict[str, Any]) -> str:
    values = []
    for key, process in zip(compiled.names, compiled.binds, strict=True):
        value = params[key] if key in params else compiled.defaults[key]
        if process is not None:
            value = process(value)
        elif isinstance(value, Enum):
            value = value.value
        values.append(value)
    if not values:
        return f"EXECUTE {name}"
    return cursor.mogrify(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)


def _outcome(cursor, compiled: _Compiled, dialect) -> Outcome:
    if cursor.pgresult.status != _TUPLES_OK:
        return Outcome([], cursor.rowcount)
    if compiled.results is None:
        compiled.results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described.type_code)
            for column, described in zip(compiled.columns, cursor.description, strict=True))
    rows = cursor.fetchall()
    if any(compiled.results):
        rows = [tuple(value if process is None or value is None else process(value)
                      for value, process in zip(row, compiled.results, strict=True))
                for row in rows]
    return Outcome(rows, len(rows))
