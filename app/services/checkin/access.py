"""Who may scan at an event's gates, and the organizers' gate settings."""

from __future__ import annotations

from sqlalchemy import exists, or_, select, true

from app.extensions import db
from app.models.accounts import ORGANIZER_ROLES, Membership, Role, User
from app.models.checkin import CheckinSettings, EventGateAssignment
from app.models.events import Event
from app.services.errors import DomainError

SCANNING_ROLES = (*ORGANIZER_ROLES, Role.GATE)


def can_scan(user: User, event: Event) -> bool:
    """Organizers and gate staff of the event's organization, or gate staff of this event."""
    if user.is_site_admin:
        return True
    member = db.session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.organization_id == event.organization_id,
        Membership.role.in_(SCANNING_ROLES)))
    if member is not None:
        return True
    return db.session.scalar(select(EventGateAssignment.id).where(
        EventGateAssignment.event_id == event.id, EventGateAssignment.user_id == user.id)
    ) is not None


def scannable_event(user: User, slug: str) -> Event | None:
    """The event called `slug` if `user` may scan for it (one query), else None."""
    member = exists().where(Membership.user_id == user.id,
                            Membership.organization_id == Event.organization_id,
                            Membership.role.in_(SCANNING_ROLES))
    assigned = exists().where(EventGateAssignment.event_id == Event.id,
                              EventGateAssignment.user_id == user.id)
    allowed = true() if user.is_site_admin else or_(member, assigned)
    return db.session.scalar(select(Event).where(Event.slug == slug, allowed))


def is_organizer(user: User, event: Event) -> bool:
    """Owner or manager of the event's organization (or a site admin)."""
    return user.is_site_admin or db.session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.organization_id == event.organization_id,
        Membership.role.in_(ORGANIZER_ROLES))) is not None


def scannable_events(user: User) -> list[Event]:
    """The events `user` may scan for, soonest first."""
    orgs = select(Membership.organization_id).where(Membership.user_id == user.id,
                                                    Membership.role.in_(SCANNING_ROLES))
    assigned = select(EventGateAssignment.event_id).where(EventGateAssignment.user_id == user.id)
    return list(db.session.scalars(
        select(Event).where(or_(Event.organization_id.in_(orgs), Event.id.in_(assigned)))
        .order_by(Event.starts_at)))


def allows_reentry(event_id: int) -> bool:
    settings = db.session.get(CheckinSettings, event_id)
    return bool(settings and settings.allow_reentry)


def set_reentry(event: Event, allowed: bool) -> None:
    """Turn re-entry (exit scans) on or off for the event."""
    settings = db.session.get(CheckinSettings, event.id)
    if settings is None:
        settings = CheckinSettings(event_id=event.id)
        db.session.add(settings)
    settings.allow_reentry = allowed
    db.session.flush()


def assign_gate_staff(event: Event, email: str) -> User:
    """Give the account with `email` the gate role for this event only."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise DomainError("No account uses that email; ask them to sign up first.", "email")
    exists = db.session.scalar(select(EventGateAssignment.id).where(
        EventGateAssignment.event_id == event.id, EventGateAssignment.user_id == user.id))
    if exists is None:
        db.session.add(EventGateAssignment(event_id=event.id, user_id=user.id))
        db.session.flush()
    return user


def remove_gate_staff(event: Event, assignment_id: int) -> User | None:
    """Take away this event's gate role from the person of assignment `assignment_id`; the
    person, or None when the assignment is not one of this event's. Their next scan is
    refused (the right to scan is checked on every scan)."""
    assignment = db.session.scalar(select(EventGateAssignment).where(
        EventGateAssignment.id == assignment_id, EventGateAssignment.event_id == event.id))
    if assignment is None:
        return None
    user = assignment.user
    db.session.delete(assignment)
    db.session.flush()
    return user


def gate_staff(event: Event) -> list[EventGateAssignment]:
    """People with the gate role for this event only."""
    return list(db.session.scalars(select(EventGateAssignment).where(
        EventGateAssignment.event_id == event.id).order_by(EventGateAssignment.id)))
