"""Authorization matrix: my tickets, their PDFs, calendar files and transfers.

Every ticket page belongs to its owner (the buyer, or the holder's account): everyone else
gets 404, site admins included (a ticket page shows a code that gets someone in).
"""

from __future__ import annotations

import re
from decimal import Decimal

from app.extensions import db
from app.models import OutboundEmail
from app.models.orders import Order, OrderLine, OrderStatus, PaymentMethod
from app.models.tickets import DocumentKind, Ticket
from app.models.types import utcnow
from app.services.seating import add_general_admission
from app.services.tickets import documents, issue_tickets, transfers
from tests.authz import Route

OWNER_ONLY = {"*": 404, "anonymous": 302, "attendee": 200}
OWNER_POST = {"*": 404, "anonymous": 302, "attendee": 303}


def _ticket(world) -> Ticket:
    """The attendee's paid ticket for world.event (made once per world)."""
    ticket = db.session.scalars(db.select(Ticket)).first()
    if ticket is not None:
        return ticket
    buyer = world.users["attendee"]
    standing = add_general_admission(world.event, "Standing", Decimal("25.00"), 100)
    db.session.flush()
    order = Order(code="AUTHZ234", event_id=world.event.id, user_id=buyer.id,
                  buyer_email=buyer.email, buyer_name=buyer.name, status=OrderStatus.PAID,
                  currency="ZMW", total=Decimal("25.00"), payment_method=PaymentMethod.SANDBOX,
                  paid_at=utcnow(), lines=[OrderLine(
                      ticket_type_id=standing.id, price=Decimal("25.00"),
                      description="Standing", attendee_name=buyer.name,
                      attendee_email=buyer.email)])
    db.session.add(order)
    db.session.flush()
    issue_tickets(order)
    db.session.commit()  # PDFs render inline
    return db.session.scalars(db.select(Ticket)).one()


def _order_code(world) -> str:
    return db.session.get(Order, _ticket(world).order_id).code


def _document_id(world) -> int:
    return documents.document_for(DocumentKind.TICKET_PDF, _ticket(world).id).id


def _offer_token(world) -> str:
    """A pending transfer of the attendee's ticket to the vendor's email."""
    ticket = _ticket(world)
    vendor = world.users["vendor"]
    transfers.offer_transfer(ticket, world.users["attendee"], vendor.email, vendor.name)
    db.session.commit()
    email = db.session.scalars(db.select(OutboundEmail).filter_by(
        template="transfer_offer")).one()
    return re.search(r"/tickets/transfers/([\w-]+)", email.text_body).group(1)


def _ticket_url(world, suffix: str = "") -> str:
    return f"/account/tickets/{_ticket(world).id}{suffix}"


ROUTES = [
    Route("tickets.my_tickets", "GET", lambda w: "/account/tickets",
          {"*": 200, "anonymous": 302}),
    Route("tickets.ticket_page", "GET", lambda w: _ticket_url(w), OWNER_ONLY),
    Route("tickets.ticket_page", "GET", lambda w: "/account/tickets/999999",
          {"*": 404, "anonymous": 302}, note="no such ticket"),
    Route("tickets.ticket_pdf", "GET", lambda w: _ticket_url(w, ".pdf"), OWNER_ONLY),
    Route("tickets.ticket_calendar", "GET", lambda w: _ticket_url(w, ".ics"), OWNER_ONLY),
    Route("tickets.order_pdf", "GET", lambda w: f"/account/orders/{_order_code(w)}/tickets.pdf",
          OWNER_ONLY),
    Route("tickets.invoice_pdf", "GET",
          lambda w: f"/account/orders/{_order_code(w)}/invoice.pdf", OWNER_ONLY),
    Route("tickets.document_status", "GET",
          lambda w: f"/account/documents/{_document_id(w)}/status", OWNER_ONLY, htmx=True),
    Route("tickets.document_status", "GET",
          lambda w: f"/account/documents/{_document_id(w)}/status?seen=ready-1",
          dict(OWNER_ONLY, attendee=204), htmx=True, note="unchanged since the last poll"),
    Route("tickets.transfer_ticket", "GET", lambda w: _ticket_url(w, "/transfer"), OWNER_ONLY),
    Route("tickets.transfer_ticket", "POST", lambda w: _ticket_url(w, "/transfer"),
          OWNER_POST, data=lambda w: {"name": "Ola Friend", "email": "ola@example.test"}),
    Route("tickets.cancel_transfer", "POST", lambda w: _ticket_url(w, "/transfer/cancel"),
          OWNER_POST),
    Route("tickets.transfer_offer", "GET", lambda w: f"/tickets/transfers/{_offer_token(w)}",
          {"*": 200}, note="the link's landing page says who may accept"),
    Route("tickets.transfer_offer", "GET", lambda w: "/tickets/transfers/not-a-token",
          {"*": 404}),
    Route("tickets.accept_transfer", "POST",
          lambda w: f"/tickets/transfers/{_offer_token(w)}",
          {"*": 409, "anonymous": 302, "vendor": 303},
          note="only the invited email (the vendor's) can accept"),
]
