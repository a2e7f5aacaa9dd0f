"""Events: creation, sessions, publication and the public listing.

Times arrive as local wall-clock times in the event's IANA timezone and are stored as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.numbers import list_currencies
from sqlalchemy import bindparam, or_
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Event, EventSession, EventStatus, Organization, User, Venue
from app.models.events import CATEGORIES, PUBLIC_STATUSES
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.organizations import RESERVED_SLUGS, record_audit, slugify, unique_slug

PAGE_SIZE = 24


@dataclass
class EventDraft:
    """What the create-event form collects, as plain values."""

    title: str
    category: str
    description: str
    venue_name: str
    venue_address: str
    timezone: str
    starts_local: datetime
    ends_local: datetime
    currency: str
    slug: str = ""


# ---------------------------------------------------------------- time zones

def timezone_names() -> list[str]:
    """IANA zone names people pick from ("Africa/Lusaka"), sorted."""
    return sorted(name for name in available_timezones() if "/" in name or name == "UTC")


def zone(name: str) -> ZoneInfo:
    """The zone called `name`, or a DomainError on the timezone field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError("Choose a timezone from the list, like Africa/Lusaka.",
                          field="timezone") from exc


def local_to_utc(local: datetime, timezone: str, field: str = "starts_at") -> datetime:
    """A naive wall-clock time in `timezone` as an aware UTC datetime.

    A time skipped by a daylight-saving change does not exist there and is refused.
    """
    tz = zone(timezone)
    aware = local.replace(tzinfo=tz)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(f"{local:%H:%M} does not exist on that day in {timezone} (the clocks "
                          "change). Pick another time.", field=field)
    return as_utc


def _span(starts_local: datetime, ends_local: datetime, timezone: str,
          prefix: str = "") -> tuple[datetime, datetime]:
    starts = local_to_utc(starts_local, timezone, f"{prefix}starts_at")
    ends = local_to_utc(ends_local, timezone, f"{prefix}ends_at")
    if ends <= starts:
        raise DomainError("The end must be after the start.", field=f"{prefix}ends_at")
    return starts, ends


# ---------------------------------------------------------------- organizer side

def create_event(actor: User, org: Organization, draft: EventDraft) -> Event:
    """Create a draft event with its venue and one session spanning the whole event."""
    starts, ends = _span(draft.starts_local, draft.ends_local, draft.timezone)
    currency = draft.currency.strip().upper()
    if currency not in list_currencies():
        raise DomainError("Use a three-letter currency code, like ZMW or USD.", field="currency")
    if draft.category not in CATEGORIES:
        raise DomainError("Choose a category from the list.", field="category")
    slug = _event_slug(draft.slug, draft.title)
    venue = Venue(organization=org, name=draft.venue_name.strip(),
                  address=draft.venue_address.strip() or None, timezone=draft.timezone)
    event = Event(organization=org, venue=venue, title=draft.title.strip(), slug=slug,
                  category=draft.category, description=draft.description.strip(),
                  starts_at=starts, ends_at=ends, timezone=draft.timezone, currency=currency,
                  status=EventStatus.DRAFT)
    event.sessions.append(EventSession(name=event.title[:120], starts_at=starts, ends_at=ends))
    db.session.add(event)
    db.session.flush()
    record_audit(actor, org, "event.created", event, slug=slug)
    return event


def _event_slug(requested: str, title: str) -> str:
    """The organizer's slug if free (normalised), else one made from the title."""
    requested = slugify(requested or "")
    if not requested:
        return unique_slug(Event, title)
    taken = db.session.execute(db.select(Event.id).filter_by(slug=requested)).first()
    if taken or requested in RESERVED_SLUGS:
        raise DomainError("Another event already uses this web address.", field="slug")
    return requested


def add_session(actor: User, event: Event, name: str, starts_local: datetime,
                ends_local: datetime) -> EventSession:
    """Add a day or slot to `event`; it must fall within the event's start and end."""
    if event.status == EventStatus.CANCELLED:
        raise DomainError("This event is cancelled; its sessions cannot change.")
    starts, ends = _span(starts_local, ends_local, event.timezone, prefix="session_")
    if starts < event.starts_at or ends > event.ends_at:
        raise DomainError("A session must fall within the event's start and end.",
                          field="session_starts_at")
    session = EventSession(event=event, name=name.strip(), starts_at=starts, ends_at=ends)
    db.session.add(session)
    db.session.flush()
    record_audit(actor, event.organization, "event.session_added", session, event_id=event.id)
    return session


