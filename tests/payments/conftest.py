"""Payment tests share the order fixtures, and a buyer who reached the sandbox gateway."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.orders import Order
from app.services import orders
from tests.orders.conftest import (  # noqa: F401 (fixtures)
    buyer,
    buyer_client,
    hold,
    seat_map_event,
    seated,
)

CARD = {"expiry": "12/40", "cvc": "123", "name": "Bea Buyer"}


@pytest.fixture
def checkout(app, seated, buyer, buyer_client):  # noqa: F811 (the imported fixtures)
    """`checkout()` → (client, order, gateway URL): a buyer holding A-1 who chose card."""

    def run():
        who = buyer()
        hold(seated, who, "A-1")
        client = buyer_client(who)
        page = client.get(f"/events/{seated.event.slug}/checkout").text
        data = {"payment_method": "sandbox"}
        for index, key in re.findall(r'name="attendees-(\d+)-key" type="hidden" value="([^"]+)"',
                                     page):
            data |= {f"attendees-{index}-key": key, f"attendees-{index}-name": "Ann Attendee",
                     f"attendees-{index}-email": "ann@example.com"}
        response = client.post(f"/events/{seated.event.slug}/checkout", data=data)
        assert response.status_code == 303, response.text
        gateway = response.headers["Location"]
        assert gateway.startswith("/sandbox-gateway/pay/")
        order = orders.buyer_order(_latest_code(who), who.user)
        return client, order, gateway

    return run


def _latest_code(who) -> str:
    return db.session.scalars(select(Order.code).where(Order.user_id == who.user.id)
                              .order_by(Order.id.desc())).first()
