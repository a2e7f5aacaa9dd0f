"""What the crew portal shows one person: invitations, upcoming shifts, open shifts, history.

Only the person's own assignments, and open shifts of organizations whose crew pool they are
in, filtered to roles they qualify for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Event, User
from app.models.crew import (
    ON_SHIFT,
    AssignmentStatus,
    CrewAssignment,
    CrewProfile,
    Shift,
)
from app.models.types import utcnow
from app.services.crew import roles
from app.services.crew.assignments import cancel_deadline, who_to_contact
from app.services.crew.shifts import taken_places


@dataclass
class OpenShift:
    shift: Shift
    free: int

    @property
    def full(self) -> bool:
        return self.free <= 0


@dataclass
class EventHours:
    event: Event
    assignments: list[CrewAssignment] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((a.hours or Decimal(0) for a in self.assignments), Decimal(0))


@dataclass
class Portal:
    invitations: list[CrewAssignment]
    upcoming: list[CrewAssignment]
    open_shifts: list[OpenShift]
    history: list[EventHours]
    season_hours: Decimal


def _mine(user: User, statuses, query_filter) -> list[CrewAssignment]:
    return list(db.session.scalars(
        select(CrewAssignment).join(Shift).where(
            CrewAssignment.user_id == user.id, CrewAssignment.status.in_(statuses),
            query_filter).order_by(Shift.starts_at, CrewAssignment.id)))


def open_shifts_for(user: User, now: datetime) -> list[OpenShift]:
    """Self sign-up shifts of the person's pools, future, qualified roles, not already on."""
    profiles = {p.organization_id: p for p in db.session.scalars(
        select(CrewProfile).where(CrewProfile.user_id == user.id))}
    if not profiles:
        return []
    mine = select(CrewAssignment.shift_id).where(CrewAssignment.user_id == user.id,
                                                CrewAssignment.status.in_(ON_SHIFT))
    shifts = db.session.scalars(select(Shift).join(Event).where(
        Event.organization_id.in_(profiles), Shift.self_signup.is_(True),
        Shift.starts_at > now, Shift.id.not_in(mine)).order_by(Shift.starts_at))
    shifts = [s for s in shifts
              if not roles.missing_qualifications(s.role, profiles[s.event.organization_id])]
    taken = taken_places([s.id for s in shifts])
    return [OpenShift(s, s.headcount - taken.get(s.id, 0)) for s in shifts]


def _history(user: User) -> list[EventHours]:
    done = _mine(user, (AssignmentStatus.COMPLETED,), True)
    by_event: dict[int, EventHours] = {}
    for assignment in done:
        event = assignment.shift.event
        by_event.setdefault(event.id, EventHours(event)).assignments.append(assignment)
    return sorted(by_event.values(), key=lambda h: h.event.starts_at, reverse=True)


def portal_for(user: User, now: datetime | None = None) -> Portal:
    """Everything the portal page shows, in time order."""
    now = now or utcnow()
    season_start = datetime(now.year, 1, 1, tzinfo=UTC)
    history = _history(user)
    season = sum((a.hours or Decimal(0) for h in history for a in h.assignments
                  if a.shift.starts_at >= season_start), Decimal(0))
    return Portal(
        invitations=_mine(user, (AssignmentStatus.INVITED,), Shift.starts_at > now),
        upcoming=_mine(user, (AssignmentStatus.CONFIRMED, AssignmentStatus.CHECKED_IN),
                       Shift.ends_at > now),
        open_shifts=open_shifts_for(user, now),
        history=history,
        season_hours=season,
    )


def can_cancel(assignment: CrewAssignment, now: datetime | None = None) -> bool:
    return (assignment.status == AssignmentStatus.CONFIRMED
            and (now or utcnow()) < cancel_deadline(assignment.shift))


def contact_for(assignment: CrewAssignment) -> str:
    return who_to_contact(assignment.shift)


def has_crew_assignments(user: User) -> bool:
    """Whether to show the Crew link: the person has ever been on or invited to a shift
    (read with the person by the login loader, else here)."""
    from app.services.accounts import ON_CREW

    known = user.__dict__.get(ON_CREW)
    if known is not None:
        return known
    return db.session.scalar(select(CrewAssignment.id).where(
        CrewAssignment.user_id == user.id).limit(1)) is not None


@dataclass
class UpcomingCard:
    """One confirmed shift as the portal shows it."""

    assignment: CrewAssignment
    roster: list
    briefings: list
    qr: str
    can_cancel: bool
    contact: str


def upcoming_cards(upcoming: list[CrewAssignment], now: datetime | None = None
                   ) -> list[UpcomingCard]:
    """Roster, briefings, signed crew QR and cancel rule of each upcoming shift."""
    from app.services.crew.briefings import briefings_for, roster_for
    from app.services.crew.credentials import crew_code
    from app.services.tickets.qr import qr_svg

    return [UpcomingCard(a, roster_for(a.shift), briefings_for(a.shift),
                         qr_svg(crew_code(a), label=f"Crew QR code for {a.shift.role.name}"),
                         can_cancel(a, now), contact_for(a)) for a in upcoming]


def shift_for_signup(shift_id: int, user: User) -> Shift | None:
    """A shift of an organization whose crew pool the person is in (None otherwise)."""
    return db.session.scalar(select(Shift).join(Event).join(
        CrewProfile, CrewProfile.organization_id == Event.organization_id).where(
        Shift.id == shift_id, CrewProfile.user_id == user.id))


def event_with_hours(event_id: int, user: User) -> Event | None:
    """An event where the person completed a shift (None otherwise)."""
    return db.session.scalar(select(Event).join(Shift).join(CrewAssignment).where(
        Event.id == event_id, CrewAssignment.user_id == user.id,
        CrewAssignment.status == AssignmentStatus.COMPLETED).limit(1))
