"""Running batches: one at a time (`run`), or several in one transaction (`transaction`),
on PostgreSQL or, one statement at a time, in the session elsewhere (see the package's
docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.sql_batches.postgresql import StatementsForgotten, in_server_transaction, send
from app.sql_batches.statements import Call, Outcome, check_params

_AFTER_COMMIT = "marquee_batch_after_commit"  # key in a session's `info`


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
def transaction(*, durable: bool = True) -> Iterator[Batches]:
    """A transaction for several batches.

    `durable` False, for writes a crash may forget (a seat hold: the seat is free again):
    a transaction of its own then commits without waiting for PostgreSQL to flush its WAL
    to disk (`synchronous_commit = off` for it alone). A crash can lose the last fraction of
    a second of such commits, never leaves one half-done, and a later durable commit (an
    order placed on the hold) flushes them with its own. In the session's transaction, or
    on SQLite, commits stay as they are.

    On PostgreSQL, when the session has no transaction, it has a pooled connection of its
    own: BEGIN travels with its first batch (a batch run with `begin=False` before that, or
    after the commit, reads outside the transaction, committing as a whole), COMMIT with a
    batch run with `commit=True` or with `commit()`, and leaving the block without a commit
    rolls it back. `owns` is True then: nothing else sees its writes until it commits, and
    a refusal only needs to leave the block. Otherwise (a session transaction, or SQLite)
    it is the session's transaction: `commit` does nothing, the caller's commit ends it, and
    a refusal must undo its own writes if the caller carries on.
    """
    session = db.session()
    engine = db.engine
    if engine.dialect.name != "postgresql" or session.in_transaction():
        yield _Joined(session)
        return
    own = _Own(engine, durable=durable)
    try:
        yield own
    finally:
        own.close()


class Batches:
    """What `transaction()` yields: `run` batches in it, `commit` it, and `after_commit`."""

    owns: bool

    def run(self, calls: Sequence[Call], *, begin: bool = True,
            commit: bool = False) -> list[Outcome]:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction has committed (at once if it has already;
        never if it rolls back)."""
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
        return send(connection.info, connection.dialect, driver, calls, False, False,
                     undo=False)

    def commit(self) -> None:
        pass  # the caller's commit

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


class _Own(Batches):
    owns = True

    def __init__(self, engine, *, durable: bool = True):
        self.dialect, self.durable = engine.dialect, durable
        self.pooled = engine.raw_connection()
        self.driver = self.pooled.driver_connection
        self.driver.autocommit = True  # BEGIN and COMMIT travel with the batches
        self.begun = self.committed = False
        self.callbacks: list[Callable[[], None]] = []

    def run(self, calls: Sequence[Call], *, begin: bool = True,
            commit: bool = False) -> list[Outcome]:
        if not begin and (self.committed or not self.begun):  # a read outside: autocommit
            return _send_alone(self.pooled.info, self.dialect, self.driver, calls)
        if self.committed:
            raise RuntimeError("this transaction has committed")
        first = not self.begun
        self.begun = True
        try:
            outcomes = send(self.pooled.info, self.dialect, self.driver, calls, first, commit,
                            undo=True, durable=self.durable)
        except StatementsForgotten:
            if not first:
                raise
            outcomes = send(self.pooled.info, self.dialect, self.driver, calls, True, commit,
                            undo=True, durable=self.durable)
        if commit:
            self._committed()
        return outcomes

    def commit(self) -> None:
        if self.begun and not self.committed:
            self.driver.commit()
            self._committed()

    def after_commit(self, callback: Callable[[], None]) -> None:
        if self.committed:  # a batch run with commit=True committed it already
            callback()
        else:
            self.callbacks.append(callback)

    def _committed(self) -> None:
        self.committed = True
        for callback in self.callbacks:
            callback()

    def close(self) -> None:
        try:
            if not self.driver.broken:
                if in_server_transaction(self.driver):
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
    check_params(call.statement.prepared_name, expected, call.params)
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
            return _send_alone(pooled.info, engine.dialect, driver, calls)
        finally:
            if not driver.broken:
                driver.autocommit = False
    finally:
        pooled.close()


def _send_alone(info: dict, dialect, driver, calls: Sequence[Call]) -> list[Outcome]:
    """One autocommit message (the driver in autocommit); sent once more when the server had
    forgotten the connection's statements (the failed message prepares them again)."""
    try:
        return send(info, dialect, driver, calls, False, False, undo=True)
    except StatementsForgotten:
        return send(info, dialect, driver, calls, False, False, undo=True)
