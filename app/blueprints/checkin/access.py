"""Route guards: gate staff (of the organization or of this one event) and organizers."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Event
from app.services.checkin.access import scannable_event


def gate_access_required(view):
    """Load `event_slug` as `event`; the user must be allowed to scan for it, else 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, event_slug: str, **kwargs):
        event = scannable_event(current_user, event_slug)
        if event is None:
            abort(404)
        g.event = event
        return view(*args, event=event, **kwargs)

    return wrapped


def organizer_event(org, event_slug: str) -> Event:
    """The organization's event called `event_slug` (404 for any other)."""
    event = db.session.execute(
        db.select(Event).filter_by(slug=event_slug, organization_id=org.id)
    ).scalar_one_or_none()
    if event is None:
        abort(404)
    return event
