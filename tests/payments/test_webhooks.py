"""The webhook endpoint: forged, stale or modified callbacks change nothing; real ones are
applied once, however often they arrive."""

from __future__ import annotations

import time

import pytest

from app.models.orders import OrderStatus
from tests.orders.conftest import (
    counts,
    hold,
    place,
    reload,
    signed_headers,
    webhook_body,
)


@pytest.fixture
def order(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    return place(seated, who)


def post(client, body: bytes, headers: dict):
    return client.post("/webhooks/sandbox", data=body, headers=headers)


def forged_cases(app, order):
    body = webhook_body(order)
    good = signed_headers(app, body)
    yield "missing", body, {"Content-Type": "application/json"}
    yield "bad secret", body, signed_headers(app, body, secret="not-the-secret")
    yield "garbage header", body, {"Marquee-Signature": "t=abc,v1=zz"}
    yield "stale", body, signed_headers(app, body, timestamp=int(time.time()) - 301)
    yield "future", body, signed_headers(app, body, timestamp=int(time.time()) + 301)
    yield "modified body", body.replace(b'"evt_1"', b'"evt_2"'), good
    tampered = webhook_body(order, amount="0.01")
    yield "modified amount", tampered, good


def test_forged_callbacks_are_refused_and_change_nothing(app, client, order):
    before = counts()
    for name, body, headers in forged_cases(app, order):
        response = post(client, body, headers)
        assert response.status_code == 400, name
        assert counts() == before, name
    assert reload(order).status == OrderStatus.PENDING_PAYMENT


def test_signed_callback_pays_once_over_http(app, client, order):
    body = webhook_body(order)
    responses = [post(client, body, signed_headers(app, body)) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json["outcome"] for r in responses] == ["paid", "duplicate", "duplicate"]
    assert reload(order).status == OrderStatus.PAID
    after = counts()
    assert (after["payments"], after["provider_events"]) == (1, 1)


def test_unknown_provider_and_unreadable_body_are_400(app, client, order):
    assert post(client, b"{}", {}).status_code == 400
    assert client.post("/webhooks/nope", data=b"{}").status_code == 400
    body = b'{"id": "evt_x"}'
    assert post(client, body, signed_headers(app, body)).status_code == 400
    assert counts()["provider_events"] == 0


def test_callbacks_for_unknown_orders_are_acknowledged(app, client, order):
    body = webhook_body(order).replace(order.code.encode(), b"ZZZZZZZZ")
    response = post(client, body, signed_headers(app, body))
    assert response.status_code == 200 and response.json["outcome"] == "unknown_order"
