"""Reminders: before each confirmed shift (24 h and a second, configurable one) and for
invitations unanswered after 48 hours. Each is sent at most once: a `CrewReminder` row with
a unique (assignment, kind) is inserted first, and only the transaction whose insert took
effect queues the email, however many times (or in how many workers) the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.models.crew import AssignmentStatus, CrewAssignment, CrewReminder, Shift
from app.models.types import utcnow
from app.services.crew import roles
from app.services.crew.notify import send_assignment_email
from app.upserts import session_insert

FIRST = timedelta(hours=24)
UNANSWERED_AFTER = timedelta(hours=48)


def _claim(assignment_id: int, kind: str) -> bool:
    """Record that `kind` was sent for the assignment; False if it already was."""
    result = db.session.execute(session_insert()(CrewReminder).values(
        assignment_id=assignment_id, kind=kind, sent_at=utcnow()).on_conflict_do_nothing()
        .returning(CrewReminder.id))
    return result.first() is not None


def _due_confirmed(now: datetime, within: timedelta) -> list[CrewAssignment]:
    return list(db.session.scalars(select(CrewAssignment).join(Shift).where(
        CrewAssignment.status == AssignmentStatus.CONFIRMED, Shift.starts_at > now,
        Shift.starts_at <= now + within)))


def send_shift_reminders(now: datetime | None = None) -> int:
    """Queue the due shift reminders; returns how many were sent this time."""
    now, sent = now or utcnow(), 0
    for assignment in _due_confirmed(now, FIRST):
        settings = roles.settings_for(assignment.shift.event.organization_id)
        second = timedelta(hours=settings.second_reminder_hours)
        left = assignment.shift.starts_at - now
        kind = f"before_{settings.second_reminder_hours}h" if left <= second else "before_24h"
        if kind == "before_24h" and settings.second_reminder_hours >= 24:
            continue
        if _claim(assignment.id, kind):
            send_assignment_email(assignment, "crew_reminder",
                                  f"Reminder: {assignment.shift.role.name} at "
                                  f"{assignment.shift.event.title}", hours_left=_hours(left))
            sent += 1
    db.session.flush()
    return sent


def _hours(left: timedelta) -> int:
    return max(1, round(left.total_seconds() / 3600))


def remind_unanswered_invitations(now: datetime | None = None) -> int:
    """One reminder for invitations open for 48 hours whose shift has not started."""
    now, sent = now or utcnow(), 0
    due = db.session.scalars(select(CrewAssignment).join(Shift).where(
        CrewAssignment.status == AssignmentStatus.INVITED,
        CrewAssignment.invited_at <= now - UNANSWERED_AFTER, Shift.starts_at > now))
    for assignment in due.all():
        if _claim(assignment.id, "unanswered"):
            send_assignment_email(assignment, "crew_invitation_reminder",
                                  f"Waiting for your answer: {assignment.shift.role.name} at "
                                  f"{assignment.shift.event.title}")
            sent += 1
    db.session.flush()
    return sent


def unanswered(event_id: int) -> list[CrewAssignment]:
    """Invitations of the event still waiting for an answer, oldest first."""
    return list(db.session.scalars(select(CrewAssignment).join(Shift).join(Event).where(
        Shift.event_id == event_id, CrewAssignment.status == AssignmentStatus.INVITED)
        .order_by(CrewAssignment.invited_at)))
