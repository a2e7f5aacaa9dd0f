"""Whose tickets are whose: the lists and look-ups behind the account pages.

A ticket belongs to the account it was transferred to, if any. Until then it belongs to the
buyer of its order and to the verified account whose email is the holder's. Anyone else
is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.orders import Order, OrderStatus
from app.models.tickets import DocumentKind, Invoice, Ticket, TicketDocument
from app.models.types import utcnow
from app.services.tickets import documents


def _owned_by(user: User):
    holder = (Ticket.holder_email == user.email.lower()) if user.is_verified else false()
    return or_(Ticket.holder_user_id == user.id,
               and_(Ticket.holder_user_id.is_(None),
                    or_(Order.user_id == user.id, holder)))


def ticket_for_user(ticket_id: int, user: User) -> Ticket | None:
    """The ticket if `user` may see it, else None."""
    return db.session.execute(
        select(Ticket).join(Order, Order.id == Ticket.order_id)
        .where(Ticket.id == ticket_id, _owned_by(user))
    ).scalar_one_or_none()


@dataclass(frozen=True)
class TicketList:
    upcoming: list[Ticket]
    past: list[Ticket]


def tickets_for_user(user: User) -> TicketList:
    """The person's tickets: upcoming (soonest first) and past or revoked (latest first)."""
    tickets = db.session.scalars(
        select(Ticket).join(Order, Order.id == Ticket.order_id)
        .join(Event, Event.id == Ticket.event_id)
        .where(_owned_by(user))
        .options(joinedload(Ticket.event), joinedload(Ticket.ticket_type),
                 joinedload(Ticket.seat), joinedload(Ticket.order))
        .order_by(Event.starts_at, Ticket.id)
    ).unique().all()
    now = utcnow()
    upcoming = [t for t in tickets if t.is_valid and t.event.ends_at > now]
    past = [t for t in reversed(tickets) if t not in upcoming]
    return TicketList(upcoming, past)


def order_for_buyer(code: str, user: User) -> Order | None:
    """The order with `code` if `user` placed it (paid, cancelled or refunded), else None."""
    return db.session.execute(
        select(Order).where(Order.code == code.upper(), Order.user_id == user.id,
                            Order.status.in_([OrderStatus.PAID, OrderStatus.CANCELLED,
                                              OrderStatus.REFUNDED]))
    ).scalar_one_or_none()


def invoice_of(order: Order) -> Invoice | None:
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order.id)).scalar_one_or_none()


def document_for_user(document_id: int, user: User) -> TicketDocument | None:
    """A document row `user` may download (its ticket or order is theirs), else None."""
    document = db.session.get(TicketDocument, document_id)
    if document is None:
        return None
    if document.kind == DocumentKind.TICKET_PDF:
        return document if ticket_for_user(document.subject_id, user) else None
    order = db.session.get(Order, document.order_id)
    return document if order is not None and order.user_id == user.id else None


def ticket_document(ticket: Ticket) -> TicketDocument | None:
    return documents.document_for(DocumentKind.TICKET_PDF, ticket.id)
