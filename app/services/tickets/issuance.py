"""Issuing tickets when an order is paid, and revoking them when it is cancelled.

Both run inside the caller's transaction (the one that changes the order's status): never a
paid order without tickets, never tickets without payment. They only `flush()`; PDFs and
emails are asked for after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.events import Event
from app.models.orders import Order, OrderLine
from app.models.seating import Seat, TicketType
from app.models.tickets import DocumentKind, Ticket, TicketStatus
from app.models.types import utcnow
from app.services.tickets import documents, keys, signing
from app.services.tickets.documents import DocumentRequest
from app.services.tickets.invoices import number_invoice
from app.services.tickets.mail import queue_order_emails

# A code is accepted from the day before the event starts until some hours after it ends
# (the gate then checks the session and day itself).
VALID_BEFORE = timedelta(days=1)
VALID_AFTER = timedelta(hours=6)


def issue_tickets(order: Order, *, before_invoice: Callable[[], None] | None = None
                  ) -> list[Ticket]:
    """Issue one ticket per order line of a paid `order`; return all the order's tickets.

    Idempotent: lines that already have a ticket get nothing new, and when nothing new is
    issued nothing else happens (no documents, no emails). Otherwise, after commit: one PDF
    job per new ticket and one for the order, the buyer's confirmation (all tickets attached)
    and one email per other holder (their own tickets). Also numbers the order's invoice.

    `before_invoice` runs once the tickets and their mail are written, before the invoice
    takes the organization's counter lock (a payment sells its seats there, under the
    event's seating lock, which every path takes before the counter's).
    """
    issued = {t.order_line_id: t for t in _order_tickets(order.id)}
    new_lines = sorted((line for line in order.lines if line.id not in issued),
                       key=lambda line: line.id)
    if not new_lines:
        if before_invoice is not None:
            before_invoice()
        return sorted(issued.values(), key=lambda t: t.id)
    event, places = _event_with_places(order, new_lines)
    key = keys.active_key(event.organization_id)
    fresh = [_new_ticket(order, line, key.id) for line in new_lines]
    db.session.add_all(fresh)
    db.session.flush()  # ticket ids go into the signed codes
    private = keys.private_key(key)
    for ticket in fresh:
        sign_ticket(ticket, event, private)
    db.session.flush()
    queue_order_emails(order, fresh)
    del places  # held until the emails' ticket cards were drawn
    if before_invoice is not None:
        before_invoice()
    asked = [*map(DocumentRequest.for_ticket, fresh), DocumentRequest.for_order(order)]
    # An order's invoice is numbered with its first tickets: none issued before, none yet.
    invoice = number_invoice(order, known_new=not issued)
    if invoice is not None:
        asked.append(DocumentRequest.for_invoice(invoice))
    documents.request_documents(asked)
    return sorted([*issued.values(), *fresh], key=lambda t: t.id)


def _event_with_places(order: Order, lines: list[OrderLine]) -> tuple[Event, list]:
    """The order's event with its venue and organization, and the lines' ticket types and
    seats with their sections: as paying the order loaded them (`payment_state`: the event
    with the order's lock, the places with its lines), or read up front (three statements,
    not three per ticket). The emails' ticket cards then find them loaded.

    Returns the event and the rows read with it. The caller keeps that list while it works:
    the session remembers a loaded row only while something refers to it, so rows read and
    dropped would be read again, one by one."""
    if _loaded_with_places(order, lines):
        return order.event, []
    event = db.session.scalars(
        select(Event).where(Event.id == order.event_id)
        .options(joinedload(Event.venue), joinedload(Event.organization))).one()
    places: list = list(db.session.scalars(select(TicketType).where(
        TicketType.id.in_({line.ticket_type_id for line in lines}))))
    seat_ids = [line.seat_id for line in lines if line.seat_id is not None]
    if seat_ids:
        places += db.session.scalars(select(Seat).where(Seat.id.in_(seat_ids))
                                     .options(joinedload(Seat.section))).all()
    return event, places


def _loaded_with_places(order: Order, lines: list[OrderLine]) -> bool:
    """Whether the order's event, venue and organization and the lines' ticket types, seats
    and sections are all loaded (using them reads nothing)."""
    def loaded(obj, *names: str) -> bool:
        return not inspect(obj).unloaded.intersection(names)

    if not loaded(order, "event") or not loaded(order.event, "venue", "organization"):
        return False
    return all(loaded(line, "ticket_type", "seat")
               and (line.seat is None or loaded(line.seat, "section")) for line in lines)


def _order_tickets(order_id: int) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.order_id == order_id)))


def _new_ticket(order: Order, line: OrderLine, key_id: int) -> Ticket:
    return Ticket(
        order_line_id=line.id, order_id=order.id, event_id=order.event_id,
        ticket_type_id=line.ticket_type_id, seat_id=line.seat_id,
        holder_name=line.attendee_name.strip() or order.buyer_name,
        holder_email=(line.attendee_email or order.buyer_email).strip().lower(),
        secret=signing.new_secret().hex(), key_id=key_id, status=TicketStatus.VALID,
        revision=1, qr_payload="", issued_at=utcnow(),
    )


def sign_ticket(ticket: Ticket, event: Event, private_key) -> None:
    """Write the ticket's signed QR payload for its current revision and secret."""
    claims = signing.TicketClaims(
        key_id=ticket.key_id, ticket_id=ticket.id, event_id=event.id,
        ticket_type_id=ticket.ticket_type_id, seat_id=ticket.seat_id,
        secret=bytes.fromhex(ticket.secret),
        valid_from=event.starts_at - VALID_BEFORE, valid_until=event.ends_at + VALID_AFTER,
        revision=ticket.revision,
    )
    ticket.qr_payload = signing.sign_claims(claims, private_key)


def reissue_ticket(ticket: Ticket) -> None:
    """Give a ticket a new code (new secret, revision + 1): its old code stops working.

    Signs with the organization's active key; asks for the new PDFs after commit.
    """
    event = db.session.get(Event, ticket.event_id)
    key = keys.active_key(event.organization_id)
    ticket.revision += 1
    ticket.secret = signing.new_secret().hex()
    ticket.key_id = key.id
    sign_ticket(ticket, event, keys.private_key(key))
    order = db.session.get(Order, ticket.order_id)
    order.touch()
    db.session.flush()
    documents.request_documents([DocumentRequest.for_ticket(ticket),
                                 DocumentRequest.for_order(order)])


def revoke_order_tickets(order: Order, reason: str) -> int:
    """Revoke every valid ticket of `order` (cancelled or refunded); return how many.

    Their codes stop working at the gate, their PDFs (and the order's) are no longer handed
    out, and pending transfers of them are cancelled.
    """
    from app.services.tickets.transfers import cancel_pending_transfers

    tickets = [t for t in _order_tickets(order.id) if t.status == TicketStatus.VALID]
    now = utcnow()
    for ticket in tickets:
        ticket.status = TicketStatus.REVOKED
        ticket.revoked_at = now
        ticket.revoked_reason = (reason or "revoked")[:200]
    cancel_pending_transfers([t.id for t in tickets])
    documents.mark_stale(DocumentKind.TICKET_PDF, [t.id for t in tickets])
    if tickets:
        documents.mark_stale(DocumentKind.ORDER_PDF, [order.id])
    db.session.flush()
    return len(tickets)
