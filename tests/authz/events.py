"""Authorization matrix: the public event list and pages, and the organizer's event screens."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Event, EventSession, EventStatus, Venue
from tests.authz import Route

ORGANIZER_PAGE = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORGANIZER_POST = dict(ORGANIZER_PAGE, organizer=303, site_admin=303)


def _draft(world) -> Event:
    """A draft event of world.org with two sessions."""
    start = world.event.starts_at + timedelta(days=7)
    event = Event(organization_id=world.org.id, title="Matrix Draft", slug="matrix-draft",
                  venue=Venue(organization_id=world.org.id, name="Matrix Hall"),
                  starts_at=start, ends_at=start + timedelta(days=1), status=EventStatus.DRAFT,
                  timezone="Africa/Lusaka", currency="ZMW")
    for n in range(2):
        event.sessions.append(EventSession(name=f"Day {n + 1}",
                                           starts_at=start + timedelta(hours=12 * n),
                                           ends_at=start + timedelta(hours=12 * n + 6)))
    db.session.add(event)
    db.session.commit()
    return event


def _manage(world, event: Event, action: str = "") -> str:
    return f"/orgs/{world.org.slug}/events/{event.slug}{action}"


def _local(value, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def _new_event_form(world) -> dict:
    return {"title": "Matrix Gig", "category": "concert", "venue_name": "Matrix Club",
            "timezone": "Africa/Lusaka", "starts_at": "2031-01-10T19:00",
            "ends_at": "2031-01-10T23:00", "currency": "ZMW", "description": ""}


def _session_form(world) -> dict:
    event = world.event
    start = event.starts_at + timedelta(minutes=1)  # the form has no seconds: round up
    return {"session_name": "Early set",
            "session_starts_at": _local(start, event.timezone),
            "session_ends_at": _local(start + timedelta(hours=1), event.timezone)}


def _removable_session_url(world) -> str:
    event = _draft(world)
    return _manage(world, event, f"/sessions/{event.sessions[0].id}/remove")


DRAFT_PAGE = {"*": 404, "gate": 200, "organizer": 200, "site_admin": 200}

ROUTES = [
    Route("events.list_events", "GET", lambda w: "/events?q=event&category=concert",
          {"*": 200}),
    Route("events.list_events", "GET", lambda w: "/events?when=past", {"*": 200}, htmx=True),
    Route("events.event_page", "GET", lambda w: f"/events/{w.event.slug}", {"*": 200}),
    Route("events.event_page", "GET", lambda w: f"/events/{_draft(w).slug}", DRAFT_PAGE,
          note="a draft is visible to its organization's members only"),
    Route("events.create_event", "GET", lambda w: f"/orgs/{w.org.slug}/events/new",
          ORGANIZER_PAGE),
    Route("events.create_event", "POST", lambda w: f"/orgs/{w.org.slug}/events/new",
          ORGANIZER_POST, data=_new_event_form),
    Route("events.manage_event", "GET", lambda w: _manage(w, w.event), ORGANIZER_PAGE),
    Route("events.manage_event", "GET", lambda w: f"/orgs/{w.org.slug}/events/"
          f"{w.other_event.slug}", dict(ORGANIZER_PAGE, organizer=404, site_admin=404),
          note="another organization's event under our organization's URL"),
    Route("events.add_session", "POST", lambda w: _manage(w, w.event, "/sessions"),
          ORGANIZER_POST, data=_session_form),
    Route("events.remove_session", "POST", _removable_session_url, ORGANIZER_POST),
    Route("events.publish_event", "POST", lambda w: _manage(w, _draft(w), "/publish"),
          ORGANIZER_POST),
    Route("events.cancel_event", "POST", lambda w: _manage(w, w.event, "/cancel"),
          ORGANIZER_POST),
]
