"""Add to calendar: one event (.ics, iCalendar) for a ticket."""

from __future__ import annotations

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from app.models.tickets import Ticket
from app.models.types import utcnow
from app.services.tickets.views import ticket_card


def ticket_calendar(ticket: Ticket, ticket_url: str) -> bytes:
    """An iCalendar file with the ticket's event (times in UTC, so every client agrees)."""
    event, card = ticket.event, ticket_card(ticket)
    calendar = Calendar()
    calendar.add("prodid", "-//Marquee//Tickets//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"ticket-{ticket.id}@marquee")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title)
    location = ", ".join(part for part in (card.venue, card.venue_address) if part)
    entry.add("location", location)
    entry.add("description", f"{card.place} · {card.holder_name} · order {card.order_code}"
                             f"\nYour ticket: {ticket_url}")
    entry.add("url", ticket_url)
    calendar.add_component(entry)
    return calendar.to_ical()
