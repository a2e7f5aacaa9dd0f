"""Organizers' booth tools for one event: setup (settings, booth types, the floor plan,
questions), the review queue with its side panel, staged decisions, assignment, CSV.

Scoped to the organization in the URL (owners and managers): another organization's event
or application answers 404.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, request, url_for
from flask_login import current_user

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.vendors_admin import bp
from app.extensions import db
from app.models import Event, Organization
from app.models.vendors import Booth, BoothType
from app.services.errors import DomainError
from app.services.vendors import applications, assignment, export, floorplan, review
from app.services.vendors.documents import KINDS
from app.services.vendors.profiles import CATEGORIES
from app.web import db_int, hx_redirect, render_page_or_block

BASE = "/orgs/<org_slug>/events/<int:event_id>/vendors"
SETUP, QUEUE = "vendors_admin/setup.html", "vendors_admin/queue.html"


def _event(org: Organization, event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.organization_id != org.id:
        abort(404)
    return event


def _int(name: str, default: int = 0) -> int:
    return request.form.get(name, default, type=db_int)


def _setup_page(org, event, status: int = 200, error: str = ""):
    spots = floorplan.plan(event)
    return render_page_or_block(
        SETUP, "content", status=status, org=org, event=event, error=error,
        settings=floorplan.settings_for(event), types=floorplan.booth_types(event),
        spots=spots, size=floorplan.plan_size(spots), questions=floorplan.questions(event))


def _setup_action(org, event, action, message: str):
    """Run one setup change; a refusal re-renders the page with its message (409)."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return _setup_page(org, event, 409, error.message)
    db.session.commit()
    flash(message, "success")
    return hx_redirect(url_for("vendors_admin.setup", org_slug=org.slug, event_id=event.id))


@bp.get(BASE)
@org_role_required(*ORGANIZER_ROLES)
def setup(org: Organization, event_id: int):
    return _setup_page(org, _event(org, event_id))


def _deadline(event: Event) -> datetime | None:
    raw = request.form.get("deadline", "").strip()
    if not raw:
        return None
    try:
        local = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise DomainError("Enter the deadline as a date and time.", "deadline") from exc
    return local.replace(tzinfo=ZoneInfo(event.timezone))


@bp.post(BASE + "/settings")
@org_role_required(*ORGANIZER_ROLES)
def save_settings(org: Organization, event_id: int):
    event = _event(org, event_id)
    return _setup_action(org, event, lambda: floorplan.update_settings(
        event, open_=request.form.get("open") == "y", deadline=_deadline(event),
        offer_hours=_int("offer_hours", 48), load_in=request.form.get("load_in", "")),
        "Settings saved.")


def _price() -> Decimal:
    try:
        return Decimal(request.form.get("price", "").strip() or "x").quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise DomainError("Enter the price as a number.", "price") from exc


@bp.post(BASE + "/types")
@org_role_required(*ORGANIZER_ROLES)
def add_type(org: Organization, event_id: int):
    event, form = _event(org, event_id), request.form
    return _setup_action(org, event, lambda: floorplan.add_booth_type(
        event, form.get("name", ""), form.get("size", ""), _price(),
        power=form.get("power") == "y", water=form.get("water") == "y",
        tables=_int("tables")), "Booth type added.")


def _booth_type(event: Event, type_id: int) -> BoothType:
    found = db.session.get(BoothType, type_id)
    if found is None or found.event_id != event.id:
        abort(404)
    return found


@bp.post(BASE + "/booths/generate")
@org_role_required(*ORGANIZER_ROLES)
def generate(org: Organization, event_id: int):
    event = _event(org, event_id)
    kind = _booth_type(event, _int("booth_type_id"))
    return _setup_action(org, event, lambda: floorplan.generate_grid(
        event, kind, prefix=request.form.get("prefix", "A").strip()[:5], rows=_int("rows"),
        columns=_int("columns"), width=_int("width"), height=_int("height"),
        gap=_int("gap")), "Booths added to the plan.")


def _booth(event: Event, booth_id: int) -> Booth:
    found = db.session.get(Booth, booth_id)
    if found is None or found.event_id != event.id:
        abort(404)
    return found


@bp.post(BASE + "/booths/<int:booth_id>")
@org_role_required(*ORGANIZER_ROLES)
def edit_booth(org: Organization, event_id: int, booth_id: int):
    event = _event(org, event_id)
    booth = _booth(event, booth_id)
    return _setup_action(org, event, lambda: floorplan.update_booth(
        booth, label=request.form.get("label", ""), booth_type_id=_int("booth_type_id"),
        x=_int("x"), y=_int("y"), w=_int("w"), h=_int("h"),
        reserved=request.form.get("reserved") == "y"), f"Booth {booth.label} saved.")


