"""What a ticket or an invoice shows, as plain values for templates (PDF, pages, email).

Templates never query the database: everything a ticket card needs is read here, with the
event's local times already formatted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup

from app.formatting import local_time, money
from app.models.tickets import Invoice, Ticket
from app.services.tickets.qr import qr_svg


@dataclass(frozen=True)
class SeatPlace:
    section: str
    row: str
    number: int


@dataclass(frozen=True)
class TicketCard:
    ticket_id: int
    revision: int
    is_valid: bool
    event_title: str
    organizer: str
    starts_at: datetime
    date_label: str        # "Saturday 14 March 2026"
    time_label: str        # "19:30 – 23:00"
    timezone: str          # the event's, in which the times above are
    venue: str
    venue_address: str
    ticket_type: str
    seat: SeatPlace | None
    holder_name: str
    order_code: str
    code: str

    @property
    def qr(self) -> Markup:
        return qr_svg(self.code, label=f"QR code of ticket {self.ticket_id}")

    @property
    def place(self) -> str:
        """One line: the seat (section, row, seat) or the ticket type."""
        if self.seat is None:
            return self.ticket_type
        return f"{self.seat.section}, row {self.seat.row}, seat {self.seat.number}"


def ticket_card(ticket: Ticket) -> TicketCard:
    """The card of one ticket (event times in the event's timezone)."""
    event, seat = ticket.event, ticket.seat
    zone = event.timezone
    venue = event.venue
    ends_same_day = (local_time(event.starts_at, zone, "yyyyMMdd")
                     == local_time(event.ends_at, zone, "yyyyMMdd"))
    end_pattern = "HH:mm" if ends_same_day else "EEE d MMM, HH:mm"
    return TicketCard(
        ticket_id=ticket.id, revision=ticket.revision, is_valid=ticket.is_valid,
        event_title=event.title, organizer=event.organization.name,
        starts_at=event.starts_at,
        date_label=local_time(event.starts_at, zone, "EEEE d MMMM y"),
        time_label=(f"{local_time(event.starts_at, zone, 'HH:mm')} – "
                    f"{local_time(event.ends_at, zone, end_pattern)}"),
        timezone=zone,
        venue=venue.name if venue else "Venue to be announced",
        venue_address=(venue.address or "") if venue else "",
        ticket_type=ticket.ticket_type.name,
        seat=SeatPlace(seat.section.name, seat.row_label, seat.number) if seat else None,
        holder_name=ticket.holder_name, order_code=ticket.order.code,
        code=ticket.qr_payload,
    )


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    attendee: str
    amount: str


@dataclass(frozen=True)
class InvoiceView:
    number: str
    issued: str
    seller: str
    buyer_name: str
    buyer_email: str
    order_code: str
    event_title: str
    event_date: str
    lines: list[InvoiceLine]
    total: str
    item_heading: str
    holder_heading: str


def invoice_view(invoice: Invoice) -> InvoiceView:
    """The invoice as printed: its snapshot values and the order's lines (a booth fee, which
    has no lines, is one line: the booth and the vendor)."""
    order, currency = invoice.order, invoice.currency
    event = order.event
    if order.lines:
        lines = [InvoiceLine(line.description, line.attendee_name,
                             money(Decimal(line.price), currency)) for line in order.lines]
        headings = ("Ticket", "Attendee")
    else:
        lines, headings = _booth_fee_lines(invoice), ("Booth fee", "Vendor")
    return InvoiceView(
        number=invoice.display_number,
        issued=local_time(invoice.issued_at, event.timezone, "d MMMM y"),
        seller=invoice.seller_name, buyer_name=invoice.buyer_name,
        buyer_email=invoice.buyer_email, order_code=order.code, event_title=event.title,
        event_date=local_time(event.starts_at, event.timezone, "EEEE d MMMM y, HH:mm"),
        lines=lines, total=money(Decimal(invoice.total), currency),
        item_heading=headings[0], holder_heading=headings[1],
    )


def _booth_fee_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The booth fee's one line: the booth, its type and size, and the vendor."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.vendors import BoothApplication

    application = db.session.scalar(select(BoothApplication).where(
        BoothApplication.order_id == invoice.order_id))
    if application is None:
        return []
    booth_type = application.booth_type
    booth = f"Booth {application.booth.label} · " if application.booth else ""
    size = f" ({booth_type.size})" if booth_type.size else ""
    return [InvoiceLine(f"{booth}{booth_type.name}{size}", application.profile.business_name,
                        money(Decimal(invoice.total), invoice.currency))]
