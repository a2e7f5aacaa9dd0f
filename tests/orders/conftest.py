"""Order fixtures shared by tests/orders and tests/payments: a seated event with a buyer
holding seats, checkout through the service or over HTTP, and signed webhooks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.orders import Order, OrganizationPaymentSettings, Payment, ProviderEvent
from app.models.seating import Hold
from app.models.types import utcnow
from app.services import orders, seating
from app.services.orders import AttendeeInput
from app.services.payments import signing
from tests.conftest import login
from tests.seating.conftest import SeatedEvent, seat_map_event  # noqa: F401 (fixture)

BANK = "Zanaco, account 0123456789, Main Stage Productions Ltd"


@dataclass
class Buyer:
    user: User
    cart_id: str


@pytest.fixture
def seated(seat_map_event) -> SeatedEvent:  # noqa: F811 (the imported fixture)
    """A seated event (VIP rows A–B 100.00, Standard C–E 50.00) whose organization takes
    bank transfers, plus 2 general-admission ticket types' worth of capacity."""
    seated = seat_map_event(general_admission={"Standing": 5})
    db.session.add(OrganizationPaymentSettings(
        organization_id=seated.event.organization_id, bank_instructions=BANK,
        mobile_money_instructions="MTN 096 000 0000", payment_minutes=12, approval_hours=48))
    db.session.commit()
    return seated


@pytest.fixture
def buyer(make_user):
    counter = iter(range(1, 10_000))

    def make(name: str = "Bea Buyer") -> Buyer:
        user = make_user(name=name)
        return Buyer(user, f"cart-{user.id}-{next(counter)}")

    return make


def hold(seated: SeatedEvent, who: Buyer, *labels: str, now: datetime | None = None) -> None:
    seating.hold_seats(seated.event, [seated.seat(label) for label in labels], who.cart_id,
                       who.user.id, now=now)
    db.session.commit()


def attendees_for(seated: SeatedEvent, who: Buyer, now: datetime | None = None
                  ) -> list[AttendeeInput]:
    slots = orders.checkout_view(seated.event, who.cart_id, now).slots
    return [AttendeeInput(slot.key, who.user.name, who.user.email) for slot in slots]


def place(seated: SeatedEvent, who: Buyer, method: str = "sandbox",
          now: datetime | None = None) -> Order:
    """Place an order for everything the buyer's cart holds (service level), committed."""
    order = orders.place_order(seated.event, who.cart_id, who.user,
                               attendees_for(seated, who, now), method, now=now)
    db.session.commit()
    return order


def webhook_body(order: Order, *, kind: str = "payment.succeeded", event_id: str = "evt_1",
                 amount: Decimal | str | None = None, currency: str | None = None,
                 charge: str = "ch_test") -> bytes:
    payload = {"id": event_id, "type": kind, "created": 0,
               "data": {"object": {"id": charge, "session": "s", "order": order.code,
                                   "amount": str(order.total if amount is None else amount),
                                   "currency": currency or order.currency}}}
    return json.dumps(payload).encode()


def signed_headers(app, body: bytes, timestamp: int | None = None,
                   secret: str | None = None) -> dict:
    secret = secret or app.config["SANDBOX_WEBHOOK_SECRET"]
    return {signing.HEADER: signing.sign(secret, body, timestamp),
            "Content-Type": "application/json"}


def deliver(app, order: Order, now: datetime | None = None, **body_options) -> str:
    """A signed sandbox webhook handled by the service (as the endpoint does), committed."""
    body = webhook_body(order, **body_options)
    outcome = orders.receive_webhook("sandbox", body, signed_headers(app, body), now=now)
    db.session.commit()
    return outcome


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def hold_rows(order: Order) -> list[Hold]:
    db.session.expire_all()
    return list(db.session.scalars(select(Hold).where(Hold.cart_id == order.hold_key)))


def counts() -> dict[str, int]:
    """Rows of the tables a callback could write."""
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Order, Payment, ProviderEvent, Hold)}


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


@pytest.fixture
def buyer_client(app):
    def make(who: Buyer, *, htmx: bool = False):
        client = app.test_client()
        if htmx:
            client.environ_base["HTTP_HX_REQUEST"] = "true"
        login(client, who.user)
        with client.session_transaction() as session:
            session["cart_id"] = who.cart_id
        return client

    return make
