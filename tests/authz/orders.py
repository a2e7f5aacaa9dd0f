"""Authorization matrix: checkout and the buyer's order page (the buyer only; others 404),
the organizers' payment queue, settings and cancellation (their organization's owners and
managers), the sandbox gateway's hosted page (whoever holds the session token) and the
signed webhook (no session at all: a request without a valid signature is refused)."""

from __future__ import annotations

import io

from app.extensions import db
from app.models.orders import Order, OrganizationPaymentSettings
from app.services import orders, payments, seating
from app.services.orders import AttendeeInput
from tests.authz import Route
from tests.authz.seating import _seat, _seated

BUYER_PAGE = {"*": 404, "anonymous": 302, "attendee": 200}
ORGANIZER_PAGE = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORGANIZER_POST = dict(ORGANIZER_PAGE, organizer=303, site_admin=303)


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    """A real PNG image (a receipt photo)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


def _order(w, method: str = "manual", *, proof: bool = False, paid: bool = False) -> Order:
    """The attendee's order for world.event (made once per world and kind)."""
    cache = w.__dict__.setdefault("orders", {})
    key = (method, proof, paid)
    if key in cache:
        return db.session.get(Order, cache[key])
    event = _seated(w)
    if db.session.get(OrganizationPaymentSettings, w.org.id) is None:
        db.session.add(OrganizationPaymentSettings(organization_id=w.org.id,
                                                   bank_instructions="Bank 0123",
                                                   mobile_money_instructions=""))
    buyer, cart = w.users["attendee"], f"matrix-{len(cache)}"
    seat_id = seating.load_seat_map(event, None).seats[len(cache) + 1].id
    seating.hold_seat(event, seat_id, cart, buyer.id)
    slots = orders.checkout_view(event, cart).slots
    order = orders.place_order(event, cart, buyer, [AttendeeInput(s.key, buyer.name,
                                                                  buyer.email) for s in slots],
                               method)
    if method == "sandbox":
        payments.provider("sandbox").start(order)
    if proof or paid:
        orders.submit_proof(order, "bank", "MATRIX-REF", png_bytes())
    if paid:
        orders.approve(order, w.users["organizer"])
    db.session.commit()
    cache[key] = order.id
    return order


def _code(w, **kind) -> str:
    return _order(w, **kind).code


def _token(w) -> str:
    return payments.sandbox.latest_charge(_order(w, "sandbox")).token


def _proof_id(w) -> int:
    return _order(w, proof=True).proofs[-1].id


def _payments(w, action: str = "") -> str:
    return f"/orgs/{w.org.slug}/payments{action}"


def _checkout(w) -> str:
    return f"/events/{_seated(w).slug}/checkout"


ROUTES = [
    Route("checkout.checkout", "GET", _checkout, {"*": 200, "anonymous": 302},
          note="verified accounts; with nothing held it says so"),
    Route("checkout.place_order", "POST", _checkout, {"*": 409, "anonymous": 302},
          data=lambda w: {"payment_method": "sandbox"},
          note="nothing held: a clear message, not an order"),
    Route("checkout.order_page", "GET", lambda w: f"/orders/{_code(w)}", BUYER_PAGE),
    Route("checkout.order_page", "GET", lambda w: f"/orders/{_code(w, paid=True)}", BUYER_PAGE,
          note="a paid order"),
    Route("checkout.order_status", "GET",
          lambda w: f"/orders/{_code(w)}/status?v={_order(w).version}",
          dict(BUYER_PAGE, attendee=204), htmx=True, note="unchanged: 204"),
    Route("checkout.order_status", "GET", lambda w: f"/orders/{_code(w)}/status?v=0",
          BUYER_PAGE, htmx=True, note="changed: the status fragment"),
    Route("checkout.submit_proof", "POST", lambda w: f"/orders/{_code(w)}/proof",
          dict(BUYER_PAGE, attendee=303), data=lambda w: {"channel": "bank",
                                                          "reference": "FT2406XYZ"}),
    Route("checkout.receipt", "GET", lambda w: f"/receipts/{_proof_id(w)}",
          dict(BUYER_PAGE, organizer=200, site_admin=200),
          note="the buyer and the event's organizers; gate staff and other orgs 404"),
    Route("payments_admin.queue", "GET", lambda w: _payments(w), ORGANIZER_PAGE),
    Route("payments_admin.approve", "POST",
          lambda w: _payments(w, f"/{_code(w, proof=True)}/approve"), ORGANIZER_POST),
    Route("payments_admin.approve", "POST",
          lambda w: _payments(w, f"/{_code(w, proof=True)}/approve"),
          dict(ORGANIZER_PAGE), htmx=True, note="htmx: the row"),
    Route("payments_admin.reject", "POST",
          lambda w: _payments(w, f"/{_code(w, proof=True)}/reject"), ORGANIZER_POST,
          data=lambda w: {"reason": "No payment received"}),
    Route("payments_admin.bulk_approve", "POST", lambda w: _payments(w, "/approve"),
          ORGANIZER_POST, data=lambda w: {"codes": [_code(w, proof=True)]}),
    Route("payments_admin.settings", "GET", lambda w: _payments(w, "/settings"),
          ORGANIZER_PAGE),
    Route("payments_admin.settings", "POST", lambda w: _payments(w, "/settings"),
          ORGANIZER_POST, data=lambda w: {"bank_instructions": "Bank 0123",
                                          "mobile_money_instructions": "",
                                          "payment_minutes": 12, "approval_hours": 48}),
    Route("payments_admin.order_detail", "GET",
          lambda w: f"/orgs/{w.org.slug}/orders/{_code(w, paid=True)}", ORGANIZER_PAGE),
    Route("payments_admin.order_detail", "GET",
          lambda w: f"/orgs/{w.other_org.slug}/orders/{_code(w, paid=True)}",
          {"*": 404, "anonymous": 302, "site_admin": 404},
          note="an order of another organization's event, through that organization"),
    Route("payments_admin.cancel", "POST",
          lambda w: f"/orgs/{w.org.slug}/orders/{_code(w, paid=True)}/cancel", ORGANIZER_POST,
          data=lambda w: {"reason": "Event moved"}),
    Route("webhooks.receive", "POST", lambda w: "/webhooks/sandbox", {"*": 400},
          data=lambda w: {"id": "evt_forged"}, note="unsigned: refused, nothing written"),
    Route("sandbox_gateway.pay", "GET", lambda w: f"/sandbox-gateway/pay/{_token(w)}",
          {"*": 200}, note="the session token is the capability, as on a real gateway"),
    Route("sandbox_gateway.pay", "GET", lambda w: "/sandbox-gateway/pay/unknown", {"*": 404}),
    Route("sandbox_gateway.charge_card", "POST",
          lambda w: f"/sandbox-gateway/pay/{_token(w)}", {"*": 303},
          data=lambda w: {"number": "4242424242424242", "expiry": "12/40", "cvc": "123"}),
]

_ = _seat  # the seating helpers are shared with tests/authz/seating.py
