"""Ticket emails: written to the outbox in the caller's transaction, attachments resolved when
the message is sent.

An outbox row lists its attachments as small specs (`{"kind": "ticket_pdf", "id": 12,
"rev": 1}`, `{"kind": "qr_png", "id": 12, "rev": 1, "cid": "qr12-1"}`); the outbox calls
the resolvers below while building the MIME message. A ticket changed since (transferred,
revoked) is left out rather than sending a code that no longer works.
"""

from __future__ import annotations

from collections import defaultdict

from flask import current_app

from app.extensions import db
from app.models.orders import Order
from app.models.tickets import DocumentKind, Ticket, TicketStatus
from app.services.email_attachments import MailAttachment
from app.services.outbox import TemporaryEmailError, queue_email
from app.services.tickets import documents, views
from app.services.tickets.qr import qr_png


def public_url(endpoint: str, **values) -> str:
    """An absolute link for an email, on the configured public address (never the Host
    header of whatever request is running)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"] + path


def _cid(ticket: Ticket) -> str:
    return f"qr{ticket.id}-{ticket.revision}"


def ticket_attachments(tickets: list[Ticket], *, inline_qr: bool = True) -> list[dict]:
    """Attachment specs: each ticket's PDF, and its QR code as an inline image."""
    specs = [{"kind": "ticket_pdf", "id": t.id, "rev": t.revision} for t in tickets]
    if inline_qr:
        specs += [{"kind": "qr_png", "id": t.id, "rev": t.revision, "cid": _cid(t)}
                  for t in tickets]
    return specs


def _entries(tickets: list[Ticket]) -> list[dict]:
    return [{"card": views.ticket_card(t), "cid": _cid(t),
             "link": public_url("tickets.ticket_page", ticket_id=t.id)} for t in tickets]


def queue_ticket_email(to_email: str, template: str, subject: str, tickets: list[Ticket], *,
                       user_id: int | None = None, related: tuple[str, int] | None = None,
                       **context):
    """Queue one email about `tickets`, with their PDFs attached and QR codes inline."""
    return queue_email(
        to_email, template, subject, user_id=user_id, related=related,
        attachments=ticket_attachments(tickets), entries=_entries(tickets),
        my_tickets=public_url("tickets.my_tickets"), **context)


def queue_order_emails(order: Order, tickets: list[Ticket]) -> None:
    """The buyer's confirmation (every ticket) and one email per other holder (theirs)."""
    event = order.event
    buyer = order.buyer_email.strip().lower()
    queue_ticket_email(
        buyer, "order_confirmation", f"Your tickets for {event.title} (order {order.code})",
        tickets, user_id=order.user_id, related=("order", order.id), order=order,
        event=event, order_pdf=public_url("tickets.order_pdf", code=order.code))
    by_holder: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if ticket.holder_email != buyer:
            by_holder[ticket.holder_email].append(ticket)
    for holder_email, theirs in by_holder.items():
        queue_ticket_email(
            holder_email, "ticket_holder", f"{order.buyer_name} sent you a ticket for "
            f"{event.title}", theirs, related=("order", order.id), order=order, event=event,
            holder_name=theirs[0].holder_name)


# ---------------------------------------------------------------- resolvers (at send time)

def _current_ticket(spec: dict) -> Ticket | None:
    ticket = db.session.get(Ticket, int(spec["id"]))
    if ticket is None or ticket.status != TicketStatus.VALID:
        return None
    return ticket if ticket.revision == int(spec.get("rev", ticket.revision)) else None


def ticket_pdf_attachment(spec: dict) -> MailAttachment | None:
    """The ticket's PDF, rendered now if its job has not run yet."""
    # Its own app context: its own session and transaction. The caller's session holds the
    # outbox row (and, on SQLite, would hold the write lock once it flushed): reading and
    # rendering here never flushes it, and the render's commit leaves it alone.
    with current_app.app_context():
        ticket = _current_ticket(spec)
        if ticket is None:
            return None
        ticket_id, revision = ticket.id, ticket.revision
        try:
            path = _ready_pdf(ticket_id, revision)
            if path is None:
                documents.render_ticket(ticket_id, revision)
                path = _ready_pdf(ticket_id, revision)
        except Exception as exc:
            raise TemporaryEmailError(f"ticket {ticket_id} PDF not ready: {exc}") from exc
        if path is None:
            raise TemporaryEmailError(f"ticket {ticket_id} PDF not ready")
        return MailAttachment(f"ticket-{ticket_id}.pdf", "application", "pdf",
                              path.read_bytes())


def _ready_pdf(ticket_id: int, revision: int):
    document = documents.document_for(DocumentKind.TICKET_PDF, ticket_id)
    path = documents.ready_file(document)
    return path if path is not None and document.revision == revision else None


def qr_png_attachment(spec: dict) -> MailAttachment | None:
    """The ticket's QR code as a PNG, shown inline by the HTML part (Content-ID)."""
    with current_app.app_context():
        ticket = _current_ticket(spec)
        if ticket is None:
            return None
        return MailAttachment(f"ticket-{ticket.id}-qr.png", "image", "png",
                              qr_png(ticket.qr_payload), cid=spec["cid"])
