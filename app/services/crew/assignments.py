"""Who is on which shift: invite, confirm, decline, cancel, sign up.

The two rules (a shift is never overfilled; nobody is on two overlapping shifts) hold under
concurrency because every path that takes a place runs `_take_place`: it locks the person's
user row first (serializing everything one person does), then the shift row, and only then
counts places and looks for clashes. Locks are always taken in that order, so two requests
never wait on each other in a cycle.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Event, User
from app.models.crew import HOLDS_PLACE, ON_SHIFT, AssignmentStatus, CrewAssignment, Shift
from app.models.types import utcnow
from app.services.crew import roles
from app.services.crew.errors import (
    InvalidTransition,
    NotQualified,
    PastCutoff,
    ShiftClash,
    ShiftFull,
)
from app.services.crew.notify import send_assignment_email, shift_summary
from app.services.errors import DomainError
from app.services.tickets.mail import public_url


def _guard_on() -> bool:
    """Tests switch the locks off (CREW_GUARD_OFF, honoured only when TESTING) to show that
    the race they prevent is real."""
    config = current_app.config
    return not (config.get("TESTING") and config.get("CREW_GUARD_OFF"))


def _race_pause() -> None:
    config = current_app.config
    if config.get("TESTING") and config.get("CREW_RACE_PAUSE"):
        time.sleep(float(config["CREW_RACE_PAUSE"]))


def _lock(model: type, row_id: int):
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    return db.session.scalar(query.with_for_update() if _guard_on() else query)


def clash_for(user_id: int, shift: Shift) -> Shift | None:
    """A shift the person is on that overlaps `shift` (touching ends do not overlap)."""
    return db.session.scalar(
        select(Shift).join(CrewAssignment, CrewAssignment.shift_id == Shift.id).where(
            CrewAssignment.user_id == user_id, CrewAssignment.status.in_(ON_SHIFT),
            Shift.id != shift.id, Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at).order_by(Shift.starts_at).limit(1))


def places_taken(shift_id: int) -> int:
    return len(db.session.scalars(select(CrewAssignment.id).where(
        CrewAssignment.shift_id == shift_id, CrewAssignment.status.in_(HOLDS_PLACE))).all())


def ensure_qualified(shift: Shift, user_id: int) -> None:
    profile = roles.profile_of(shift.event.organization_id, user_id)
    missing = roles.missing_qualifications(shift.role, profile)
    if missing:
        raise NotQualified(f"{shift.role.name} needs: {', '.join(missing)}.")


def _take_place(shift: Shift, user_id: int) -> Shift:
    """Lock person then shift, and check room, qualification and clashes; the locked shift."""
    _lock(User, user_id)
    shift = _lock(Shift, shift.id)
    ensure_qualified(shift, user_id)
    clash = clash_for(user_id, shift)
    if clash is not None:
        s = shift_summary(clash)
        raise ShiftClash(f"This overlaps your shift as {s['role']} at {s['event']}, "
                         f"{s['starts']}–{s['ends']}.")
    if places_taken(shift.id) >= shift.headcount:
        raise ShiftFull("This shift is already full.")
    _race_pause()
    return shift


def _transition(assignment: CrewAssignment, status: AssignmentStatus) -> None:
    assignment.status = status
    assignment.version += 1
    assignment.responded_at = utcnow()


def _existing(shift_id: int, email: str) -> CrewAssignment | None:
    return db.session.scalar(select(CrewAssignment).where(
        CrewAssignment.shift_id == shift_id, CrewAssignment.email == email))


def invite_user(shift: Shift, user: User) -> CrewAssignment:
    """Invite a registered person to a shift (they confirm or decline in the portal)."""
    if not user.is_verified:
        raise DomainError(f"{user.name} has not confirmed their email address yet; "
                          "unverified accounts cannot be assigned.", "email")
    ensure_qualified(shift, user.id)
    assignment = _existing(shift.id, user.email)
    if assignment is not None and assignment.status not in (AssignmentStatus.DECLINED,
                                                            AssignmentStatus.CANCELLED):
        raise InvalidTransition(f"{user.name} is already on this shift.", "email")
    if assignment is None:
        assignment = CrewAssignment(shift_id=shift.id, email=user.email, user_id=user.id)
        db.session.add(assignment)
    assignment.user_id, assignment.status = user.id, AssignmentStatus.INVITED
    assignment.invited_at, assignment.decline_reason = utcnow(), None
    if roles.profile_of(shift.event.organization_id, user.id) is None:
        roles.add_to_pool(shift.event.organization, user, [])
    db.session.flush()
    send_assignment_email(assignment, "crew_invitation",
                          f"Shift invitation: {shift.role.name} at {shift.event.title}")
    return assignment


def invite_by_email(shift: Shift, email: str) -> CrewAssignment:
    """Invite an address: a registered person directly, anyone else with a single-use link
    they accept after logging in or signing up."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return invite_user(shift, user)
    if _existing(shift.id, email) is not None:
        raise InvalidTransition(f"{email} is already invited to this shift.", "email")
    token = secrets.token_urlsafe(24)
    assignment = CrewAssignment(shift_id=shift.id, email=email, status=AssignmentStatus.INVITED,
                                invite_token_hash=_hash(token))
    db.session.add(assignment)
    db.session.flush()
    send_assignment_email(assignment, "crew_invitation",
                          f"Shift invitation: {shift.role.name} at {shift.event.title}",
                          accept_link=public_url("crew.invitation", token=token))
    return assignment


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token: str) -> CrewAssignment | None:
    """The unclaimed invitation behind an emailed link (None once used)."""
    return db.session.scalar(select(CrewAssignment).where(
        CrewAssignment.invite_token_hash == _hash(token), CrewAssignment.user_id.is_(None)))