def remove_session(actor: User, event: Event, session: EventSession) -> None:
    """Remove a session while the event is a draft; an event keeps at least one session."""
    if event.status != EventStatus.DRAFT:
        raise DomainError("Sessions can only be removed while the event is a draft.")
    if len(event.sessions) <= 1:
        raise DomainError("An event needs at least one session.")
    record_audit(actor, event.organization, "event.session_removed", session, name=session.name)
    event.sessions.remove(session)
    db.session.flush()


def publish_event(actor: User, event: Event) -> Event:
    """Make a draft event public."""
    if event.status != EventStatus.DRAFT:
        raise DomainError("Only a draft event can be published.")
    if not event.sessions:
        raise DomainError("Add at least one session before publishing.")
    event.status = EventStatus.PUBLISHED
    record_audit(actor, event.organization, "event.published", event)
    db.session.flush()
    return event


def cancel_event(actor: User, event: Event) -> Event:
    """Cancel a draft or published event; its page stays up and says so."""
    if event.status == EventStatus.CANCELLED:
        raise DomainError("This event is already cancelled.")
    event.status = EventStatus.CANCELLED
    record_audit(actor, event.organization, "event.cancelled", event)
    db.session.flush()
    return event


def events_of(org: Organization, *, public_only: bool = False) -> list[Event]:
    """The organization's events, soonest first; drafts too unless `public_only`."""
    query = db.select(Event).where(Event.organization_id == org.id).order_by(Event.starts_at)
    if public_only:
        query = query.where(Event.status != EventStatus.DRAFT)
    return list(db.session.execute(query).scalars())


def org_event(org: Organization, slug: str) -> Event | None:
    """The event `slug` of `org` (None when it belongs to someone else)."""
    return db.session.execute(
        db.select(Event).filter_by(organization_id=org.id, slug=slug)
    ).scalar_one_or_none()


def event_session(event: Event, session_id: int) -> EventSession | None:
    session = db.session.get(EventSession, session_id)
    return session if session is not None and session.event_id == event.id else None


# ---------------------------------------------------------------- public side

def upcoming_public_events(limit: int = 6) -> list[Event]:
    return list(db.session.execute(
        db.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
        .order_by(Event.starts_at).limit(limit)
    ).scalars())


_BY_SLUG = db.select(Event).where(Event.slug == bindparam("slug"))  # built once: a hot lookup


def visible_event(slug: str, user: User | None) -> Event | None:
    """The event at `slug` if `user` may see it: public events for all, drafts for members."""
    event = db.session.execute(_BY_SLUG, {"slug": slug}).scalar_one_or_none()
    return _if_visible(event, user)


def page_event(slug: str, user: User | None) -> Event | None:
    """`visible_event` with what the event page shows (venue, organization, sessions) loaded
    in the same statement."""
    event = db.session.execute(
        db.select(Event).filter_by(slug=slug)
        .options(joinedload(Event.venue), joinedload(Event.organization),
                 joinedload(Event.sessions))
    ).unique().scalar_one_or_none()
    return _if_visible(event, user)


def public_status(slug: str) -> EventStatus | None:
    """The status of the event at `slug` (None when there is none): one indexed lookup."""
    return db.session.execute(
        db.select(Event.status).filter_by(slug=slug)).scalar_one_or_none()


def _if_visible(event: Event | None, user: User | None) -> Event | None:
    if event is None or not may_see(event.status, event.organization_id, user):
        return None
    return event


def may_see(status: EventStatus, organization_id: int, user: User | None) -> bool:
    """Whether `user` may see an event: public events for all, drafts for members."""
    if status in PUBLIC_STATUSES:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.is_site_admin or any(m.organization_id == organization_id
                                     for m in user.memberships)


@dataclass
class EventSearch:
    q: str = ""
    category: str = ""
    when: str = "upcoming"  # or "past"
    page: int = 1


@dataclass
class EventPage:
    events: list[Event]
    has_next: bool
    search: EventSearch


def search_public_events(search: EventSearch, now: datetime | None = None) -> EventPage:
    """Public events matching `search`: upcoming soonest first, or past most recent first.

    `q` matches title, description or venue name, case-insensitively on every backend.
    """
    now = now or utcnow()
    query = (db.select(Event).outerjoin(Event.venue)
             .where(Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED])))
    if search.when == "past":
        query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at)
    if search.category in CATEGORIES:
        query = query.where(Event.category == search.category)
    q = search.q.strip()
    if q:
        query = query.where(or_(Event.title.icontains(q, autoescape=True),
                                Event.description.icontains(q, autoescape=True),
                                Venue.name.icontains(q, autoescape=True)))
    page = max(search.page, 1)
    rows = list(db.session.execute(
        query.order_by(Event.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).scalars())
    return EventPage(events=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, search=search)
