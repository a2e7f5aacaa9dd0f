"""Checking a pooled PostgreSQL connection before use, without a round trip.

A connection the server has closed (a restart, `idle_session_timeout`,
`pg_terminate_backend`) has a readable socket: the server's last error message, then the end
of the stream. An idle connection in good order has nothing to read. So at checkout one
`poll` of the socket tells them apart, where SQLAlchemy's `pool_pre_ping` sends a test query
(a round trip on every request). A closed connection is thrown away and the pool opens
another: a checkout listener raising `DisconnectionError` asks the pool for exactly that.

Neither check notices a peer that vanished without closing (a dead host, a dropped route):
`pool_recycle` bounds a connection's age for that.
"""

from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError


def check_on_checkout(engine) -> None:
    """Check every connection `engine`'s pool hands out (PostgreSQL engines only)."""
    if engine.dialect.name == "postgresql" and not event.contains(engine, "checkout",
                                                                   closed_by_server):
        event.listen(engine, "checkout", closed_by_server)


def closed_by_server(dbapi_connection, connection_record, connection_proxy) -> None:
    """Raise DisconnectionError when the connection is closed, or its socket has something
    to read while no query is running (the server's goodbye)."""
    if dbapi_connection.closed:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")
