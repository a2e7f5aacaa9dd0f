"""The organizer's seating tools: generate or import a seat map, block seats for an event,
and set its sales settings (hold time, tickets per order, card payment window).
Views parse, call one seating service, commit, and render blocks of `seating/manage.html`.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user
from wtforms import ValidationError

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.seating import bp
from app.blueprints.seating.forms import (
    BlockForm,
    GeneratorForm,
    ImportForm,
    SalesSettingsForm,
)
from app.blueprints.seating.render import zone_label
from app.extensions import db
from app.models import Event, Organization
from app.services import orders, seating
from app.services.errors import DomainError
from app.services.events import org_event
from app.web import hx_redirect, render_page_or_block

MANAGE = "seating/manage.html"


def _org_event_or_404(org: Organization, event_slug: str) -> Event:
    event = org_event(org, event_slug)
    if event is None:
        abort(404)
    return event


def _manage_page(event: Event, *, generator=None, importer=None, blocker=None, sales=None,
                 status: int = 200):
    seats = seating.load_seat_map(event, None)
    current = seating.sales_settings(event)
    return render_page_or_block(
        MANAGE, "content", status=status, event=event, org=event.organization, seats=seats,
        generator=generator or GeneratorForm(formdata=None),
        importer=importer or ImportForm(formdata=None),
        blocker=blocker or BlockForm(formdata=None),
        sales=sales or SalesSettingsForm(formdata=None, obj=current),
        org_payment_minutes=orders.payment_settings(event.organization).payment_minutes,
        blocked=[s for s in seats.seats if s.status == "blocked"] if seats else [],
        zone_labels={z.id: zone_label(z) for z in seats.zones} if seats else {})


def _manage_done(event: Event, message: str):
    flash(message, "success")
    return hx_redirect(url_for("seating.manage", org_slug=event.organization.slug,
                               event_slug=event.slug))


@bp.get("/orgs/<org_slug>/events/<event_slug>/seating")
@org_role_required(*ORGANIZER_ROLES)
def manage(org: Organization, event_slug: str):
    return _manage_page(_org_event_or_404(org, event_slug))


@bp.post("/orgs/<org_slug>/events/<event_slug>/seating/generate")
@org_role_required(*ORGANIZER_ROLES)
def generate(org: Organization, event_slug: str):
    event, form = _org_event_or_404(org, event_slug), GeneratorForm()
    if form.validate():
        try:
            seat_map = seating.generate_seat_map(event.venue, form.name.data, form.section_specs())
            seating.attach_seat_map(event, seat_map, form.prices)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            return _manage_done(event, f"Seat map “{seat_map.name}” created and attached.")
    return _manage_page(event, generator=form, status=422)


@bp.post("/orgs/<org_slug>/events/<event_slug>/seating/import")
@org_role_required(*ORGANIZER_ROLES)
def import_csv(org: Organization, event_slug: str):
    event, form = _org_event_or_404(org, event_slug), ImportForm()
    if form.validate():
        try:
            seat_map = seating.import_seat_map_csv(event.venue, form.name.data,
                                                   form.csv_content())
            seating.attach_seat_map(event, seat_map, form.prices_by_zone)
        except (DomainError, ValidationError) as error:
            db.session.rollback()
            show_domain_error(form, _as_domain_error(error))
        else:
            db.session.commit()
            return _manage_done(event, f"Seat map “{seat_map.name}” imported and attached.")
    return _manage_page(event, importer=form, status=422)


def _as_domain_error(error: Exception) -> DomainError:
    if isinstance(error, DomainError):
        return DomainError(error.message, "csv_text" if error.field == "csv" else error.field)
    return DomainError(str(error), "csv_text")


@bp.post("/orgs/<org_slug>/events/<event_slug>/seating/block")
@org_role_required(*ORGANIZER_ROLES)
def block(org: Organization, event_slug: str):
    event, form = _org_event_or_404(org, event_slug), BlockForm()
    seats = seating.load_seat_map(event, None)
    if seats is None:
        abort(404)
    ids = form.seat_ids(seats.seats) if form.validate() else None
    if ids is not None:
        change = seating.block_seats if form.action.data == "block" else seating.unblock_seats
        try:
            count = change(event, ids, current_user)
        except DomainError as error:
            show_domain_error(form, DomainError(error.message, "labels"))
        else:
            db.session.commit()
            verb = "taken out of sale" if form.action.data == "block" else "put back on sale"
            return _manage_done(event, f"{count} {'seat' if count == 1 else 'seats'} {verb}.")
    return _manage_page(event, blocker=form, status=422)


@bp.post("/orgs/<org_slug>/events/<event_slug>/seating/settings")
@org_role_required(*ORGANIZER_ROLES)
def sales_settings(org: Organization, event_slug: str):
    event, form = _org_event_or_404(org, event_slug), SalesSettingsForm()
    if seating.sales_settings(event) is None:
        abort(404)  # no seat map yet: nothing to set
    if form.validate():
        try:
            seating.update_sales_settings(event, seating.SalesSettings(
                form.hold_minutes.data, form.max_seats_per_order.data,
                form.payment_minutes.data), current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            return _manage_done(event, "Sales settings saved.")
    return _manage_page(event, sales=form, status=422)
