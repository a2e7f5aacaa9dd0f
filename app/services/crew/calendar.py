"""Calendars: a personal iCal feed of confirmed shifts (secret, revocable URL) and one .ics
per shift.

The feed token is an HMAC of the person's id and the feed's version under the app secret, so
nothing secret is stored; revoking bumps the version and every older URL stops working.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.crew import ON_SHIFT, CrewAssignment, CrewFeed, Shift
from app.models.types import utcnow


def _digest(user_id: int, version: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"crew-feed:{user_id}:{version}".encode(), hashlib.sha256).hexdigest()


def feed_token(user: User) -> str | None:
    """The person's current feed token, None while the feed is off."""
    feed = db.session.get(CrewFeed, user.id)
    if feed is None or not feed.active:
        return None
    return f"{user.id}.{_digest(user.id, feed.version)[:40]}"


def enable_feed(user: User) -> str:
    """Turn the feed on (a new URL if it was revoked before); returns the token."""
    feed = db.session.get(CrewFeed, user.id)
    if feed is None:
        feed = CrewFeed(user_id=user.id, version=1, active=True)
        db.session.add(feed)
    elif not feed.active:
        feed.version, feed.active = feed.version + 1, True
    db.session.flush()
    return feed_token(user)


def revoke_feed(user: User) -> None:
    """Stop the current feed URL from working."""
    feed = db.session.get(CrewFeed, user.id)
    if feed is not None and feed.active:
        feed.active = False
        feed.version += 1
        db.session.flush()


def user_for_feed(token: str) -> User | None:
    """Whose feed `token` opens (None when wrong or revoked)."""
    user_id, _, digest = token.partition(".")
    if not user_id.isdigit():
        return None
    feed = db.session.get(CrewFeed, int(user_id))
    if feed is None or not feed.active:
        return None
    if not hmac.compare_digest(digest, _digest(feed.user_id, feed.version)[:40]):
        return None
    return db.session.get(User, feed.user_id)


def _entry(assignment: CrewAssignment) -> CalendarEvent:
    shift = assignment.shift
    entry = CalendarEvent()
    entry.add("uid", f"crew-assignment-{assignment.id}@marquee")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", shift.starts_at)
    entry.add("dtend", shift.ends_at)
    entry.add("summary", f"{shift.role.name} · {shift.event.title}")
    entry.add("location", shift.location or "")
    entry.add("description", shift.instructions or "")
    return entry


def _calendar(assignments: list[CrewAssignment], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Marquee//Crew//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for assignment in assignments:
        calendar.add_component(_entry(assignment))
    return calendar.to_ical()


def feed_calendar(user: User) -> bytes:
    """Every shift the person is confirmed for (times in UTC)."""
    assignments = db.session.scalars(
        select(CrewAssignment).join(Shift).where(CrewAssignment.user_id == user.id,
                                                 CrewAssignment.status.in_(ON_SHIFT))
        .order_by(Shift.starts_at))
    return _calendar(list(assignments), "Marquee shifts")


def shift_calendar(assignment: CrewAssignment) -> bytes:
    """One shift as a calendar file."""
    return _calendar([assignment], "Marquee shift")
