"""Several statements in one round trip to PostgreSQL, each on a plan it keeps.

On the hot paths (a seat click, a gate scan) a round trip to PostgreSQL costs more CPU, on
both sides, than the small indexed statements it carries, and SQLAlchemy's work per
execution (cache key, parameters, result set-up) costs as much again. `run()` therefore
sends a batch of statements to PostgreSQL as one simple-protocol message of
`EXECUTE <name>(<value>, ...)` calls:

- every `Statement` is a SQLAlchemy Core construct, compiled once per process and PREPAREd
  once per connection (in the same message, the first time it is used there), so
  PostgreSQL plans it once and its SQL is written in one place. The construct's constants
  (`status = 'valid'`, `IN ('owner', 'gate')`) are part of the prepared text; only the
  named parameters travel with each call;
- values go through the columns' own bind processing, then psycopg quotes them as literals:
  nothing is ever formatted into SQL by hand;
- `BEGIN` and `COMMIT` travel in the same message when the caller asks for them.

A batch outside any transaction runs on a pooled connection of its own and commits as a
whole (the session is not involved). Elsewhere (SQLite) the same statements run one by one
through the session, inside its transaction. Both backends answer with named tuples
carrying the columns' result types (enums, UTC datetimes), so callers do not know which
one ran.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.sql import Executable

from app.extensions import db

# Key in a connection's `info`: the names prepared there; absent after a failed message (a
# PREPARE is not undone by a rollback, so what the server kept is unknown): the next message
# then starts with DEALLOCATE ALL.
_PREPARED = "marquee_prepared_statements"
# In SQLAlchemy's SQL for psycopg: a parameter, an escaped percent sign, a list in IN (...).
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%|__\[POSTCOMPILE_(\w+)\]")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,50}")
_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK: a result with rows (possibly none)
_STATEMENTS: dict[str, Statement] = {}


@dataclass(frozen=True)
class Outcome:
    """What one statement of a batch returned: its rows (empty without RETURNING or a
    SELECT), named tuples with the statement's column names, and the rows it touched."""

    rows: list[tuple]
    rowcount: int

    def one_or_none(self):
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class Call:
    statement: Statement
    params: dict[str, Any]


@dataclass
class _Compiled:
    """A statement in PostgreSQL's PREPARE form: `$n` for the parameters, psycopg's `%s`
    for the constants (quoted when the statement is prepared)."""

    template: str
    constants: tuple
    names: tuple[str, ...]            # the parameter behind each $n
    binds: tuple[Callable | None, ...]
    columns: tuple                    # the answer's columns, for their result types
    # Each column's result processing, set from the first answer's column types (the
    # driver's type codes decide some of them) and kept: a statement's columns never change.
    results: tuple[Callable | None, ...] | None = None

    def prepare(self, cursor, name: str) -> str:
        body = (cursor.mogrify(self.template, self.constants) if self.constants
                else self.template.replace("%%", "%"))
        return f"PREPARE {name} AS {body}"


@dataclass(eq=False)
class Statement:
    """A named statement: `build(dialect_name)` returns its Core construct (so that a list
    can be an array on PostgreSQL and an expanding IN on SQLite). Call it with the
    parameters to put it in a batch: `LOCK(event_id=3)`."""

    name: str
    build: Callable[[str], Executable]
    _compiled: dict[str, _Compiled] = field(default_factory=dict, repr=False)
    _constructs: dict[str, Executable] = field(default_factory=dict, repr=False)
    _row_types: dict[str, type] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"statement name {self.name!r}: lower case letters, digits, _")
        if self.name in _STATEMENTS:
            raise ValueError(f"two statements are called {self.name!r}")
        _STATEMENTS[self.name] = self
        self.prepared_name = f"mq_{self.name}"

    def __call__(self, **params: Any) -> Call:
        return Call(self, params)

    def construct(self, dialect_name: str) -> Executable:
        found = self._constructs.get(dialect_name)
        if found is None:
            found = self._constructs[dialect_name] = self.build(dialect_name)
        return found

    def row_type(self, dialect_name: str) -> type:
        """A named tuple of the statement's answer columns (`row.id`, `row.status`...)."""
        found = self._row_types.get(dialect_name)
        if found is None:
            columns = getattr(self.construct(dialect_name), "exported_columns", ())
            found = self._row_types[dialect_name] = namedtuple(
                "Row", [column.key or "_" for column in columns], rename=True)
        return found

    def compiled(self, dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.construct(dialect.name),
                                                             dialect)
        return found


