"""The seat map page: hold, release, best available, general admission, live changes.
Views parse, call one seating service, commit, and draw blocks of `seating/seats.html`
(see `render`). A hold answers from what the service read under its lock: one event lookup
plus the service's statements, nothing more.
"""

from __future__ import annotations

import time

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user, user_logged_in

from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.seating import bp
from app.blueprints.seating.forms import GeneralAdmissionForm, SeatForm
from app.blueprints.seating.render import (
    PAGE,
    best_form,
    cart_id,
    cart_message,
    context,
    done,
    live_answer,
    page,
)
from app.commits import commit_keeping_loaded, end_reads
from app.extensions import db
from app.models import Event
from app.services import seating
from app.services.errors import DomainError
from app.services.events import visible_event
from app.web import db_int, is_htmx, no_change, render_page_or_block


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@user_logged_in.connect
def keep_cart_on_login(app, user, **extra) -> None:
    """Logging in keeps the cart (it stays in the session, which login does not clear) and
    makes its holds this person's. The login view has committed already; this commits the
    holds' new owner."""
    if seating.attach_cart(session.get("cart_id"), user.id):
        db.session.commit()


def _event_or_404(slug: str, *, seated: bool = True) -> Event:
    """The visible event; with `seated`, also checks it has a seat map (its settings are
    then in the session, so answers need no query for them)."""
    event = visible_event(slug, current_user)
    if event is None or (seated and seating.event_seating(event) is None):
        abort(404)
    return event


def _seat_id(seat_id: int | None) -> int:
    if seat_id is not None:
        return seat_id
    form = SeatForm()
    if not form.validate():
        abort(400)
    return form.seat_id.data


@bp.get("/events/<slug>/seats")
def seat_map(slug: str):
    event = _event_or_404(slug, seated=False)
    # The cart exists before the first click, so polls and holds always carry the same one.
    seats = seating.load_seat_map(event, cart_id(create=True))
    if seats is None:
        abort(404)
    return page(event, seats)


@bp.post("/events/<slug>/seats/<int:seat_id>/hold")
@bp.post("/events/<slug>/seats/hold")
def hold(slug: str, seat_id: int | None = None):
    """The event is looked up by the hold itself (see `seating.hold_at`): on PostgreSQL the
    whole request is one round trip to the database (two for the first click on an event in
    this process), and one more when the seat is refused. A person logged in is read first,
    and that read ended, so that the hold is a transaction of its own for them too."""
    seat_id = _seat_id(seat_id)
    viewer = current_user._get_current_object()  # a person logged in is read here
    end_reads()  # so that the hold is a transaction of its own (see `end_reads`)
    try:
        outcome = seating.hold_at(slug, [seat_id], cart_id(create=True), viewer)
    except seating.NoSeatMap:
        abort(404)
    except DomainError as error:
        db.session.rollback()  # let go of the event's lock before drawing the answer
        seen = getattr(error, "seen", None)
        if seen is not None:  # the seat's true state and the cart, read with the refusal
            return done(seen.event, [seat_id], error.message, error=True, status=409,
                        live=seen.live, settings=seen.settings)
        return done(_event_or_404(slug, seated=False), [seat_id], error.message, error=True,
                    status=409)
    if db.session().in_transaction():  # the hold ran in the session's (SQLite)
        db.session.commit()
    live = outcome.live  # the seat is the cart's: the cart read under the lock draws it too
    changed = seating.LiveView([s for s in live.seats if s.id == seat_id], live.zones, live.cart)
    return done(outcome.event, [seat_id], cart_message(live.cart, "Seat held."), live=changed,
                settings=outcome.settings)


@bp.post("/events/<slug>/seats/<int:seat_id>/release")
@bp.post("/events/<slug>/seats/release")
def release(slug: str, seat_id: int | None = None):
    event, seat_id = _event_or_404(slug), _seat_id(seat_id)
    released = seating.release_seat(event, seat_id, cart_id() or "")
    commit_keeping_loaded()
    live = seating.live_view(event, [seat_id], cart_id())
    message = "Seat released." if released else "That seat was not held by you."
    return done(event, [seat_id], cart_message(live.cart, message), live=live)


@bp.post("/events/<slug>/seats/release-all")
def release_all(slug: str):
    event = _event_or_404(slug)
    held = sorted(seating.cart_summary(event, cart_id()).seat_ids)
    seating.release_cart(event, cart_id() or "")
    commit_keeping_loaded()
    return done(event, held, "All your seats were released.")


@bp.post("/events/<slug>/seats/best")
def best_available(slug: str):
    event = _event_or_404(slug)
    zones = seating.zone_views(event)
    form = best_form(zones, formdata=request.form)
    if not form.validate():
        return _best_answer(event, form, [], "Check the form.", error=True, status=422)
    try:
        choice, _ = seating.hold_best_available(
            event, form.count.data, cart_id(create=True), form.zone_id, _user_id(),
            allow_split=True)
    except DomainError as error:
        show_domain_error(form, error)
        return _best_answer(event, form, [], error.message, error=True, status=409)
    commit_keeping_loaded()
    return _best_answer(event, best_form(zones), list(choice.seat_ids),
                        _best_message(form, zones, choice), picked=True)


