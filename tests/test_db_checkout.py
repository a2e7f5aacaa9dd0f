"""Pooled PostgreSQL connections are checked at checkout by their socket, no round trip
(`app.db_checkout`): a connection the server closed is replaced before anyone uses it, a
healthy one is handed out again as it is."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Integer, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.db_checkout import check_on_checkout
from app.extensions import db
from app.sql_batches import run, statement

pytestmark = pytest.mark.postgres


@statement("test_backend_pid")
def BACKEND_PID(dialect: str):
    return text("SELECT pg_backend_pid() AS pid").columns(pid=Integer)


def _engine(*, checked: bool):
    engine = create_engine(db.engine.url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    if checked:
        check_on_checkout(engine)
    return engine


def _pid(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def _terminate(pid: int) -> None:
    """End the backend behind a pooled connection (from a connection outside every pool),
    and wait for its goodbye to arrive. Autocommit: a transaction would keep reading the
    same snapshot of `pg_stat_activity`, in which the backend never ends."""
    outside = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with outside.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": pid}):
                break
            time.sleep(0.02)
        else:
            raise AssertionError(f"backend {pid} still running")
    outside.dispose()


def test_a_healthy_connection_is_handed_out_again_without_a_query(app):
    engine = _engine(checked=True)
    sent = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    first = _pid(engine)
    assert [_pid(engine) for _ in range(20)] == [first] * 20  # the same connection each time
    assert len(sent) == 21  # the queries asked for, and no test query before them
    engine.dispose()


def test_a_connection_the_server_closed_is_replaced_at_checkout(app):
    engine = _engine(checked=True)
    first = _pid(engine)
    _terminate(first)
    second = _pid(engine)  # no error: the pool opened a new connection
    assert second != first
    engine.dispose()


def test_without_the_check_the_closed_connection_fails_the_request(app):
    """The same sequence on an unchecked pool: what the check prevents."""
    engine = _engine(checked=False)
    _terminate(_pid(engine))
    with pytest.raises(OperationalError):
        _pid(engine)
    engine.dispose()


def test_the_app_checks_its_pool_and_batches_get_a_live_connection(app):
    """The app's own engine has the check (DATABASE_CONNECTION_CHECK=socket, the
    default): a batch on a pooled connection of its own survives its backend's end."""
    assert app.config["DATABASE_CONNECTION_CHECK"] == "socket"
    run([BACKEND_PID()])
    pids = {run([BACKEND_PID()])[0].rows[0].pid  # every idle connection of the pool in turn
            for _ in range(db.engine.pool.checkedin())}
    for pid in pids:
        _terminate(pid)
    for _ in range(3):
        assert run([BACKEND_PID()])[0].rows[0].pid not in pids
