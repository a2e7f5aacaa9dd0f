"""Check-in fixtures: paid orders with issued tickets (the tickets suite's `make_order`),
a scan helper, and the event's organization gate staff."""

from __future__ import annotations

import itertools

import pytest

from app.extensions import db
from app.models.tickets import Ticket
from app.services.checkin import ScanInput, scan_code
from tests.seating.conftest import seat_map_event  # noqa: F401 (needed by make_order)
from tests.tickets.conftest import make_order  # noqa: F401 (a shared fixture)

_nonces = itertools.count(1)


def nonce() -> str:
    return f"test-nonce-{next(_nonces)}"


def tickets_of(order) -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(
        db.select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.id)))


@pytest.fixture
def scan():
    """`scan(code, event, gate="Gate 1", **ScanInput fields)` → Verdict, committed."""

    def run(code: str, event, gate: str = "Gate 1", **fields):
        fields.setdefault("nonce", nonce())
        verdict = scan_code(code, ScanInput(event=event, gate=gate, **fields))
        db.session.commit()
        return verdict

    return run


@pytest.fixture
def paid_ticket(make_order):  # noqa: F811 (the imported fixture)
    """`paid_ticket(**make_order options)` → (ticket, event): one issued seated ticket, for
    an event starting now (its code is valid) unless `starts_in_days` says otherwise."""

    def make(**options):
        options.setdefault("starts_in_days", 0)
        order = make_order(seats=1, **options)
        ticket = tickets_of(order)[0]
        return ticket, ticket.event

    return make
