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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from app.extensions import db

# Key in a connection's `info`: the names prepared there; absent after a failed message (a
# PREPARE is not undone by a rollback, so what the server kept is unknown): the next message
# then starts with DEALLOCATE ALL.
_PREPARED = "marquee_prepared_statements"
_AFTER_COMMIT = "marquee_batch_after_commit"  # key in a session's `info`
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


def run(calls: Sequence[Call]) -> list[Outcome]:
    """Run `calls` in order as one batch; what each returned.

    In the session's transaction (the caller's commit ends it) when it has one, and always
    on SQLite; otherwise, on PostgreSQL, on a pooled connection of its own, committing as a
    whole at its end (the session is not involved).
    """
    session = db.session()
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return [_run_in_session(session, call) for call in calls]
    if session.in_transaction():
        return _Joined(session).run(calls)
    return _run_on_its_own(engine, calls)


@contextmanager
def transaction() -> Iterator[Batches]:
    """A transaction for several batches.

    On PostgreSQL, when the session has no transaction, it has a pooled connection of its
    own: BEGIN travels with its first batch (a batch run with `begin=False` before that
    reads outside the transaction, committing as a whole), COMMIT with a batch run with
    `commit=True` or with `commit()`, and leaving the block without a commit rolls it
    back. `owns` is True
    then: nothing else sees its writes until it commits, and a refusal only needs to leave
    the block. Otherwise (a session transaction, or SQLite) it is the session's
    transaction: `commit` does nothing, the caller's commit ends it, and a refusal must undo
    its own writes if the caller carries on.
    """
    session = db.session()
    engine = db.engine
    if engine.dialect.name != "postgresql" or session.in_transaction():
        yield _Joined(session)
        return
    own = _Own(engine)
    try:
        yield own
    finally:
        own.close()


class Batches:
    owns: bool

    def run(self, calls: Sequence[Call], *, begin: bool = True,
            commit: bool = False) -> list[Outcome]:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction has committed (never if it rolls back)."""
        raise NotImplementedError


class _Joined(Batches):
    owns = False

    def __init__(self, session):
        self.session = session

    def run(self, calls: Sequence[Call], *, begin: bool = True,
            commit: bool = False) -> list[Outcome]:
        session = self.session
        if session.get_bind().dialect.name != "postgresql":
            return [_run_in_session(session, call) for call in calls]
        if session.new or session.dirty or session.deleted:
            session.flush()  # what the session holds goes first, as its own execute would do
        connection = session.connection()
        driver = connection.connection.driver_connection
        return _send(connection.info, connection.dialect, driver, calls, False, False,
                     undo=False)

    def commit(self) -> None:
        pass  # the caller's commit

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


class _Own(Batches):
    owns = True

    def __init__(self, engine):
        self.dialect = engine.dialect
        self.pooled = engine.raw_connection()
        self.driver = self.pooled.driver_connection
        self.driver.autocommit = True  # BEGIN and COMMIT travel with the batches
        self.begun = self.committed = False
        self.callbacks: list[Callable[[], None]] = []

    def run(self, calls: Sequence[Call], *, begin: bool = True,
            commit: bool = False) -> list[Outcome]:
        if self.committed:
            raise RuntimeError("this transaction has committed")
        if not begin and not self.begun:  # a read before the transaction: autocommit
            try:
                return _send(self.pooled.info, self.dialect, self.driver, calls, False, False,
                             undo=True)
            except _StatementsForgotten:
                return _send(self.pooled.info, self.dialect, self.driver, calls, False,
                             False, undo=True)
        first = not self.begun
        self.begun = True
        try:
            outcomes = _send(self.pooled.info, self.dialect, self.driver, calls, first, commit,
                             undo=True)
        except _StatementsForgotten:
            if not first:
                raise
            outcomes = _send(self.pooled.info, self.dialect, self.driver, calls, True, commit,
                             undo=True)
        if commit:
            self._committed()
        return outcomes

    def commit(self) -> None:
        if self.begun and not self.committed:
            self.driver.commit()
            self._committed()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)

    def _committed(self) -> None:
        self.committed = True
        for callback in self.callbacks:
            callback()

    def close(self) -> None:
        try:
            if not self.driver.broken:
                if _in_server_transaction(self.driver):
                    self.driver.rollback()
                self.driver.autocommit = False
        finally:
            self.pooled.close()


def _after_session_commit(session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        callback()


def _after_session_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


if not sa_event.contains(Session, "after_commit", _after_session_commit):
    sa_event.listen(Session, "after_commit", _after_session_commit)
    sa_event.listen(Session, "after_soft_rollback", _after_session_rollback)


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
