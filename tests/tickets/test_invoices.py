"""Invoice numbers: consecutive per organization, without gaps, also under concurrency."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.orders import Order
from app.models.tickets import Invoice
from app.services.tickets.invoices import issue_invoice, next_invoice_number
from tests.conftest import BACKEND, require_service

THREADS = 12


def _numbers(organization_id: int) -> list[int]:
    return list(db.session.scalars(select(Invoice.number).where(
        Invoice.organization_id == organization_id).order_by(Invoice.number)))


def test_numbers_are_consecutive_per_organization(make_order, seat_map_event):
    first, second = seat_map_event(), seat_map_event()
    for seated in (first, second, first, first):  # noqa: B007
        make_order(seated=seated, seats=1)
    assert _numbers(first.event.organization_id) == [1, 2, 3]
    assert _numbers(second.event.organization_id) == [1]


def test_a_rolled_back_transaction_leaves_no_gap(make_order, seat_map_event):
    seated = seat_map_event()
    make_order(seated=seated, seats=1)
    order = make_order(seated=seated, seats=1, issue=False)
    issue_invoice(order)
    db.session.rollback()
    make_order(seated=seated, seats=1)
    assert _numbers(seated.event.organization_id) == [1, 2]


def test_one_invoice_per_order(make_order):
    order = make_order(seats=1)
    assert issue_invoice(order).number == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def _naive_invoice(order_id: int) -> None:
    """The unguarded way: read the highest number, then insert the next (no lock)."""
    order = db.session.get(Order, order_id)
    organization_id = order.event.organization_id
    highest = db.session.scalar(select(func.max(Invoice.number)).where(
        Invoice.organization_id == organization_id)) or 0
    time.sleep(0.05)  # the window every other buyer's transaction falls into
    db.session.add(Invoice(organization_id=organization_id, number=highest + 1,
                           order_id=order.id, seller_name="x", buyer_name=order.buyer_name,
                           buyer_email=order.buyer_email, currency=order.currency,
                           total=order.total))
    db.session.flush()


def _race(app, order_ids: list[int], allocate) -> list[str]:
    barrier = threading.Barrier(len(order_ids))

    def run(order_id: int) -> str:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                allocate(order_id)
                db.session.commit()
                return "ok"
            except IntegrityError:
                db.session.rollback()
                return "duplicate"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(order_ids)) as pool:
        return list(pool.map(run, order_ids))


@pytest.mark.postgres
def test_concurrent_invoices_get_consecutive_numbers(app, make_order, seat_map_event):
    # Row locks need PostgreSQL (SQLite ignores FOR UPDATE).
    require_service(BACKEND == "postgres", "PostgreSQL is not configured (TEST_DB=postgres)")
    seated = seat_map_event(general_admission={"Standing": 100})
    organization_id = seated.event.organization_id
    orders = [make_order(seated=seated, seats=0, general=1, issue=False).id
              for _ in range(2 * THREADS)]
    with_lock, naive = orders[:THREADS], orders[THREADS:]

    # Guard off: the race is real, several transactions take the same number.
    outcomes = _race(app, naive, _naive_invoice)
    assert outcomes.count("duplicate") > 0, outcomes
    db.session.execute(db.delete(Invoice))
    db.session.commit()

    # Guard on: everyone queues on the counter row's lock; no duplicate, no gap.
    outcomes = _race(app, with_lock, lambda order_id: issue_invoice(
        db.session.get(Order, order_id)))
    assert outcomes == ["ok"] * THREADS
    assert _numbers(organization_id) == list(range(1, THREADS + 1))
    assert next_invoice_number(organization_id) == THREADS + 1
    db.session.rollback()