def _compile(construct: Executable, dialect) -> _Compiled:
    compiled = construct.compile(dialect=dialect)
    binds = compiled.binds
    names: list[str] = []
    constants: list = []

    def constant(key: str, value) -> None:
        process = binds[key].type.dialect_impl(dialect).bind_processor(dialect)
        value = process(value) if process is not None else value
        constants.append(value.value if isinstance(value, Enum) else value)

    def placeholder(match: re.Match) -> str:
        key, listed = match.group(1), match.group(2)
        if listed is not None:  # a constant list: IN (%s, %s, ...)
            values = binds[listed].value
            if binds[listed].required or values is None:
                raise ValueError(f"{listed}: pass a list as an array (= ANY) on PostgreSQL")
            for value in values:
                constant(listed, value)
            return ", ".join(["%s"] * len(values))
        if key is None:
            return "%%"
        if not binds[key].required:  # a value written in the construct
            constant(key, binds[key].effective_value)
            return "%s"
        if key not in names:
            names.append(key)
        return f"${names.index(key) + 1}"

    template = _PLACEHOLDER.sub(placeholder, compiled.string)
    processors = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names)
    return _Compiled(template, tuple(constants), tuple(names), processors,
                     tuple(getattr(construct, "exported_columns", ())))


def statement(name: str) -> Callable[[Callable[[str], Executable]], Statement]:
    """Decorator: `@statement("seat_lock")` over a `build(dialect_name)` function."""
    return lambda build: Statement(name, build)


def run(calls: Sequence[Call], *, begin: bool = False, commit: bool = False) -> list[Outcome]:
    """Run `calls` in order; what each returned.

    - `begin`: the batch opens a transaction on the session's connection (on PostgreSQL, in
      the same message) unless one is open already;
    - `commit`: the batch ends the transaction that batches opened, in the same message.
      Commit the session right after all the same (`db.session.commit()`): that ends the
      session's own bookkeeping and runs its after-commit hooks, and on SQLite, where the
      statements run one by one in the session's transaction, it is the commit;
    - neither, outside a transaction: on PostgreSQL the batch runs on a pooled connection
      of its own and commits as a whole at its end.
    In a transaction the session began otherwise, batches join it and the caller's commit
    ends it.
    """
    session = db.session()
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return [_run_in_session(session, call) for call in calls]
    if not begin and not session.in_transaction():
        return _run_on_its_own(engine, calls)
    return _run_in_session_transaction(session, calls, begin=begin, commit=commit)


def _run_in_session(session, call: Call) -> Outcome:
    if session.new or session.dirty or session.deleted:
        session.flush()
    connection = session.connection()
    name = connection.dialect.name
    construct = call.statement.construct(name)
    expected = {key for key, bind in construct.compile(dialect=connection.dialect).binds.items()
                if bind.required}
    _check_params(call.statement.prepared_name, expected, call.params)
    result = connection.execute(construct, call.params)
    make = call.statement.row_type(name)._make
    rows = [make(row) for row in result] if result.returns_rows else []
    return Outcome(rows, result.rowcount if not result.returns_rows else len(rows))


def _run_on_its_own(engine, calls: Sequence[Call]) -> list[Outcome]:
    """One autocommit message on a pooled connection, given back at once."""
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        try:
            return _send(pooled.info, engine.dialect, driver, calls, False, False, undo=True)
        except _StatementsForgotten:
            return _send(pooled.info, engine.dialect, driver, calls, False, False, undo=True)
        finally:
            if not driver.broken:
                driver.autocommit = False
    finally:
        pooled.close()