@bp.post(BASE + "/booths/<int:booth_id>/delete")
@org_role_required(*ORGANIZER_ROLES)
def delete_booth(org: Organization, event_id: int, booth_id: int):
    event = _event(org, event_id)
    booth = _booth(event, booth_id)
    return _setup_action(org, event, lambda: floorplan.delete_booth(booth), "Booth deleted.")


@bp.post(BASE + "/questions")
@org_role_required(*ORGANIZER_ROLES)
def add_question(org: Organization, event_id: int):
    event, form = _event(org, event_id), request.form
    return _setup_action(org, event, lambda: floorplan.add_question(
        event, form.get("kind", ""), form.get("text", ""), form.get("choices", ""),
        form.get("required") == "y"), "Question added.")


# ---------------------------------------------------------------- review

def _filters() -> review.QueueFilter:
    type_id = request.args.get("type", "")
    return review.QueueFilter(request.args.get("status", ""),
                              int(type_id) if type_id.isdigit() else None,
                              request.args.get("category", ""))


def _queue_page(org, event, selected=None, status: int = 200, error: str = ""):
    filters = _filters()
    spots = floorplan.plan(event, selected)
    return render_page_or_block(
        QUEUE, "panel" if selected is not None else "content", status=status, org=org,
        event=event, applications=review.queue(event, filters), filters=filters,
        selected=selected, types=floorplan.booth_types(event), categories=CATEGORIES,
        label=applications.LABELS, decisions=review.DECISION_LABELS, spots=spots,
        size=floorplan.plan_size(spots), error=error, kinds=KINDS,
        questions=floorplan.questions(event),
        free=assignment.free_booths(selected) if selected is not None else [])


@bp.get(BASE + "/applications")
@org_role_required(*ORGANIZER_ROLES)
def queue(org: Organization, event_id: int):
    return _queue_page(org, _event(org, event_id))


def _application(event: Event, application_id: int):
    found = review.event_application(event, application_id)
    if found is None:
        abort(404)
    return found


@bp.get(BASE + "/applications/<int:application_id>")
@org_role_required(*ORGANIZER_ROLES)
def panel(org: Organization, event_id: int, application_id: int):
    event = _event(org, event_id)
    return _queue_page(org, event, _application(event, application_id))


def _review_action(org, event, application, action, message: str):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return _queue_page(org, event, _application(event, application.id), 409,
                           error.message)
    db.session.commit()
    flash(message, "success")
    return hx_redirect(url_for("vendors_admin.panel", org_slug=org.slug, event_id=event.id,
                               application_id=application.id))


@bp.post(BASE + "/applications/<int:application_id>/review")
@org_role_required(*ORGANIZER_ROLES)
def start_review(org: Organization, event_id: int, application_id: int):
    event = _event(org, event_id)
    found = _application(event, application_id)
    return _review_action(org, event, found, lambda: review.mark_in_review(found, current_user),
                          "Marked as in review.")


@bp.post(BASE + "/applications/<int:application_id>/decide")
@org_role_required(*ORGANIZER_ROLES)
def decide(org: Organization, event_id: int, application_id: int):
    event, form = _event(org, event_id), request.form
    found = _application(event, application_id)
    return _review_action(org, event, found, lambda: review.decide(
        found, form.get("decision", ""), form.get("message", ""), current_user,
        _int("booth_id") or None), "Decision sent to the vendor.")


@bp.post(BASE + "/applications/<int:application_id>/stage")
@org_role_required(*ORGANIZER_ROLES)
def stage(org: Organization, event_id: int, application_id: int):
    event, form = _event(org, event_id), request.form
    found = _application(event, application_id)
    return _review_action(org, event, found, lambda: review.stage(
        found, form.get("decision", ""), form.get("message", ""), _int("booth_id") or None),
        "Decision staged; nothing was sent yet.")


@bp.post(BASE + "/applications/<int:application_id>/assign")
@org_role_required(*ORGANIZER_ROLES)
def assign(org: Organization, event_id: int, application_id: int):
    event = _event(org, event_id)
    found = _application(event, application_id)
    return _review_action(org, event, found, lambda: assignment.assign_booth(
        found, _booth(event, _int("booth_id")), current_user), "Booth assigned.")


@bp.post(BASE + "/apply-staged")
@org_role_required(*ORGANIZER_ROLES)
def apply_staged(org: Organization, event_id: int):
    event = _event(org, event_id)
    done, problems = review.apply_staged(event, current_user)
    db.session.commit()
    flash(f"{done} staged decision{'s' if done != 1 else ''} sent.", "success")
    for problem in problems:
        flash(problem, "error")
    return hx_redirect(url_for("vendors_admin.queue", org_slug=org.slug, event_id=event.id))


@bp.get(BASE + "/export.csv")
@org_role_required(*ORGANIZER_ROLES)
def export_csv(org: Organization, event_id: int):
    event = _event(org, event_id)
    response = make_response(export.vendors_csv(event))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="vendors-{event.slug}.csv"'
    return response
