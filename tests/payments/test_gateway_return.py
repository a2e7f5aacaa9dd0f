"""Back from the hosted page: the order page settles a succeeded charge before the webhook.

Here the gateway's webhooks stay in transit (captured when the card is charged) until a test
delivers them, as they would while a real gateway's queue is behind the buyer's browser.
"""

from __future__ import annotations

import json
import threading

import pytest

from app.extensions import db
from app.models.orders import OrderStatus, PaymentStatus
from app.models.tickets import Ticket
from app.services import orders
from app.services.orders import gateway_return
from app.services.payments import sandbox
from tests.orders.conftest import hold, later, place, reload, signed_headers
from tests.payments.conftest import CARD


@pytest.fixture
def webhooks_in_transit(monkeypatch):
    """The payloads the gateway would send, held back: `deliver(app)` sends them now."""
    held: list[dict] = []

    def capture(charge, kind, now, delay=0):
        held.append(sandbox.webhook_payload(charge, kind, now))

    monkeypatch.setattr(sandbox, "schedule_webhook", capture)
    return held


def deliver(app, payload: dict) -> str:
    body = json.dumps(payload).encode()
    outcome = orders.receive_webhook("sandbox", body, signed_headers(app, body))
    db.session.commit()
    return outcome


def tickets_of(order) -> int:
    db.session.expire_all()
    return db.session.query(Ticket).filter_by(order_id=order.id).count()


def confirmations(outbox, email: str) -> int:
    return sum(1 for e in outbox(email) if e.template == "order_confirmation")


def test_the_buyer_comes_back_to_a_paid_order_and_the_webhook_finds_it_applied(
        app, checkout, webhooks_in_transit, outbox):
    client, order, gateway = checkout()
    back = client.post(gateway, data={"number": sandbox.SUCCEEDS, **CARD})
    assert back.headers["Location"] == f"/orders/{order.code}"
    assert reload(order).status == OrderStatus.PENDING_PAYMENT  # nothing told our side yet

    page = client.get(back.headers["Location"])
    assert page.status_code == 200 and "Paid" in page.text
    order = reload(order)
    assert order.status == OrderStatus.PAID
    [payment] = order.payments
    assert payment.status == PaymentStatus.SUCCEEDED and payment.raw["source"] == "return"
    assert tickets_of(order) == 1

    [payload] = webhooks_in_transit
    assert deliver(app, payload) == "duplicate"
    assert deliver(app, payload) == "duplicate"  # and its redelivery
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]
    assert tickets_of(order) == 1
    assert confirmations(outbox, order.buyer_email) == 1


def test_a_webhook_that_came_first_leaves_the_return_nothing_to_do(
        app, checkout, webhooks_in_transit):
    client, order, gateway = checkout()
    client.post(gateway, data={"number": sandbox.SUCCEEDS, **CARD})
    [payload] = webhooks_in_transit
    assert deliver(app, payload) == "paid"
    assert "Paid" in client.get(f"/orders/{order.code}").text
    order = reload(order)
    assert [p.raw.get("source") for p in order.payments] == [None]  # the webhook's only
    assert tickets_of(order) == 1


def test_a_delayed_charge_is_settled_by_its_webhook(app, checkout, webhooks_in_transit):
    client, order, gateway = checkout()
    client.post(gateway, data={"number": sandbox.DELAYED, **CARD})
    assert "being processed" in client.get(f"/orders/{order.code}").text
    assert reload(order).status == OrderStatus.PENDING_PAYMENT
    [payload] = webhooks_in_transit
    assert deliver(app, payload) == "paid"
    assert reload(order).status == OrderStatus.PAID


def test_a_declined_or_unpaid_session_settles_nothing(app, checkout, webhooks_in_transit):
    client, order, gateway = checkout()
    client.get(f"/orders/{order.code}?redirect_status=succeeded")  # what the URL claims: nothing
    assert reload(order).payments == []
    client.post(gateway, data={"number": sandbox.DECLINES, **CARD})
    client.get(f"/orders/{order.code}")
    order = reload(order)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.payments == []
    [payload] = webhooks_in_transit
    assert deliver(app, payload) == "failed"
    assert "declined" in client.get(f"/orders/{order.code}").text


def test_a_return_after_the_window_takes_the_seats_again(app, checkout, webhooks_in_transit):
    client, order, gateway = checkout()
    client.post(gateway, data={"number": sandbox.SUCCEEDS, **CARD})
    assert gateway_return.settle_on_return(reload(order), now=later(60)) == "paid_late"
    db.session.commit()
    assert reload(order).status == OrderStatus.PAID


def test_manual_and_settled_orders_have_nothing_to_retrieve(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    manual = place(seated, who, "manual")
    assert orders.settle_on_return(manual) is None
    assert reload(manual).payments == []


@pytest.mark.postgres
def test_the_return_and_the_webhook_at_the_same_moment_apply_the_charge_once(
        app, checkout, webhooks_in_transit, outbox):
    client, order, gateway = checkout()
    client.post(gateway, data={"number": sandbox.SUCCEEDS, **CARD})
    [payload] = webhooks_in_transit
    barrier, outcomes, errors = threading.Barrier(2), [], []

    def run(step) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                outcomes.append(step())
                db.session.commit()
            except Exception as exc:  # reported below; a thread must not die silently
                db.session.rollback()
                errors.append(repr(exc))

    def on_return() -> str | None:
        return orders.settle_on_return(orders.buyer_order(order.code, order.user))

    threads = [threading.Thread(target=run, args=(step,))
               for step in (on_return, lambda: deliver(app, payload))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert "paid" in outcomes and (None in outcomes or "duplicate" in outcomes), outcomes
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]
    assert tickets_of(order) == 1
    assert confirmations(outbox, order.buyer_email) == 1
