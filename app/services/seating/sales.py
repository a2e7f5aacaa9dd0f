"""An event's sales settings: how long a cart keeps its seats, how many tickets one order
may have, and how long an order placed for a card payment keeps its seats (empty: the
organization's payment window).

A change applies to what happens next: holds and orders already made keep their times.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.seating import EventSeating
from app.services.errors import DomainError
from app.services.seating.errors import NoSeatMap

HOLD_MINUTES = (2, 60)
TICKETS_PER_ORDER = (1, 50)
PAYMENT_MINUTES = (5, 120)


@dataclass(frozen=True)
class SalesSettings:
    hold_minutes: int
    max_seats_per_order: int
    payment_minutes: int | None  # None: the organization's payment window


def sales_settings(event: Event) -> SalesSettings | None:
    """The event's settings, or None when it has no seat map yet."""
    seating = db.session.get(EventSeating, event.id)
    if seating is None:
        return None
    return SalesSettings(seating.hold_minutes, seating.max_seats_per_order,
                         seating.payment_minutes)


def update_sales_settings(event: Event, settings: SalesSettings,
                          actor: User | None) -> SalesSettings:
    """Save the event's settings (flushes; the caller commits). Raises DomainError naming
    the field that is out of range, or NoSeatMap."""
    _check("hold_minutes", settings.hold_minutes, HOLD_MINUTES, "Seats are held for", "minutes")
    _check("max_seats_per_order", settings.max_seats_per_order, TICKETS_PER_ORDER,
           "An order has", "tickets")
    if settings.payment_minutes is not None:
        _check("payment_minutes", settings.payment_minutes, PAYMENT_MINUTES,
               "A card payment may take", "minutes")
    # Under the row's lock, so a hold or an order in flight sees the old or the new values.
    seating = db.session.get(EventSeating, event.id, with_for_update=True,
                             populate_existing=True)
    if seating is None:
        raise NoSeatMap()
    from app.services.organizations import record_audit

    before = sales_settings(event)
    seating.hold_minutes = settings.hold_minutes
    seating.max_seats_per_order = settings.max_seats_per_order
    seating.payment_minutes = settings.payment_minutes
    db.session.flush()
    record_audit(actor, event.organization, "seating.sales_settings", event,
                 before=asdict(before), after=asdict(settings))
    return settings


def _check(field: str, value: int, bounds: tuple[int, int], what: str, unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise DomainError(f"{what} {low} to {high} {unit}.", field)
