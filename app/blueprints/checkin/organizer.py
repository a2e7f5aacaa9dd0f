"""The organizer's check-in screen: live counts, recent scans, conflicts, gate settings."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.checkin import bp
from app.blueprints.checkin.access import organizer_event
from app.extensions import db
from app.services.checkin import access, search, stats
from app.services.errors import DomainError
from app.web import db_int, no_change, render_page_or_block

TEMPLATE = "checkin/organizer.html"


def _page(org, event, *, error: str = "", status: int = 200):
    version = stats.checkin_version(event.id)
    query = request.args.get("q", "").strip()[:80]
    return render_page_or_block(
        TEMPLATE, "live", status=status, org=org, event=event, version=version,
        counts=stats.gate_counts(event), sold=stats.tickets_sold(event.id),
        recent=stats.recent_scans(event.id), conflicts=stats.conflicts(event.id),
        query=query, results=search.find_tickets(event.id, query) if query else [],
        allow_reentry=access.allows_reentry(event.id), staff=access.gate_staff(event),
        error=error)


def _back(org, event):
    return redirect(url_for("checkin.organizer_view", org_slug=org.slug,
                            event_slug=event.slug), code=303)


@bp.get("/orgs/<org_slug>/events/<event_slug>/checkin")
@org_role_required(*ORGANIZER_ROLES)
def organizer_view(org, event_slug: str):
    event = organizer_event(org, event_slug)
    if request.args.get("seen", type=db_int) == stats.checkin_version(event.id):
        return no_change()
    return _page(org, event)


@bp.post("/orgs/<org_slug>/events/<event_slug>/checkin/settings")
@org_role_required(*ORGANIZER_ROLES)
def update_settings(org, event_slug: str):
    event = organizer_event(org, event_slug)
    access.set_reentry(event, request.form.get("allow_reentry") == "on")
    db.session.commit()
    flash("Gate settings saved.", "success")
    return _back(org, event)


@bp.post("/orgs/<org_slug>/events/<event_slug>/checkin/gate-staff")
@org_role_required(*ORGANIZER_ROLES)
def assign_gate_staff(org, event_slug: str):
    event = organizer_event(org, event_slug)
    try:
        user = access.assign_gate_staff(event, request.form.get("email", ""))
    except DomainError as error:
        db.session.rollback()
        return _page(org, event, error=error.message, status=422)
    db.session.commit()
    flash(f"{user.name} can now scan at this event's gates.", "success")
    return _back(org, event)


@bp.post("/orgs/<org_slug>/events/<event_slug>/checkin/gate-staff/<int:assignment_id>/remove")
@org_role_required(*ORGANIZER_ROLES)
def remove_gate_staff(org, event_slug: str, assignment_id: int):
    event = organizer_event(org, event_slug)
    user = access.remove_gate_staff(event, assignment_id)
    if user is None:
        abort(404)
    db.session.commit()
    flash(f"{user.name} can no longer scan at this event's gates.", "success")
    return _back(org, event)
