"""Races on PostgreSQL, with real threads (each with its own connection and transaction)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.orders import OrderStatus
from app.models.seating import Hold, HoldStatus
from app.services import orders
from tests.orders.conftest import counts, hold, later, place, reload, signed_headers, webhook_body

pytestmark = pytest.mark.postgres


def race(app, bodies: list[bytes], now) -> list[str]:
    """Deliver the signed bodies at the same moment from as many threads; their outcomes."""
    barrier, outcomes, errors = threading.Barrier(len(bodies)), [], []

    def deliver(body: bytes) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                outcomes.append(orders.receive_webhook("sandbox", body,
                                                       signed_headers(app, body), now=now))
                db.session.commit()
            except Exception as exc:  # reported below; a thread must not die silently
                db.session.rollback()
                errors.append(repr(exc))

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(outcomes)


def test_the_same_webhook_three_times_at_once_pays_once(app, seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    body = webhook_body(order, event_id="evt_thrice")
    assert race(app, [body] * 3, None) == ["duplicate", "duplicate", "paid"]
    after = counts()
    assert (after["payments"], after["provider_events"]) == (1, 1)
    assert reload(order).status == OrderStatus.PAID


def test_two_expired_orders_for_one_seat_paid_at_once(app, seated, buyer):
    first, second = buyer("First Buyer"), buyer("Second Buyer")
    hold(seated, first, "A-1")
    one = place(seated, first)
    orders.expire_order(one.id, later(13))
    db.session.commit()
    hold(seated, second, "A-1", now=later(13))
    two = place(seated, second, now=later(13))
    orders.expire_order(two.id, later(26))
    db.session.commit()

    bodies = [webhook_body(one, event_id="evt_one", charge="ch_one"),
              webhook_body(two, event_id="evt_two", charge="ch_two")]
    assert race(app, bodies, later(27)) == ["paid_late", "refunded"]
    db.session.expire_all()
    claims = db.session.scalars(select(Hold).where(Hold.seat_id == seated.seat("A-1"))).all()
    assert [(c.status, c.expires_at) for c in claims] == [(HoldStatus.SOLD, None)]
    statuses = sorted([reload(one).status, reload(two).status])
    assert statuses == sorted([OrderStatus.PAID, OrderStatus.REFUNDED])
    winner = one if reload(one).status == OrderStatus.PAID else two
    assert claims[0].cart_id == winner.hold_key