def accept_invitation(token: str, user: User) -> CrewAssignment:
    """Attach an emailed invitation to the logged-in account; the link stops working."""
    assignment = invitation_by_token(token)
    if assignment is None:
        raise InvalidTransition("This invitation link was already used or does not exist.")
    if not user.is_verified:
        raise DomainError("Please confirm your email address first.")
    existing = _existing(assignment.shift_id, user.email)
    if existing is not None and existing.id != assignment.id:
        raise InvalidTransition("You are already on this shift.")
    assignment.user_id, assignment.email, assignment.invite_token_hash = user.id, user.email, None
    if roles.profile_of(assignment.shift.event.organization_id, user.id) is None:
        roles.add_to_pool(assignment.shift.event.organization, user, [])
    db.session.flush()
    return assignment


def confirm_assignment(assignment: CrewAssignment) -> CrewAssignment:
    """The person accepts an invitation: a place is taken if one is free."""
    if assignment.status != AssignmentStatus.INVITED:
        raise InvalidTransition("This invitation is no longer open.")
    _take_place(assignment.shift, assignment.user_id)
    db.session.refresh(assignment)
    if assignment.status != AssignmentStatus.INVITED:
        raise InvalidTransition("This invitation is no longer open.")
    _transition(assignment, AssignmentStatus.CONFIRMED)
    db.session.flush()
    send_assignment_email(assignment, "crew_confirmed",
                          f"Confirmed: {assignment.shift.role.name} at "
                          f"{assignment.shift.event.title}")
    return assignment


def decline_assignment(assignment: CrewAssignment, reason: str = "") -> CrewAssignment:
    """The person turns an invitation down (optionally saying why)."""
    if assignment.status != AssignmentStatus.INVITED:
        raise InvalidTransition("This invitation is no longer open.")
    _transition(assignment, AssignmentStatus.DECLINED)
    assignment.decline_reason = reason.strip()[:300] or None
    db.session.flush()
    send_assignment_email(assignment, "crew_declined",
                          f"Declined: {assignment.shift.role.name} at "
                          f"{assignment.shift.event.title}")
    return assignment


def cancel_deadline(shift: Shift) -> datetime:
    """Until when the person may cancel online (organizer setting, default 24 h before)."""
    hours = roles.settings_for(shift.event.organization_id).cancel_cutoff_hours
    return shift.starts_at - timedelta(hours=hours)


def who_to_contact(shift: Shift) -> str:
    settings = roles.settings_for(shift.event.organization_id)
    org = shift.event.organization
    return settings.contact or org.contact_email or f"the organizers of {org.name}"


def cancel_assignment(assignment: CrewAssignment, now: datetime | None = None) -> None:
    """The person gives up a confirmed shift, allowed only before the cut-off."""
    if assignment.status != AssignmentStatus.CONFIRMED:
        raise InvalidTransition("Only a confirmed shift can be cancelled.")
    if (now or utcnow()) >= cancel_deadline(assignment.shift):
        raise PastCutoff("It is too late to cancel online; please contact "
                         f"{who_to_contact(assignment.shift)}.")
    _transition(assignment, AssignmentStatus.CANCELLED)
    db.session.flush()
    send_assignment_email(assignment, "crew_cancelled",
                          f"Cancelled: {assignment.shift.role.name} at "
                          f"{assignment.shift.event.title}")


def sign_up(shift: Shift, user: User) -> CrewAssignment:
    """Self sign-up for an open shift by someone in the organization's crew pool."""
    if not shift.self_signup or shift.starts_at <= utcnow():
        raise InvalidTransition("This shift is not open for sign-up.")
    if roles.profile_of(shift.event.organization_id, user.id) is None:
        raise NotQualified("You are not in this organization's crew pool.")
    if not user.is_verified:
        raise DomainError("Please confirm your email address first.")
    shift = _take_place(shift, user.id)
    assignment = _existing(shift.id, user.email)
    if assignment is not None and assignment.status in HOLDS_PLACE:
        raise InvalidTransition("You are already on this shift.")
    if assignment is None:
        assignment = CrewAssignment(shift_id=shift.id, email=user.email, user_id=user.id)
        db.session.add(assignment)
    assignment.user_id, assignment.status = user.id, AssignmentStatus.CONFIRMED
    assignment.responded_at = utcnow()
    db.session.flush()
    send_assignment_email(assignment, "crew_confirmed",
                          f"Confirmed: {shift.role.name} at {shift.event.title}")
    return assignment


def assignment_for_user(assignment_id: int, user: User) -> CrewAssignment | None:
    """The person's own assignment (None for anyone else's: the route answers 404)."""
    return db.session.scalar(select(CrewAssignment).where(
        CrewAssignment.id == assignment_id, CrewAssignment.user_id == user.id))


def assignment_in_org(assignment_id: int, organization_id: int) -> CrewAssignment | None:
    return db.session.scalar(
        select(CrewAssignment).join(Shift, Shift.id == CrewAssignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .where(CrewAssignment.id == assignment_id, Event.organization_id == organization_id))
