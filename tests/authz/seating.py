"""Authorization matrix: the public seat map page and its actions, and the organizer's
seating tools. Holding seats needs no account (the cart lives in the session cookie)."""

from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.models import Event, EventStatus, Venue
from app.services import seating
from tests.authz import Route

ORGANIZER_PAGE = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORGANIZER_POST = dict(ORGANIZER_PAGE, organizer=303, site_admin=303)
DRAFT_PAGE = {"*": 404, "gate": 200, "organizer": 200, "site_admin": 200}
SMALL = [seating.SectionSpec("Stalls", 2, 4, zone_for_rows="Standard")]
SALES = {"hold_minutes": "10", "max_seats_per_order": "10", "payment_minutes": ""}


def _seated(world, event: Event | None = None) -> Event:
    """`event` (default: world.event) with a small seat map attached, once."""
    event = event or world.event
    if seating.event_seating(event) is None:
        seat_map = seating.generate_seat_map(event.venue, "Matrix hall", SMALL)
        seating.attach_seat_map(event, seat_map, {"Standard": Decimal("10.00")})
        db.session.commit()
    return event


def _seat(world, event: Event | None = None) -> int:
    view = seating.load_seat_map(_seated(world, event), None)
    return view.seats[0].id


def _seats(world, action: str = "", event: Event | None = None) -> str:
    return f"/events/{_seated(world, event).slug}/seats{action}"


def _draft(world) -> Event:
    """A draft event of world.org with a seat map (made once per world)."""
    event = db.session.execute(db.select(Event).filter_by(slug="seated-draft")).scalar()
    if event is not None:
        return event
    event = Event(organization_id=world.org.id, title="Seated Draft", slug="seated-draft",
                  venue=Venue(organization_id=world.org.id, name="Draft Hall"),
                  starts_at=world.event.starts_at, ends_at=world.event.ends_at,
                  status=EventStatus.DRAFT, timezone="Africa/Lusaka", currency="ZMW")
    db.session.add(event)
    db.session.commit()
    return _seated(world, event)


def _general_id(world) -> int:
    """A general-admission ticket type (standing area) on world.event, made once."""
    event = _seated(world)
    if not seating.general_admission(event):
        seating.add_general_admission(event, "Standing", Decimal("5.00"), 50)
        db.session.commit()
    return seating.general_admission(event)[0].ticket_type_id


def _general(world, action: str) -> str:
    return _seats(world, f"/general/{_general_id(world)}/{action}")


def _places(world, quantity: int) -> dict:
    return {f"ga{_general_id(world)}-quantity": str(quantity)}  # each type's form has a prefix


def _manage(world, action: str = "", event: Event | None = None) -> str:
    event = event or world.event
    return f"/orgs/{world.org.slug}/events/{event.slug}/seating{action}"


GENERATOR = {"name": "Matrix map", "sections": "A", "rows": 2, "seats_per_row": 3,
             "layout": "straight", "zones": "A-B Standard 10"}
CSV = {"name": "Matrix CSV", "prices": "Standard 10",
       "csv_text": "section,row,number,x,y,zone,flags\nA,A,1,0,0,Standard,\n"}

