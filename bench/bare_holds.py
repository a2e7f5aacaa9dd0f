"""The bare baselines for bench/holds.py: one `INSERT … ON CONFLICT DO NOTHING` per request
(and its commit), nothing else.

- `blueprint`: served by the benchmark's own app (the real app plus this bench-only
  blueprint, see `bench.holds.bench_app`), in the same gunicorn processes as the full stack,
  behind the same Flask request handling: the ratio then measures the hold logic alone.
  `/bench/bare/…` commits as PostgreSQL does by default, waiting for the WAL flush;
  `/bench/bare-async/…` commits as a seat hold does, without waiting for it;
- `app`: a separate tiny WSGI app without Flask, kept as a second, labelled reference.

    gunicorn -w 2 'bench.bare_holds:app'   (DATABASE_URL: a PostgreSQL URL)
"""

from __future__ import annotations

import os

import psycopg
from flask import Blueprint
from sqlalchemy import text

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_holds (
    id bigserial PRIMARY KEY,
    event_id integer NOT NULL,
    seat_id integer NOT NULL,
    cart_id varchar(64) NOT NULL,
    expires_at timestamptz NOT NULL,
    UNIQUE (event_id, seat_id)
)
"""
INSERT = ("INSERT INTO bare_holds (event_id, seat_id, cart_id, expires_at) "
          "VALUES (1, %s, %s, now() + interval '10 minutes') ON CONFLICT DO NOTHING")

IN_APP_INSERT = text("INSERT INTO bare_holds (event_id, seat_id, cart_id, expires_at) "
                     "VALUES (:event, :seat, :cart, now() + interval '10 minutes') "
                     "ON CONFLICT DO NOTHING")

NOT_DURABLE = text("SET LOCAL synchronous_commit = off")

blueprint = Blueprint("bench_bare", __name__)


@blueprint.post("/bench/bare/<int:seat_id>/<cart>")
def bare_hold(seat_id: int, cart: str):
    """One INSERT … ON CONFLICT DO NOTHING on a plain pooled connection, and its commit."""
    return _bare(seat_id, cart, durable=True)


@blueprint.post("/bench/bare-async/<int:seat_id>/<cart>")
def bare_hold_async(seat_id: int, cart: str):
    """The same, committing as a seat hold does: without waiting for the WAL flush."""
    return _bare(seat_id, cart, durable=False)


def _bare(seat_id: int, cart: str, *, durable: bool):
    with _engine().connect() as conn:
        if not durable:
            conn.execute(NOT_DURABLE)
        # Rows of their own (event 1, or 2 without the flush): neither run finds the other's.
        held = conn.execute(IN_APP_INSERT, {"event": 1 if durable else 2, "seat": seat_id,
                                            "cart": cart}).rowcount == 1
        conn.commit()
    return ("held", 200) if held else ("gone", 409)


_engine_for_bare = None


def _engine():
    """The app's database, with psycopg's own automatic statement preparation: the app
    turns it off on its engine (see `app._keep_prepared_statements`), which would make
    this baseline slower than it is with the driver's defaults. Connections are checked
    before use as the app checks its own (`DATABASE_PRE_PING`)."""
    global _engine_for_bare
    if _engine_for_bare is None:
        from flask import current_app
        from sqlalchemy import create_engine

        from app.db_checkout import check_on_checkout
        from app.extensions import db

        options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        engine = create_engine(db.engine.url,
                               pool_pre_ping=options.get("pool_pre_ping", False))
        if current_app.config.get("DATABASE_CONNECTION_CHECK") == "socket":
            check_on_checkout(engine)
        _engine_for_bare = engine
    return _engine_for_bare


_connection: psycopg.Connection | None = None


def _conn() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url)
    return _connection


def app(environ, start_response):
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    if environ["REQUEST_METHOD"] != "POST" or len(parts) != 2 or not parts[0].isdigit():
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    conn = _conn()
    with conn.cursor() as cursor:
        cursor.execute(INSERT, (int(parts[0]), parts[1]))
        held = cursor.rowcount == 1
    conn.commit()
    status = "200 OK" if held else "409 Conflict"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "4")])
    return [b"held" if held else b"gone"]
