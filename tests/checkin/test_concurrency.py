"""Two gates, one ticket, the same instant: exactly one VALID, on PostgreSQL, over HTTP.

A threaded WSGI server runs an app from the factory; 20 threads (20 gates, each its own
HTTP session logged in as gate staff) post the same code at once, released by a barrier.
First the race is shown to be real: on a schema without the entry guard (the partial unique
index dropped), more than one gate lets the ticket in.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Role
from app.models.checkin import CheckIn, ScanResult
from tests.checkin.conftest import tickets_of
from tests.conftest import BACKEND, base_config, require_service

pytestmark = pytest.mark.postgres
GATES = 20
GUARD = ("CREATE UNIQUE INDEX uq_checkins_entry ON checkins "
         "(ticket_id, session_scope, entry_number) WHERE result = 'valid' AND direction = 'in'")


@pytest.fixture(autouse=True)
def _postgres_only():
    require_service(BACKEND == "postgres", "PostgreSQL is not configured (set TEST_DATABASE_URL)")


@contextmanager
def serving():
    app = create_app(base_config())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


def _race(base: str, app, user, event, code: str, extra: dict | None = None) -> Counter:
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True})
    url = f"{base}/checkin/{event.slug}/scan"  # read here: the threads have no app context
    barrier = threading.Barrier(GATES)

    def gate(n: int) -> str:
        with requests.Session() as http:
            http.cookies.set("session", cookie)
            barrier.wait()
            response = http.post(url,
                                 data={"code": code, "gate": f"Gate {n}",
                                       "nonce": f"race-{code[-12:]}-{n}", **(extra or {})},
                                 headers={"Accept": "application/json"}, timeout=30)
            response.raise_for_status()
            return response.json()["result"]

    with ThreadPoolExecutor(GATES) as pool:
        return Counter(pool.map(gate, range(GATES)))


def _valid_rows(ticket_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.ticket_id == ticket_id, CheckIn.result == ScanResult.VALID))


@pytest.fixture
def race_setup(make_order, make_user, make_member):
    order = make_order(seats=10, starts_in_days=0)
    tickets = tickets_of(order)
    gate_user = make_user(name="Gus Gate")
    make_member(gate_user, tickets[0].event.organization, Role.GATE)
    return gate_user, tickets[0].event, tickets


def test_without_the_guard_two_gates_let_one_ticket_in(race_setup):
    user, event, tickets = race_setup
    db.session.execute(text("DROP INDEX uq_checkins_entry"))
    db.session.commit()
    try:
        with serving() as (base, app):
            doubled = []
            for ticket in tickets[:5]:  # a race is likely, not certain, on any one ticket
                _race(base, app, user, event, ticket.qr_payload)
                doubled.append(_valid_rows(ticket.id))
                if doubled[-1] > 1:
                    break
    finally:
        db.session.rollback()
        db.session.execute(text("DELETE FROM checkins"))  # the doubles would block the index
        db.session.execute(text(GUARD))
        db.session.commit()
    assert max(doubled) > 1, f"expected a double entry without the guard, got {doubled}"


@pytest.mark.parametrize("extra", [{}, {"session_id": ""}], ids=["page path", "device path"])
def test_twenty_gates_one_ticket_one_valid(race_setup, extra):
    user, event, tickets = race_setup
    with serving() as (base, app):
        results = _race(base, app, user, event, tickets[0].qr_payload, extra)

    assert results == Counter({"valid": 1, "already_in": GATES - 1}), results
    assert _valid_rows(tickets[0].id) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.ticket_id == tickets[0].id)) == GATES  # every scan recorded
