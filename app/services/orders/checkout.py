"""Checkout: from a cart's held seats to an order with one line per ticket.

`place_order` takes the event's seating lock, re-reads the cart, writes the order and its
lines, and moves the holds into the order's payment window under the order's own claim key,
all in the caller's transaction. A free order is paid on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event, EventStatus
from app.models.orders import (
    Order,
    OrderLine,
    OrderStatus,
    OrganizationPaymentSettings,
    PaymentMethod,
)
from app.models.seating import Hold, HoldStatus
from app.models.types import utcnow
from app.services import payments
from app.services.orders import claims, settings
from app.services.orders.codes import new_order_code
from app.services.orders.errors import (
    CartChanged,
    CartEmpty,
    EventNotOnSale,
    PaymentMethodUnavailable,
)
from app.services.orders.payment_state import mark_paid
from app.services.seating import cart_summary, event_seating, live
from app.services.seating.holds import refuse
from app.services.seating.views import CartSummary

REQUIREMENT_CHOICES = [
    ("wheelchair", "Wheelchair space"), ("step_free", "Step-free access"),
    ("hearing_loop", "Hearing loop"), ("vegetarian", "Vegetarian meal"),
    ("vegan", "Vegan meal"), ("halal", "Halal meal"), ("gluten_free", "Gluten-free meal"),
]
LIVE = (HoldStatus.HELD, HoldStatus.ORDERED)  # claims a cart still has
METHOD_LABELS = {
    "sandbox": "Card", "manual": "Bank transfer or mobile money", "free": "Free, no payment",
}
METHOD_CHOICES = list(METHOD_LABELS.items())  # every method; `available_methods` narrows


@dataclass(frozen=True)
class TicketSlot:
    """One ticket to be bought: one line of the order, one attendee."""

    key: str
    hold_id: int
    seat_id: int | None
    ticket_type_id: int
    description: str
    price: Decimal
    currency: str


@dataclass(frozen=True)
class AttendeeInput:
    key: str
    name: str
    email: str
    requirements: str = ""
    choices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckoutView:
    slots: list[TicketSlot]
    total: Decimal
    currency: str
    expires_at: datetime | None
    methods: list[tuple[str, str]]
    payment_settings: OrganizationPaymentSettings
    payment_minutes: int  # how long a card payment may take: the event's, else the org's


def ticket_slots(event: Event, cart_id: str | None, now: datetime,
                 summary: CartSummary | None = None) -> list[TicketSlot]:
    """The cart's live holds as one slot per ticket (a general-admission hold of 3 is 3);
    from `summary` when the caller has just read the cart."""
    slots = []
    summary = summary or cart_summary(event, cart_id, now=now)
    for line in summary.lines:
        if line.seat_id is not None:
            text = f"{line.zone} · {line.section}, seat {line.label}"
        else:
            text = line.label
        slots += [TicketSlot(f"{line.hold_id}-{n}", line.hold_id, line.seat_id,
                             line.ticket_type_id, text, line.unit_price, line.currency)
                  for n in range(line.quantity)]
    return slots


def available_methods(event: Event, total: Decimal,
                      org_settings: OrganizationPaymentSettings | None = None
                      ) -> list[tuple[str, str]]:
    """Payment methods the buyer may choose for this total: (name, label)."""
    if total == 0:
        return [(PaymentMethod.FREE.value, METHOD_LABELS["free"])]
    names = []
    if payments.is_enabled(PaymentMethod.SANDBOX.value):
        names.append(PaymentMethod.SANDBOX.value)
    org_settings = org_settings or settings.payment_settings(event.organization)
    if org_settings.manual_enabled:
        names.append(PaymentMethod.MANUAL.value)
    return [(name, METHOD_LABELS[name]) for name in names]


def checkout_view(event: Event, cart_id: str | None, now: datetime | None = None
                  ) -> CheckoutView:
    """What the checkout page shows. Raises CartEmpty when nothing is held, EventNotOnSale
    when the event was cancelled since."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        raise EventNotOnSale()
    summary = cart_summary(event, cart_id, now=now)
    if summary.empty:
        raise CartEmpty()
    org_settings = settings.payment_settings(event.organization)
    seating_settings = event_seating(event)
    own = seating_settings.payment_minutes if seating_settings is not None else None
    return CheckoutView(ticket_slots(event, cart_id, now, summary), summary.total,
                        summary.currency, summary.expires_at,
                        available_methods(event, summary.total, org_settings), org_settings,
                        settings.payment_window(org_settings, own) // timedelta(minutes=1))


def _window_end(org_settings: OrganizationPaymentSettings, method: str, now: datetime,
                event_minutes: int | None = None) -> datetime:
    """When the order's seats go back on sale unless it is paid: the approval window for a
    manual payment; for a card, the event's payment window, else the organization's."""
    if method == PaymentMethod.MANUAL:
        return now + settings.approval_window(org_settings)
    return now + settings.payment_window(org_settings, event_minutes)  # free orders: paid at once


def place_order(event: Event, cart_id: str | None, buyer: User,
                attendees: list[AttendeeInput], method: str,
                now: datetime | None = None) -> Order:
    """Turn the cart's holds into an order (flushes; the caller commits, then starts the
    payment). Raises CartEmpty, CartChanged, EventNotOnSale or PaymentMethodUnavailable."""
    now = now or utcnow()
    lock = live.lock_event(event.id)
    if event.status == EventStatus.CANCELLED:  # seats held before it was cancelled
        raise refuse(EventNotOnSale(), lock)
    slots = ticket_slots(event, cart_id, now)
    if not slots:
        raise refuse(CartEmpty(), lock)
    given = {attendee.key: attendee for attendee in attendees}
    if set(given) != {slot.key for slot in slots}:
        raise refuse(CartChanged(), lock)
    total = sum((slot.price for slot in slots), Decimal("0.00"))
    org_settings = settings.payment_settings(event.organization)
    if method not in dict(available_methods(event, total, org_settings)):
        raise refuse(PaymentMethodUnavailable(), lock)
    until = _window_end(org_settings, method, now, lock.payment_minutes)
    order = Order(code=new_order_code(), event_id=event.id, user_id=buyer.id,
                  buyer_email=buyer.email, buyer_name=buyer.name, currency=slots[0].currency,
                  status=OrderStatus.PENDING_PAYMENT, total=total, created_at=now,
                  payment_method=PaymentMethod(method), expires_at=until, version=1)
    order.lines = [_line(slot, given[slot.key], buyer) for slot in slots]
    db.session.add(order)
    db.session.flush()
    _move_holds(event, cart_id, order, until, [slot.hold_id for slot in slots], now)
    claims.record(lock, order, until)
    if method == PaymentMethod.FREE:
        mark_paid(order, now)
    return order


def _line(slot: TicketSlot, attendee: AttendeeInput, buyer: User) -> OrderLine:
    known = dict(REQUIREMENT_CHOICES)
    return OrderLine(ticket_type_id=slot.ticket_type_id, seat_id=slot.seat_id,
                     hold_id=slot.hold_id, quantity=1, price=slot.price,
                     description=slot.description[:160],
                     attendee_name=(attendee.name or buyer.name).strip()[:120],
                     attendee_email=(attendee.email or buyer.email).strip().lower()[:254],
                     requirements=attendee.requirements.strip()[:2000],
                     requirement_choices=[c for c in attendee.choices if c in known])


def _move_holds(event: Event, cart_id: str, order: Order, until: datetime,
                hold_ids: list[int], now: datetime) -> None:
    """The cart's live holds → `ordered` until the window's end, under the order's own claim
    key (so the cart and the order never share claims), in one statement."""
    moved = db.session.execute(
        update(Hold).where(Hold.id.in_(hold_ids), Hold.event_id == event.id,
                           Hold.cart_id == cart_id, Hold.status.in_(LIVE),
                           Hold.expires_at > now)
        .values(status=HoldStatus.ORDERED, expires_at=until, cart_id=order.hold_key)
        .returning(Hold.id), execution_options={"synchronize_session": False}
    ).scalars().all()
    if set(moved) != set(hold_ids):  # cannot happen under the lock; never half an order
        raise CartEmpty()
