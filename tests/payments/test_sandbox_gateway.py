"""The sandbox gateway end to end over HTTP: hosted page, test cards, signed webhook."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.models.orders import OrderStatus, PaymentStatus
from app.services import payments
from app.services.payments import sandbox
from tests.orders.conftest import hold, place, reload
from tests.payments.conftest import CARD


def test_card_4242_pays_and_comes_back_to_the_order(checkout, seated):
    client, order, gateway = checkout()
    page = client.get(gateway)
    assert page.status_code == 200
    assert "100.00" in page.text and seated.event.organization.name in page.text
    response = client.post(gateway, data={"number": "4242 4242 4242 4242", **CARD})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/orders/{order.code}"
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert order.lines[0].attendee_name == "Ann Attendee"
    again = client.post(gateway, data={"number": "4242424242424242", **CARD})
    assert again.status_code == 303  # already paid: back to the order, no second charge
    assert len(reload(order).payments) == 1


def test_card_0002_declines_and_may_try_again(checkout):
    client, order, gateway = checkout()
    response = client.post(gateway, data={"number": "4000 0000 0000 0002", **CARD})
    assert response.status_code == 422 and "declined" in response.text
    order = reload(order)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert [p.status for p in order.payments] == [PaymentStatus.FAILED]
    assert "declined" in client.get(f"/orders/{order.code}").text
    client.post(gateway, data={"number": "4242424242424242", **CARD})
    assert reload(order).status == OrderStatus.PAID


def test_card_9995_succeeds_after_a_delay(app, checkout):
    app.config["SANDBOX_DELAY_SECONDS"] = 0.5
    try:
        client, order, gateway = checkout()
        response = client.post(gateway, data={"number": "4000000000009995", **CARD})
        assert response.status_code == 303
        assert reload(order).status == OrderStatus.PENDING_PAYMENT
        assert "being processed" in client.get(f"/orders/{order.code}").text
        deadline = time.monotonic() + 10
        while reload(order).status != OrderStatus.PAID and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reload(order).status == OrderStatus.PAID
    finally:
        app.config["SANDBOX_DELAY_SECONDS"] = 20


@pytest.mark.parametrize(("number", "expiry", "message"), [
    ("4242", "12/40", "16-digit"),
    ("5555555555554444", "12/40", "only its test cards"),
    ("4242424242424242", "01/20", "expired"),
    ("4242424242424242", "13/40", "MM/YY"),
])
def test_bad_card_details_are_explained(checkout, number, expiry, message):
    client, order, gateway = checkout()
    response = client.post(gateway, data={"number": number, "expiry": expiry, "cvc": "123"})
    assert response.status_code == 422 and message in response.text
    assert reload(order).payments == []


def test_webhook_is_delivered_over_http_when_not_in_process(app, seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = app.config["PUBLIC_URL"], app.config["SANDBOX_WEBHOOK_INPROCESS"]
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    app.config["SANDBOX_WEBHOOK_INPROCESS"] = False
    try:
        payments.provider("sandbox").start(order)
        charge = sandbox.latest_charge(order)
        charge.charge_ref = "ch_http"
        payload = sandbox.webhook_payload(charge, "payment.succeeded", order.created_at)
        db.session.commit()
        assert sandbox.deliver_webhook(payload) == 200
        assert sandbox.deliver_webhook(payload) == 200  # a retry: acknowledged, not applied
    finally:
        app.config["PUBLIC_URL"], app.config["SANDBOX_WEBHOOK_INPROCESS"] = saved
        server.shutdown()
    order = reload(order)
    assert order.status == OrderStatus.PAID and len(order.payments) == 1


def test_delivery_failure_raises_so_the_job_is_retried(app, seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    saved = app.config["PUBLIC_URL"], app.config["SANDBOX_WEBHOOK_INPROCESS"]
    app.config["PUBLIC_URL"], app.config["SANDBOX_WEBHOOK_INPROCESS"] = (
        "http://127.0.0.1:9", False)
    try:
        with pytest.raises(sandbox.WebhookDeliveryFailed):
            sandbox.deliver_webhook({"id": "evt_x", "type": "payment.succeeded",
                                     "data": {"object": {"order": order.code}}})
    finally:
        app.config["PUBLIC_URL"], app.config["SANDBOX_WEBHOOK_INPROCESS"] = saved
