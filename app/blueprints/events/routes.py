"""Events: the public list and page, and the organizer's create/publish/cancel screens."""

from __future__ import annotations

from flask import Response, abort, flash, make_response, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.events import bp, page_cache
from app.blueprints.events.forms import EventFilterForm, EventForm, SessionForm
from app.blueprints.orgs.forms import show_domain_error
from app.extensions import db
from app.models import Event, Organization
from app.models.types import utcnow
from app.services import events as event_service
from app.services import seating
from app.services.errors import DomainError
from app.services.vendors.applications import takes_applications
from app.web import db_int, hx_redirect, is_htmx, render_page_or_block


@bp.get("/events")
def list_events():
    form = EventFilterForm(formdata=request.args)
    search = event_service.EventSearch(
        q=(form.q.data or "")[:100], category=form.category.data or "",
        when="past" if form.when.data == "past" else "upcoming",
        page=request.args.get("page", 1, type=db_int) or 1)
    return render_page_or_block("events/list.html", "results", form=form, now=utcnow(),
                                result=event_service.search_public_events(search),
                                public_page=True)


@bp.get("/events/<slug>")
def event_page(slug: str):
    """The public event page. Anonymous visitors with nothing to flash get a page that is
    the same for all of them: no session, no CSRF token, cacheable for a few seconds (here
    per process, see `page_cache`, and in shared caches)."""
    shared = not current_user.is_authenticated and "_flashes" not in web_session
    ttl = page_cache.seconds() if shared else 0
    if not ttl:
        event = event_service.page_event(slug, current_user)
        if event is None:
            abort(404)
        return _vary(make_response(_render_page(event)), ttl if shared else None)
    htmx = request.headers.get("HX-Request") == "true"
    body = page_cache.get(slug, htmx, lambda: _status_of(slug))
    if body is None:
        event = event_service.page_event(slug, None)  # None for a draft: 404
        if event is None:
            abort(404)
        body = _render_page(event).encode()
        page_cache.put(slug, htmx, event.status.value, body, ttl)
    return _vary(Response(body, mimetype="text/html"), ttl)


def _status_of(slug: str) -> str | None:
    status = event_service.public_status(slug)
    return None if status is None else status.value


def _render_page(event: Event) -> str:
    has_seats = seating.event_seating(event) is not None
    return render_template("events/page.html", event=event, now=utcnow(), has_seats=has_seats,
                           takes_vendors=takes_applications(event), public_page=True)


def _vary(response: Response, shared_ttl: float | None) -> Response:
    """`shared_ttl` None: a personal page (logged in, or a flash to show), never stored."""
    response.vary.update(("Cookie", "HX-Request"))
    if shared_ttl is None:
        response.headers["Cache-Control"] = "private, no-cache"
    elif shared_ttl > 0:
        response.headers["Cache-Control"] = f"public, max-age={int(shared_ttl)}"
    else:
        response.headers["Cache-Control"] = "public, no-cache"
    return response


def _draft(form: EventForm) -> event_service.EventDraft:
    return event_service.EventDraft(
        title=form.title.data, slug=form.slug.data or "", category=form.category.data,
        description=form.description.data or "", venue_name=form.venue_name.data,
        venue_address=form.venue_address.data or "", timezone=form.timezone.data.strip(),
        starts_local=form.starts_at.data, ends_local=form.ends_at.data,
        currency=form.currency.data)


@bp.route("/orgs/<org_slug>/events/new", methods=["GET", "POST"])
@org_role_required(*ORGANIZER_ROLES)
def create_event(org: Organization):
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = event_service.create_event(current_user, org, _draft(form))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"“{event.title}” was created as a draft. Check it, then publish.", "success")
            return hx_redirect(_manage_url(event))
    return render_page_or_block("events/new.html", "event_form", form=form, org=org,
                                timezones=event_service.timezone_names(),
                                status=422 if form.errors else 200)


def _manage_url(event: Event) -> str:
    return url_for("events.manage_event", org_slug=event.organization.slug,
                   event_slug=event.slug)


def _event_or_404(org: Organization, event_slug: str) -> Event:
    event = event_service.org_event(org, event_slug)
    if event is None:
        abort(404)
    return event


def _manage_page(event: Event, form: SessionForm | None = None, *, block: str = "content",
                 notice: str | None = None, status: int = 200):
    return render_page_or_block("events/manage.html", block, status=status, event=event,
                                org=event.organization, notice=notice, now=utcnow(),
                                form=form or SessionForm(formdata=None))


@bp.get("/orgs/<org_slug>/events/<event_slug>")
@org_role_required(*ORGANIZER_ROLES)
def manage_event(org: Organization, event_slug: str):
    return _manage_page(_event_or_404(org, event_slug))


def _after_change(event: Event, message: str, ok: bool):
    """Flash and 303 for a plain form; the refreshed sessions block for htmx."""
    if is_htmx():
        return _manage_page(event, block="sessions", notice=message, status=200 if ok else 422)
    flash(message, "success" if ok else "error")
    return hx_redirect(_manage_url(event))


@bp.post("/orgs/<org_slug>/events/<event_slug>/sessions")
@org_role_required(*ORGANIZER_ROLES)
def add_session(org: Organization, event_slug: str):
    event = _event_or_404(org, event_slug)
    form = SessionForm()
    if form.validate():
        try:
            event_service.add_session(current_user, event, form.session_name.data,
                                      form.session_starts_at.data, form.session_ends_at.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            page_cache.invalidate(event.slug)
            return _after_change(event, f"Session “{form.session_name.data}” added.", ok=True)
    return _manage_page(event, form, block="sessions", status=422)


@bp.post("/orgs/<org_slug>/events/<event_slug>/sessions/<int:session_id>/remove")
@org_role_required(*ORGANIZER_ROLES)
def remove_session(org: Organization, event_slug: str, session_id: int):
    event = _event_or_404(org, event_slug)
    session = event_service.event_session(event, session_id) or abort(404)
    try:
        event_service.remove_session(current_user, event, session)
    except DomainError as error:
        return _after_change(event, error.message, ok=False)
    db.session.commit()
    page_cache.invalidate(event.slug)
    return _after_change(event, f"Session “{session.name}” removed.", ok=True)


@bp.post("/orgs/<org_slug>/events/<event_slug>/publish")
@org_role_required(*ORGANIZER_ROLES)
def publish_event(org: Organization, event_slug: str):
    return _change_status(_event_or_404(org, event_slug), event_service.publish_event,
                          "is published. Everyone can see it now.")


@bp.post("/orgs/<org_slug>/events/<event_slug>/cancel")
@org_role_required(*ORGANIZER_ROLES)
def cancel_event(org: Organization, event_slug: str):
    return _change_status(_event_or_404(org, event_slug), event_service.cancel_event,
                          "is cancelled. Its page now says so.")


def _change_status(event: Event, change, done: str):
    try:
        change(current_user, event)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        page_cache.invalidate(event.slug)
        flash(f"“{event.title}” {done}", "success")
    return hx_redirect(_manage_url(event))
