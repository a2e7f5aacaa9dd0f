"""Authorization matrix: gate check-in (scanner, scans, offline kit and sync) and the
organizer's check-in screen.

Gate staff of world.org and its organizers scan for world.event; nobody else learns it
exists (404), and gate staff of world.org get 404 for world.other_event (another
organization's). The organizer's screen is for owners and managers: gate staff, who are
members, get 403 there.
"""

from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.models.checkin import EventGateAssignment
from app.models.orders import Order, OrderLine, OrderStatus, PaymentMethod
from app.models.tickets import Ticket
from app.models.types import utcnow
from app.services.checkin.stats import checkin_version
from app.services.seating import add_general_admission
from app.services.tickets import issue_tickets
from tests.authz import Route

SCAN = {"*": 404, "anonymous": 302, "gate": 200, "organizer": 200, "site_admin": 200}
SCAN_POST = {"*": 404, "anonymous": 302, "gate": 303, "organizer": 303, "site_admin": 303}
OTHER_ORG = {"*": 404, "anonymous": 302, "other_organizer": 200, "site_admin": 200}
ORGANIZER = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORGANIZER_POST = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 303,
                  "site_admin": 303}


def _ticket(world) -> Ticket:
    """A paid general-admission ticket for world.event (made once per world)."""
    ticket = db.session.scalars(db.select(Ticket).where(
        Ticket.event_id == world.event.id)).first()
    if ticket is not None:
        return ticket
    buyer = world.users["attendee"]
    standing = add_general_admission(world.event, "Standing", Decimal("25.00"), 100)
    db.session.flush()
    order = Order(code="GATE2345", event_id=world.event.id, user_id=buyer.id,
                  buyer_email=buyer.email, buyer_name=buyer.name, status=OrderStatus.PAID,
                  currency="ZMW", total=Decimal("25.00"), payment_method=PaymentMethod.SANDBOX,
                  paid_at=utcnow(), lines=[OrderLine(
                      ticket_type_id=standing.id, price=Decimal("25.00"),
                      description="Standing", attendee_name=buyer.name,
                      attendee_email=buyer.email)])
    db.session.add(order)
    db.session.flush()
    issue_tickets(order)
    db.session.commit()
    return db.session.scalars(db.select(Ticket).where(Ticket.order_id == order.id)).one()


def _gate(world, suffix: str = "", other: bool = False) -> str:
    return f"/checkin/{(world.other_event if other else world.event).slug}{suffix}"


def _organizer(world, suffix: str = "") -> str:
    return f"/orgs/{world.org.slug}/events/{world.event.slug}/checkin{suffix}"


ROUTES = [
    Route("checkin.my_events", "GET", lambda w: "/checkin", {"*": 200, "anonymous": 302}),
    Route("checkin.scanner", "GET", lambda w: _gate(w), SCAN),
    Route("checkin.scanner", "GET", lambda w: _gate(w, other=True), OTHER_ORG,
          note="another organization's event: world.org's gate staff get 404"),
    Route("checkin.scanner", "GET", lambda w: "/checkin/no-such-event",
          {"*": 404, "anonymous": 302}),
    Route("checkin.choose_gate", "POST", lambda w: _gate(w, "/gate"), SCAN_POST,
          data=lambda w: {"gate": "Gate 3"}),
    Route("checkin.scan", "POST", lambda w: _gate(w, "/scan"), SCAN_POST,
          data=lambda w: {"code": _ticket(w).qr_payload, "gate": "Gate 1"}),
    Route("checkin.scan", "POST", lambda w: _gate(w, "/scan", other=True),
          dict(OTHER_ORG, other_organizer=303, site_admin=303),
          data=lambda w: {"code": "A" * 148}, note="scanning for another organization"),
    Route("checkin.scan", "POST", lambda w: _gate(w, "/scan"),
          {**SCAN, "gate": 200, "organizer": 200}, htmx=True,
          data=lambda w: {"code": _ticket(w).qr_payload}, note="the verdict fragment"),
    Route("checkin.manual", "POST", lambda w: _gate(w, "/manual"), SCAN_POST,
          data=lambda w: {"ticket_id": _ticket(w).id, "reason": "phone flat"}),
    Route("checkin.manual", "POST", lambda w: _gate(w, "/manual"),
          {**SCAN, "gate": 422, "organizer": 422, "site_admin": 422},
          data=lambda w: {"ticket_id": _ticket(w).id}, note="a reason is required"),
    Route("checkin.counts", "GET", lambda w: _gate(w, "/counts"), SCAN, htmx=True),
    Route("checkin.counts", "GET",
          lambda w: _gate(w, f"/counts?seen={checkin_version(w.event.id)}"),
          {**SCAN, "gate": 204, "organizer": 204, "site_admin": 204}, htmx=True,
          note="unchanged since the last poll"),
    Route("checkin.counts", "GET", lambda w: _gate(w, "/counts", other=True), OTHER_ORG,
          htmx=True),
    Route("checkin.kit", "GET", lambda w: _gate(w, "/offline-kit"), SCAN),
    Route("checkin.kit", "GET", lambda w: _gate(w, "/offline-kit", other=True), OTHER_ORG),
    Route("checkin.sync", "POST", lambda w: _gate(w, "/sync"),
          {**SCAN, "gate": 422, "organizer": 422, "site_admin": 422},
          note="a form body is not a JSON upload: 422 with the reason"),
    Route("checkin.sync", "POST", lambda w: _gate(w, "/sync", other=True),
          dict(OTHER_ORG, other_organizer=422, site_admin=422)),
    Route("checkin.service_worker", "GET", lambda w: "/checkin/sw.js", {"*": 200}),
    Route("checkin.organizer_view", "GET", lambda w: _organizer(w), ORGANIZER),
    Route("checkin.organizer_view", "GET",
          lambda w: _organizer(w, f"?seen={checkin_version(w.event.id)}"),
          {**ORGANIZER, "organizer": 204, "site_admin": 204}, htmx=True,
          note="unchanged since the last poll"),
    Route("checkin.organizer_view", "GET",
          lambda w: f"/orgs/{w.org.slug}/events/{w.other_event.slug}/checkin",
          {**ORGANIZER, "organizer": 404, "site_admin": 404},
          note="another organization's event under this organization's address"),
    Route("checkin.update_settings", "POST", lambda w: _organizer(w, "/settings"),
          ORGANIZER_POST, data=lambda w: {"allow_reentry": "on"}),
    Route("checkin.assign_gate_staff", "POST", lambda w: _organizer(w, "/gate-staff"),
          ORGANIZER_POST, data=lambda w: {"email": w.users["vendor"].email}),
    Route("checkin.assign_gate_staff", "POST", lambda w: _organizer(w, "/gate-staff"),
          {**ORGANIZER, "organizer": 422, "site_admin": 422},
          data=lambda w: {"email": "nobody@example.test"}, note="no such account"),
    Route("checkin.remove_gate_staff", "POST",
          lambda w: _organizer(w, f"/gate-staff/{_assignment(w, w.event)}/remove"),
          ORGANIZER_POST),
    Route("checkin.remove_gate_staff", "POST",
          lambda w: _organizer(w, f"/gate-staff/{_assignment(w, w.other_event)}/remove"),
          {**ORGANIZER, "organizer": 404, "site_admin": 404},
          note="another organization's event's gate staff under this event's address"),
]


def _assignment(world, event) -> int:
    """A fresh per-event gate assignment of the vendor's account at `event` (its id)."""
    assignment = EventGateAssignment(event_id=event.id, user_id=world.users["vendor"].id)
    db.session.add(assignment)
    db.session.commit()
    return assignment.id
