"""Authorization matrix: the vendor side and the organizers' booth tools.

The vendor sees only their own applications and documents (404 for anyone else); an
organizer of the event may download documents of vendors who applied to it. The organizer
side is for owners and managers of the event's organization (gate staff 403, others 404).
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from app.extensions import db
from app.services.vendors import applications, documents, floorplan, profiles
from tests.authz import Route

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LOGGED_IN = {"*": 200, "anonymous": 302}
OWN = {"*": 404, "anonymous": 302, "vendor": 200}
ORG = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORG_POST = {**ORG, "organizer": 303, "site_admin": 303}


def _setup(world) -> SimpleNamespace:
    """Once per world: booths, the vendor's profile with a document, a submitted application."""
    found = world.__dict__.get("vendor_setup")
    if found is not None:
        return found
    event, vendor = world.event, world.users["vendor"]
    floorplan.update_settings(event, open_=True, deadline=None, offer_hours=24, load_in="")
    kind = floorplan.add_booth_type(event, "Food", "3 × 3 m", Decimal("50"), power=True,
                                    water=False, tables=1)
    booths = floorplan.generate_grid(event, kind, prefix="A", rows=1, columns=4, width=60,
                                     height=50, gap=20)
    profile = profiles.save_profile(vendor, profiles.ProfileInput(
        "Bao Stand", "food", "Buns", "", "Vic", ""))
    document = documents.add_document(profile, "licence", "licence.pdf", PDF)
    application = applications.draft_for(event, profile)
    applications.save_application(application, applications.ApplicationInput(
        kind.id, [booths[0].id], {}, "Buns and tea", 0, False, ""))
    applications.submit(application, vendor)
    db.session.commit()
    found = SimpleNamespace(kind=kind, booths=booths, document=document,
                            application=application)
    world.vendor_setup = found
    return found


def _doc(world) -> int:
    return _setup(world).document.id


def _app(world) -> int:
    return _setup(world).application.id


def _org(world, rest: str = "") -> str:
    _setup(world)
    return f"/orgs/{world.org.slug}/events/{world.event.id}/vendors{rest}"


def _booth(world, n: int) -> int:
    return _setup(world).booths[n].id


ROUTES = [
    Route("vendors.profile", "GET", lambda w: "/vendor/profile", LOGGED_IN),
    Route("vendors.save_profile", "POST", lambda w: "/vendor/profile",
          {"*": 303, "anonymous": 302},
          data=lambda w: {"business_name": "Some Shop", "category": "bazaar",
                          "contact_name": "Someone"}),
    Route("vendors.upload_document", "POST", lambda w: (_setup(w), "/vendor/documents")[1],
          {"*": 404, "anonymous": 302, "vendor": 422}, note="no file sent"),
    Route("vendors.download_document", "GET", lambda w: f"/vendor/documents/{_doc(w)}",
          {**OWN, "organizer": 200, "site_admin": 200}),
    Route("vendors.delete_document", "POST",
          lambda w: f"/vendor/documents/{_doc(w)}/delete", {**OWN, "vendor": 303}),
    Route("vendors.apply", "GET", lambda w: (_setup(w), f"/events/{w.event.slug}/booths")[1],
          {"*": 303, "anonymous": 302, "vendor": 200}, note="no profile: to the profile"),
    Route("vendors.save_application", "POST",
          lambda w: (_setup(w), f"/events/{w.event.slug}/booths")[1],
          {"*": 404, "anonymous": 302, "vendor": 409}, note="submitted: not editable"),
    Route("vendors.pick_booth", "POST",
          lambda w: f"/events/{w.event.slug}/booths/pick/{_booth(w, 1)}",
          {"*": 404, "anonymous": 302, "vendor": 409}, htmx=True),
    Route("vendors.my_applications", "GET", lambda w: "/vendor/applications", LOGGED_IN),
    Route("vendors.application", "GET", lambda w: f"/vendor/applications/{_app(w)}", OWN),
    Route("vendors.application_status", "GET",
          lambda w: f"/vendor/applications/{_app(w)}/status", OWN, htmx=True),
    Route("vendors.withdraw", "POST", lambda w: f"/vendor/applications/{_app(w)}/withdraw",
          {**OWN, "vendor": 303}),
    Route("vendors.answer_offer", "POST", lambda w: f"/vendor/applications/{_app(w)}/offer",
          {**OWN, "vendor": 409}, data=lambda w: {"answer": "accept"}, note="no offer"),
    Route("vendors.pay", "POST", lambda w: f"/vendor/applications/{_app(w)}/pay",
          {**OWN, "vendor": 409}, data=lambda w: {"method": "manual"}, note="not approved"),
    Route("vendors.vendor_pass", "GET", lambda w: f"/vendor/applications/{_app(w)}/pass",
          {**OWN, "vendor": 404}, note="no pass before assignment"),
    Route("vendors_admin.setup", "GET", lambda w: _org(w), ORG),
    Route("vendors_admin.save_settings", "POST", lambda w: _org(w, "/settings"), ORG_POST,
          data=lambda w: {"open": "y", "offer_hours": "24"}),
    Route("vendors_admin.add_type", "POST", lambda w: _org(w, "/types"), ORG_POST,
          data=lambda w: {"name": "Craft", "price": "30"}),
    Route("vendors_admin.generate", "POST", lambda w: _org(w, "/booths/generate"), ORG_POST,
          data=lambda w: {"booth_type_id": _setup(w).kind.id, "prefix": "B", "rows": 1,
                          "columns": 2, "width": 50, "height": 40, "gap": 10}),
    Route("vendors_admin.edit_booth", "POST", lambda w: _org(w, f"/booths/{_booth(w, 2)}"),
          ORG_POST, data=lambda w: {"label": "Z9", "booth_type_id": _setup(w).kind.id,
                                    "x": 10, "y": 10, "w": 50, "h": 50}),
    Route("vendors_admin.delete_booth", "POST",
          lambda w: _org(w, f"/booths/{_booth(w, 3)}/delete"), ORG_POST),
    Route("vendors_admin.add_question", "POST", lambda w: _org(w, "/questions"), ORG_POST,
          data=lambda w: {"kind": "text", "text": "Do you sell alcohol?"}),
    Route("vendors_admin.queue", "GET", lambda w: _org(w, "/applications"), ORG),
    Route("vendors_admin.panel", "GET", lambda w: _org(w, f"/applications/{_app(w)}"), ORG),
    Route("vendors_admin.start_review", "POST",
          lambda w: _org(w, f"/applications/{_app(w)}/review"), ORG_POST),
    Route("vendors_admin.decide", "POST", lambda w: _org(w, f"/applications/{_app(w)}/decide"),
          ORG_POST, data=lambda w: {"decision": "waitlist", "message": "Full for now."}),
    Route("vendors_admin.stage", "POST", lambda w: _org(w, f"/applications/{_app(w)}/stage"),
          ORG_POST, data=lambda w: {"decision": "approve"}),
    Route("vendors_admin.assign", "POST", lambda w: _org(w, f"/applications/{_app(w)}/assign"),
          {**ORG, "organizer": 409, "site_admin": 409},
          data=lambda w: {"booth_id": _booth(w, 1)}, note="not paid yet"),
    Route("vendors_admin.apply_staged", "POST", lambda w: _org(w, "/apply-staged"), ORG_POST),
    Route("vendors_admin.export_csv", "GET", lambda w: _org(w, "/export.csv"), ORG),
]