ROUTES = [
    Route("seating.seat_map", "GET", lambda w: _seats(w), {"*": 200}),
    Route("seating.seat_map", "GET", lambda w: _seats(w, "?view=list"), {"*": 200}, htmx=True),
    Route("seating.seat_map", "GET", lambda w: f"/events/{_draft(w).slug}/seats", DRAFT_PAGE,
          note="a draft's seat map is visible to its organization's members only"),
    Route("seating.seat_map", "GET", lambda w: f"/events/{w.other_event.slug}/seats",
          {"*": 404}, note="an event without a seat map"),
    Route("seating.hold", "POST", lambda w: _seats(w, f"/{_seat(w)}/hold"), {"*": 303}),
    Route("seating.hold", "POST", lambda w: _seats(w, f"/{_seat(w)}/hold"), {"*": 200},
          htmx=True),
    Route("seating.hold", "POST", lambda w: _seats(w, "/hold?view=list"), {"*": 303},
          data=lambda w: {"seat_id": _seat(w)}, note="the seat list's buttons"),
    Route("seating.hold", "POST", lambda w: f"/events/{_draft(w).slug}/seats/hold",
          dict(DRAFT_PAGE, gate=303, organizer=303, site_admin=303),
          data=lambda w: {"seat_id": _seat(w, _draft(w))}),
    Route("seating.release", "POST", lambda w: _seats(w, f"/{_seat(w)}/release"), {"*": 303},
          note="releasing a seat the cart does not hold changes nothing"),
    Route("seating.release", "POST", lambda w: _seats(w, "/release"), {"*": 200},
          data=lambda w: {"seat_id": _seat(w)}, htmx=True),
    Route("seating.release_all", "POST", lambda w: _seats(w, "/release-all"), {"*": 303}),
    Route("seating.hold_general", "POST", lambda w: _general(w, "hold"), {"*": 303},
          data=lambda w: _places(w, 2)),
    Route("seating.hold_general", "POST", lambda w: _general(w, "hold"), {"*": 200},
          data=lambda w: _places(w, 1), htmx=True),
    Route("seating.hold_general", "POST", lambda w: _general(w, "hold"), {"*": 422},
          data=lambda w: _places(w, 0), htmx=True, note="a quantity out of range"),
    Route("seating.hold_general", "POST", lambda w: _seats(w, "/general/999999/hold"),
          {"*": 404}, data=lambda w: {"quantity": "1"}, note="no such ticket type here"),
    Route("seating.release_general", "POST", lambda w: _general(w, "release"), {"*": 303},
          note="releasing places the cart does not hold changes nothing"),
    Route("seating.release_general", "POST", lambda w: _general(w, "release"), {"*": 200},
          htmx=True),
    Route("seating.best_available", "POST", lambda w: _seats(w, "/best"), {"*": 303},
          data=lambda w: {"count": "1"}),
    Route("seating.best_available", "POST", lambda w: _seats(w, "/best"), {"*": 200},
          data=lambda w: {"count": "1"}, htmx=True),
    Route("seating.changes", "GET", lambda w: _seats(w, "/changes?v=0"), {"*": 204},
          htmx=True),
    Route("seating.changes", "GET", lambda w: f"/events/{_draft(w).slug}/seats/changes?v=0",
          dict(DRAFT_PAGE, gate=204, organizer=204, site_admin=204), htmx=True),
    Route("seating.cart", "GET", lambda w: _seats(w, "/cart"), {"*": 200}, htmx=True),
    Route("seating.cart", "GET", lambda w: _seats(w, "/cart"), {"*": 303},
          note="without htmx: back to the page"),
    Route("seating.manage", "GET", lambda w: _manage(w), ORGANIZER_PAGE),
    Route("seating.manage", "GET", lambda w: _manage(w, event=_seated(w)), ORGANIZER_PAGE),
    Route("seating.manage", "GET", lambda w: _manage(w, event=w.other_event),
          dict(ORGANIZER_PAGE, organizer=404, site_admin=404),
          note="another organization's event under our organization's URL"),
    Route("seating.generate", "POST", lambda w: _manage(w, "/generate"), ORGANIZER_POST,
          data=lambda w: GENERATOR),
    Route("seating.generate", "POST", lambda w: _manage(w, "/generate", w.other_event),
          dict(ORGANIZER_PAGE, organizer=404, site_admin=404), data=lambda w: GENERATOR),
    Route("seating.import_csv", "POST", lambda w: _manage(w, "/import"), ORGANIZER_POST,
          data=lambda w: CSV),
    Route("seating.block", "POST", lambda w: _manage(w, "/block", _seated(w)), ORGANIZER_POST,
          data=lambda w: {"labels": "A-1", "action": "block"}),
    Route("seating.block", "POST", lambda w: _manage(w, "/block", w.other_event),
          dict(ORGANIZER_PAGE, organizer=404, site_admin=404),
          data=lambda w: {"labels": "A-1", "action": "block"}),
    Route("seating.sales_settings", "POST", lambda w: _manage(w, "/settings", _seated(w)),
          ORGANIZER_POST, data=lambda w: SALES),
    Route("seating.sales_settings", "POST", lambda w: _manage(w, "/settings", w.other_event),
          dict(ORGANIZER_PAGE, organizer=404, site_admin=404), data=lambda w: SALES,
          note="another organization's event under our organization's URL"),
]