def _best_answer(event: Event, form, seat_ids, message, *, error=False, status=200,
                 picked=False):
    if is_htmx():
        return live_answer(event, seat_ids, message, error=error, status=status,
                           main="best_form", best=form, picked=set(seat_ids if picked else ()))
    if form.errors:  # a plain form re-renders the page with its errors
        return page(event, seating.load_seat_map(event, cart_id()), status=422, best=form)
    return done(event, seat_ids, message, error=error, status=status)


def _best_message(form, zones, choice) -> str:
    zone = next((f" in {z.name}" for z in zones if z.id == form.zone_id), "")
    count = form.count.data
    if choice.together:
        return f"We held {count} {'seat' if count == 1 else 'seats'} together{zone}."
    sizes = " + ".join(str(n) for n in choice.sizes)
    return f"No {count} seats together{zone}; we held the best {sizes}."


# ---------------------------------------------------------------- general admission

def _general_type(event: Event, ticket_type_id: int):
    found = [ga for ga in seating.general_admission(event) if ga.ticket_type_id == ticket_type_id]
    if not found:
        abort(404)
    return found[0]


def _general_answer(event: Event, message: str, *, error: bool = False, status: int = 200):
    """The message with the cart, and the general-admission forms (places left) out of band."""
    if not is_htmx():
        return done(event, [], message, error=error, status=status)
    general = [GeneralAdmissionForm.for_type(ga) for ga in seating.general_admission(event)]
    return live_answer(event, [], message, error=error, status=status, general=general,
                       also=("general_admission",))


@bp.post("/events/<slug>/seats/general/<int:ticket_type_id>/hold")
def hold_general(slug: str, ticket_type_id: int):
    event = _event_or_404(slug)
    ga = _general_type(event, ticket_type_id)
    form = GeneralAdmissionForm.for_type(ga, formdata=request.form)
    if not form.validate():
        return _general_answer(event, " ".join(form.quantity.errors), error=True, status=422)
    try:
        seating.hold_general_admission(event, ga.ticket_type_id, form.quantity.data,
                                       cart_id(create=True), _user_id())
    except DomainError as error:
        db.session.rollback()
        return _general_answer(event, error.message, error=True, status=409)
    commit_keeping_loaded()
    count = form.quantity.data
    held = f"{count} {ga.name} {'place' if count == 1 else 'places'} held."
    return _general_answer(event, cart_message(seating.cart_summary(event, cart_id()), held))


@bp.post("/events/<slug>/seats/general/<int:ticket_type_id>/release")
def release_general(slug: str, ticket_type_id: int):
    event = _event_or_404(slug)
    ga = _general_type(event, ticket_type_id)
    freed = seating.release_general_admission(event, ga.ticket_type_id, cart_id() or "")
    commit_keeping_loaded()
    prefix = f"{ga.name} places released." if freed else "You held no such places."
    return _general_answer(event, cart_message(seating.cart_summary(event, cart_id()), prefix))


# ---------------------------------------------------------------- live changes

# slug → (monotonic deadline, event id) of public events, so that an unchanged poll costs
# only the version read (and nothing while that is cached), not an event lookup as well.
_POLLED_EVENTS: dict[str, tuple[float, int]] = {}


def _polled_event_id(slug: str) -> int | None:
    now = time.monotonic()
    cached = _POLLED_EVENTS.get(slug)
    if cached and cached[0] > now:
        return cached[1]
    event = visible_event(slug, current_user)
    if event is None:
        return None
    if event.is_public:  # drafts are checked against the person every time
        if len(_POLLED_EVENTS) > 10_000:
            _POLLED_EVENTS.clear()
        ttl = current_app.config.get("SEAT_POLL_EVENT_TTL", 10)
        _POLLED_EVENTS[slug] = (now + ttl, event.id)
    return event.id


@bp.get("/events/<slug>/seats/changes")
def changes(slug: str):
    """Poll: 204 when nothing changed since `v`, else the changed seats and the new version."""
    event_id, since = _polled_event_id(slug), request.args.get("v", type=db_int)
    if event_id is None or since is None:
        abort(404 if event_id is None else 400)
    found = seating.poll_changes(event_id, since)
    if found is None:
        return no_change()
    db.session.commit()  # due holds may have been released on the way
    event = db.session.get(Event, event_id)
    if event is None or found.seat_ids is None:  # gone, or too far behind: reload the page
        response = no_change()
        response.headers["HX-Refresh"] = "true"
        return response
    changed, zones = seating.live_seats(event, found.seat_ids, cart_id())
    return render_page_or_block(PAGE, "seat_version", oob=("seat_updates",), **context(
        event, None, zones, None, None, changed=changed, version=found.version))


@bp.get("/events/<slug>/seats/cart")
def cart(slug: str):
    """The cart panel again (the countdown asks at zero), with the seats it listed."""
    event = _event_or_404(slug)
    if not is_htmx():
        return redirect(url_for("seating.seat_map", slug=event.slug), code=303)
    seat_ids = request.args.getlist("seat", type=db_int)[:100]
    live = seating.live_view(event, seat_ids, cart_id())
    expired = request.args.get("expired") == "1" and live.cart.empty
    message = "Your hold expired and the seats were released." if expired else ""
    return live_answer(event, seat_ids, message, live=live)