def _run_in_session_transaction(session, calls: Sequence[Call], *, begin: bool,
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
        return _send(connection.info, connection.dialect, driver, calls, begin, commit,
                     undo=ours)
    except _StatementsForgotten:
        if not retry:
            raise
        return _send(connection.info, connection.dialect, driver, calls, begin, commit,
                     undo=ours)


class _StatementsForgotten(Exception):
    """The server no longer knows a statement this connection prepared (DISCARD ALL)."""


def _in_server_transaction(driver) -> bool:
    from psycopg.pq import TransactionStatus

    return driver.pgconn.transaction_status != TransactionStatus.IDLE


def _send(info: dict, dialect, driver, calls: Sequence[Call], begin: bool, commit: bool, *,
          undo: bool) -> list[Outcome]:
    """One message; on an error, roll back what the batches began (`undo`) and raise."""
    from psycopg import ClientCursor, errors

    prepared = info.get(_PREPARED)
    cursor = ClientCursor(driver)
    parts, wanted, newly = ["BEGIN"] if begin else [], [], set()
    if prepared is None:
        prepared = set()
        parts.append("DEALLOCATE ALL")
    for call in calls:
        compiled = call.statement.compiled(dialect)
        name = call.statement.prepared_name
        if name not in prepared and name not in newly:
            parts.append(compiled.prepare(cursor, name))
            newly.add(name)
        wanted.append((len(parts), compiled))
        parts.append(_execute(cursor, name, compiled, call.params))
    if commit:
        parts.append("COMMIT")
    try:
        cursor.execute("; ".join(parts))
    except BaseException as exc:
        info.pop(_PREPARED, None)
        if undo and not driver.broken and _in_server_transaction(driver):
            driver.rollback()
        if isinstance(exc, errors.InvalidSqlStatementName):
            raise _StatementsForgotten() from exc
        raise
    info[_PREPARED] = prepared | newly if newly else prepared
    outcomes, index = [], 0
    for (position, compiled), call in zip(wanted, calls, strict=True):
        while index < position:
            cursor.nextset()
            index += 1
        outcomes.append(_outcome(cursor, compiled, dialect, call.statement))
    return outcomes


def _check_params(name: str, expected, params: dict[str, Any]) -> None:
    """Every parameter given is used and none is missing (a constant of the construct is not
    a parameter: passing one would be silently ignored)."""
    if len(params) != len(expected) or not set(params) <= set(expected):
        raise TypeError(f"{name}: parameters {sorted(params)}, expected {sorted(expected)}")


def _execute(cursor, name: str, compiled: _Compiled, params: dict[str, Any]) -> str:
    if len(params) != len(compiled.names):
        _check_params(name, compiled.names, params)
    if not params:
        return f"EXECUTE {name}"
    values = []
    for key, process in zip(compiled.names, compiled.binds, strict=True):
        value = params[key]
        if process is not None:
            value = process(value)
        elif isinstance(value, Enum):
            value = value.value
        values.append(value)
    return cursor.mogrify(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)


def _outcome(cursor, compiled: _Compiled, dialect, statement: Statement) -> Outcome:
    if cursor.pgresult.status != _TUPLES_OK:
        return Outcome([], cursor.rowcount)
    if compiled.results is None:
        compiled.results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described.type_code)
            for column, described in zip(compiled.columns, cursor.description, strict=True))
    make = statement.row_type(dialect.name)._make
    rows = cursor.fetchall()
    if not any(compiled.results):
        return Outcome([make(row) for row in rows], len(rows))
    processed = [make(value if process is None or value is None else process(value)
                      for value, process in zip(row, compiled.results, strict=True))
                 for row in rows]
    return Outcome(processed, len(processed))
