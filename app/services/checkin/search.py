"""Finding an attendee at the gate by order code or name (for a manual check-in)."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models.orders import Order
from app.models.tickets import Ticket

MAX_RESULTS = 20


def find_tickets(event_id: int, text: str) -> list[Ticket]:
    """Tickets of the event whose order code is `text`, or whose holder or buyer name
    contains it (case-insensitive); at most `MAX_RESULTS`."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    pattern = f"%{text.lower().replace('%', '').replace('_', '')}%"
    return list(db.session.scalars(
        select(Ticket).join(Order, Order.id == Ticket.order_id)
        .where(Ticket.event_id == event_id,
               or_(Order.code == text.upper(), func.lower(Ticket.holder_name).like(pattern),
                   func.lower(Order.buyer_name).like(pattern)))
        .order_by(Ticket.holder_name, Ticket.id).limit(MAX_RESULTS)))
