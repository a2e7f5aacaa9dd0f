"""Demo data for `flask seed-demo`: one organization, a venue, a published multi-day event
with sessions, and a verified user for every role.

Running it again is safe: the demo accounts keep their email addresses and get fresh
passwords (the only copy of a password is what the command prints), and the organization,
venue and event are reused. Later capabilities add their own step to `seed_demo` (a seat
map for the venue, booths, shifts...), each a function taking the `DemoResult` so far.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Event, EventSession, EventStatus, Membership, Organization, Role, User, Venue
from app.models.types import utcnow
from app.services.passwords import hash_password, password_problem

DEMO_DOMAIN = "demo.marquee.example"
DEMO_ORG_SLUG = "marquee-demo-productions"
DEMO_EVENT_SLUG = "lusaka-lights-festival"
DEMO_TIMEZONE = "Africa/Lusaka"
# role key → display name; the key is also the local part of the email address.
DEMO_PEOPLE = {
    "organizer": "Olivia Organizer",
    "gate": "Gabriel Gate",
    "attendee": "Amara Attendee",
    "vendor": "Victor Vendor",
    "crew": "Chipo Crew",
    "admin": "Sam Siteadmin",
}


@dataclass
class DemoResult:
    """What the seed created or reused, with the plain-text passwords it just set."""

    users: dict[str, User] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    organization: Organization | None = None
    event: Event | None = None

    def as_dict(self) -> dict:
        """The `--json` shape: credentials per role and the event's slug."""
        return {
            "users": {role: {"email": user.email, "password": self.passwords[role]}
                      for role, user in self.users.items()},
            "event": {"slug": self.event.slug if self.event else None},
        }


def database_has_users() -> bool:
    return db.session.execute(db.select(User.id).limit(1)).first() is not None


def random_password() -> str:
    """A random password that satisfies the password policy."""
    while True:
        candidate = secrets.token_urlsafe(15)
        if password_problem(candidate) is None:
            return candidate


def seed_demo(now: datetime | None = None) -> DemoResult:
    """Create (or refresh) the demo world and return it. The caller commits."""
    result = DemoResult()
    seed_users(result)
    seed_organization(result)
    seed_event(result, now or utcnow())
    seed_seat_map(result)
    db.session.flush()
    return result


def seed_users(result: DemoResult) -> None:
    """One verified user per demo role, each with a new random password."""
    for role, name in DEMO_PEOPLE.items():
        email = f"{role}@{DEMO_DOMAIN}"
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, session_version=0)
            db.session.add(user)
        password = random_password()
        user.password_hash = hash_password(password)
        user.email_verified_at = user.email_verified_at or utcnow()
        user.is_site_admin = role == "admin"
        # New passwords end the sessions opened with the old ones.
        user.session_version = (user.session_version or 0) + 1
        result.users[role], result.passwords[role] = user, password
    db.session.flush()


def seed_organization(result: DemoResult) -> None:
    """The demo organization: the organizer owns it, the gate user checks tickets in."""
    org = db.session.execute(
        db.select(Organization).filter_by(slug=DEMO_ORG_SLUG)).scalar_one_or_none()
    if org is None:
        org = Organization(name="Marquee Demo Productions", slug=DEMO_ORG_SLUG,
                           contact_email=result.users["organizer"].email)
        db.session.add(org)
        db.session.flush()
    for role_key, role in (("organizer", Role.OWNER), ("gate", Role.GATE)):
        user = result.users[role_key]
        membership = db.session.execute(db.select(Membership).filter_by(
            user_id=user.id, organization_id=org.id)).scalar_one_or_none()
        if membership is None:
            db.session.add(Membership(user=user, organization=org, role=role))
        else:
            membership.role = role
    result.organization = org
    db.session.flush()


def seed_event(result: DemoResult, now: datetime) -> None:
    """A published three-day festival starting five days from `now`, one session a day."""
    event = db.session.execute(
        db.select(Event).filter_by(slug=DEMO_EVENT_SLUG)).scalar_one_or_none()
    if event is not None:
        result.event = event
        return
    org = result.organization
    venue = Venue(organization=org, name="Showgrounds Arena",
                  address="Great East Road, Lusaka, Zambia", timezone=DEMO_TIMEZONE)
    tz = ZoneInfo(DEMO_TIMEZONE)
    first_day = (now.astimezone(tz) + timedelta(days=5)).date()
    days = [first_day + timedelta(days=n) for n in range(3)]

    def at(day, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=tz)

    event = Event(
        organization=org, venue=venue, title="Lusaka Lights Festival", slug=DEMO_EVENT_SLUG,
        category="festival", timezone=DEMO_TIMEZONE, currency="ZMW",
        description=("Three evenings of live music under the lights: local bands, "
                     "food stalls and a late-night closing set each day."),
        starts_at=at(days[0], 16), ends_at=at(days[-1], 23), status=EventStatus.PUBLISHED,
    )
    for n, day in enumerate(days, start=1):
        event.sessions.append(EventSession(name=f"Day {n}", starts_at=at(day, 16),
                                           ends_at=at(day, 23)))
    db.session.add(event)
    result.event = event
    db.session.flush()


def seed_seat_map(result: DemoResult) -> None:
    """The demo hall's seat map (1,548 seats, three zones, wheelchair spaces), attached once."""
    from app.services import seating

    event = result.event
    if seating.event_seating(event) is None:
        seating.attach_seat_map(event, seating.demo_seat_map(event.venue), seating.DEMO_PRICES)
        db.session.flush()
