"""General-admission places: holds with a ticket type and a quantity instead of a seat.

Capacity is enforced under the ticket type's row lock (`SELECT … FOR UPDATE` on PostgreSQL;
SQLite serializes writers), checking live quantities + the new quantity ≤ capacity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from app.extensions import db
from app.models.events import Event, EventStatus
from app.models.seating import Hold, HoldStatus, TicketKind, TicketType
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.seating import live
from app.services.seating.errors import HoldLimitReached, NotEnoughSeats, SeatUnavailable
from app.services.seating.holds import CANCELLED, cart_state, hold_time, refuse
from app.services.seating.queries import places_taken


def hold_general_admission(event: Event, ticket_type_id: int, quantity: int, cart_id: str,
                           user_id: int | None = None, *, now: datetime | None = None) -> Hold:
    """Hold `quantity` more places of a general-admission ticket type for the cart.

    Raises NotEnoughSeats (capacity), HoldLimitReached (tickets per order), SeatUnavailable.
    """
    if quantity < 1:
        raise DomainError("Choose at least one ticket.", "quantity")
    now = now or utcnow()
    lock = live.lock_event(event.id)
    if event.status == EventStatus.CANCELLED:
        raise refuse(SeatUnavailable(CANCELLED), lock)
    ticket_type = db.session.scalars(
        select(TicketType).where(TicketType.id == ticket_type_id,
                                 TicketType.event_id == event.id,
                                 TicketType.kind == TicketKind.GENERAL_ADMISSION)
        .with_for_update()
    ).one_or_none()
    if ticket_type is None:
        raise refuse(SeatUnavailable("That ticket type is not on sale for this event."), lock)
    cart = cart_state(event.id, cart_id, now)
    if cart.tickets + quantity > lock.max_seats_per_order:
        raise refuse(HoldLimitReached(lock.max_seats_per_order), lock)
    left = ticket_type.capacity - places_taken(ticket_type.id, now)
    if quantity > left:
        raise refuse(NotEnoughSeats(
            f"Only {max(left, 0)} {ticket_type.name} places are left.", max(left, 0)), lock)
    expires = cart.expires_at or now + hold_time(lock.hold_minutes)
    hold = db.session.scalars(
        select(Hold).where(Hold.event_id == event.id, Hold.cart_id == cart_id,
                           Hold.ticket_type_id == ticket_type.id, Hold.seat_id.is_(None),
                           Hold.status == HoldStatus.HELD, Hold.expires_at > now)
    ).first()
    if hold is None:
        hold = Hold(event_id=event.id, ticket_type_id=ticket_type.id, quantity=0,
                    cart_id=cart_id, user_id=user_id, status=HoldStatus.HELD,
                    expires_at=expires, created_at=now)
        db.session.add(hold)
    hold.quantity += quantity
    db.session.flush()
    live.record_changes(lock, [], expires)
    return hold


def release_general_admission(event: Event, ticket_type_id: int, cart_id: str) -> int:
    """Release the cart's held places of one general-admission type; the places freed."""
    lock = live.lock_event(event.id)
    freed = db.session.scalars(
        delete(Hold).where(Hold.event_id == event.id, Hold.cart_id == cart_id,
                           Hold.ticket_type_id == ticket_type_id, Hold.seat_id.is_(None),
                           Hold.status == HoldStatus.HELD)
        .returning(Hold.quantity)
    ).all()
    if not freed:
        live.unchanged(lock)
        return 0
    live.record_changes(lock, [])
    return sum(freed)
