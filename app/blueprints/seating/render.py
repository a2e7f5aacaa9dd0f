"""Drawing the seat map page and its htmx answers: the context every block of
`seating/seats.html` reads, seats' accessible names, and the answer after a change.

htmx answers put the message in the cart panel's live region (the request's target) and
send everything else out of band: changed seats, the countdown and the cart lines.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, request, session, url_for

from app.blueprints.seating.forms import BestAvailableForm, GeneralAdmissionForm
from app.formatting import money
from app.models import Event
from app.models.types import utcnow
from app.services import seating
from app.url_cache import url_for as cached_url_for
from app.web import is_htmx, render_page_or_block

PAGE = "seating/seats.html"
LIVE_PARTS = ("seat_updates", "countdown", "cart_lines")
STATUS_WORDS = {"available": "available", "mine": "held by you",
                "held": "held by someone else", "sold": "sold", "blocked": "not for sale"}


def cart_id(*, create: bool = False) -> str | None:
    """This browser's cart: an id in the signed session cookie (made on the first hold)."""
    value = session.get("cart_id")
    if value is None and create:
        value = session["cart_id"] = secrets.token_urlsafe(18)
    return value


def view_mode() -> str:
    """The seat list or the map: `view` is in the query string of every link and form
    action that asks for the list (reading it there leaves a posted body unparsed)."""
    return "list" if request.args.get("view") == "list" else "map"


def best_form(zones, formdata=None) -> BestAvailableForm:
    form = BestAvailableForm(formdata=formdata)
    form.set_zones(zones, money)
    return form


def zone_label(zone) -> str:
    if zone.price is None:
        return zone.name
    return f"{zone.name}, {money(zone.price, zone.currency)}"


def seat_namer(zone_labels: dict[int, str]):
    """`seat_name(seat)` → "Stalls, row B, seat 12, Gold, ZMW45.00, available": the seat's
    accessible name (a plain function: a template macro per seat is slow at 20,000 seats)."""

    def seat_name(s) -> str:
        flags = "".join(text for flag, text in ((s.wheelchair, ", wheelchair space"),
                                                 (s.companion, ", companion seat"),
                                                 (s.restricted_view, ", restricted view"))
                        if flag)
        return (f"{s.section}, row {s.row}, seat {s.number}, {zone_labels[s.zone_id]}{flags}, "
                f"{STATUS_WORDS[s.status]}")

    return seat_name


def context(event: Event, seats, zones, cart, settings, **extra) -> dict:
    """What the blocks of the page read. `seats`: the whole map (None for fragments, which
    only draw the seats in `changed`, with `zones` holding at least those seats' zones);
    `settings`: the event's seating settings (None when the answer does not show the cart)."""
    view = view_mode()
    base = cached_url_for("seating.seat_map", slug=event.slug)
    query = "?view=list" if view == "list" else ""
    if seats is not None:
        extra.setdefault("best", best_form(zones))
        extra.setdefault("general", [GeneralAdmissionForm.for_type(ga)
                                     for ga in seats.general_admission])
    labels = {z.id: zone_label(z) for z in zones}
    version = seats.version if seats else getattr(settings, "version", None)
    return {"event": event, "seats": seats, "zones": zones, "cart": cart, "view": view,
            "settings": settings, "version": version,
            "zone_labels": labels, "seat_name": seat_namer(labels),
            "zone_colours": {z.id: z.colour_index for z in zones},
            "hold_url": f"{base}/hold{query}", "release_url": f"{base}/release{query}",
            "refresh_url": refresh_url(event, cart, view),
            "now": utcnow(), "changed": [], "picked": set(), "message": None,
            "message_error": False, **extra}


def refresh_url(event: Event, cart, view: str) -> str | None:
    """What the countdown asks for at zero: the cart panel again, naming each seat it held
    (None without a hold running)."""
    if cart is None or cart.expires_at is None:
        return None
    base = cached_url_for("seating.cart", slug=event.slug, expired=1,
                          view="list" if view == "list" else None)
    return base + "".join(f"&seat={seat_id}" for seat_id in sorted(cart.seat_ids))


def page(event: Event, seats, *, status: int = 200, **extra):
    """The whole seat map page (or its content block for htmx)."""
    settings = seating.SeatingSettings(seats.version, seats.hold_minutes,
                                       seats.max_seats_per_order)
    sections = list_sections(seats) if view_mode() == "list" else []  # the map has no list
    return render_page_or_block(PAGE, "content", status=status, **context(
        event, seats, seats.zones, seats.cart, settings, list_sections=sections, **extra))


def live_answer(event: Event, seat_ids, message: str, *, error: bool = False,
                status: int = 200, main: str = "message_text", live=None, settings=None,
                also: tuple[str, ...] = (), **extra):
    """The htmx answer: `main` (the message, or a form) plus the live parts and the blocks in
    `also`. `live`: the changed seats and the cart when the caller has them already (else
    two queries); `settings` likewise."""
    live = live or seating.live_view(event, seat_ids, cart_id())
    settings = settings or seating.event_seating(event)
    oob = LIVE_PARTS if main == "message_text" else ("seat_message", *LIVE_PARTS)
    oob = (*oob, *also)
    return render_page_or_block(PAGE, main, oob=oob, status=status, **context(
        event, None, live.zones, live.cart, settings, changed=live.seats, message=message,
        message_error=error, **extra))


def done(event: Event, seat_ids, message: str, *, error: bool = False, status: int = 200,
         live=None, settings=None):
    """After a change: the live answer for htmx; for a plain form, flash and 303 back."""
    if is_htmx():
        return live_answer(event, seat_ids, message, error=error, status=status, live=live,
                           settings=settings)
    flash(message, "error" if error else "success")
    anchor = f"seat-item-{seat_ids[0]}" if len(seat_ids) == 1 else None
    view = "list" if view_mode() == "list" else None
    return redirect(url_for("seating.seat_map", slug=event.slug, view=view, _anchor=anchor),
                    code=303)


def cart_message(cart, prefix: str) -> str:
    if cart.empty:
        return f"{prefix} You hold no seats now."
    count = cart.ticket_count
    return (f"{prefix} You hold {count} {'seat' if count == 1 else 'seats'}, "
            f"total {money(cart.total, cart.currency)}.")


def list_sections(seats) -> list[dict]:
    """Seats grouped by section and row for the list view: each section's free count, each
    row's zones with their prices."""
    labels = {z.id: zone_label(z) for z in seats.zones}
    sections: dict[str, dict] = {}
    for seat in seats.seats:
        section = sections.setdefault(seat.section, {"name": seat.section, "free": 0, "rows": {}})
        section["rows"].setdefault(seat.row, []).append(seat)
        section["free"] += seat.status == "available"
    return [{"name": s["name"], "free": s["free"], "rows": [
        {"name": row, "seats": row_seats,
         "zones": list(dict.fromkeys(labels[seat.zone_id] for seat in row_seats))}
        for row, row_seats in s["rows"].items()]} for s in sections.values()]
