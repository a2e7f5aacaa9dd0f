"""Crew emails: every one goes through the outbox, tied to its assignment (the log)."""

from __future__ import annotations

from app.formatting import local_time
from app.models.crew import CrewAssignment, Shift
from app.models.messaging import OutboundEmail
from app.services.outbox import queue_email
from app.services.tickets.mail import public_url


def shift_summary(shift: Shift) -> dict:
    """What an email or page says about a shift, times in the event's timezone."""
    tz = shift.event.timezone
    return {
        "event": shift.event.title,
        "role": shift.role.name,
        "starts": local_time(shift.starts_at, tz),
        "ends": local_time(shift.ends_at, tz, "HH:mm"),
        "timezone": tz,
        "location": shift.location,
        "instructions": shift.instructions,
    }


def send_assignment_email(assignment: CrewAssignment, template: str, subject: str,
                          **context) -> OutboundEmail:
    """Queue `emails/<template>` to the assignment's person, logged against the assignment."""
    context.setdefault("portal_link", public_url("crew.portal"))
    return queue_email(
        assignment.email, template, subject, user_id=assignment.user_id,
        related=("crew_assignment", assignment.id), shift=shift_summary(assignment.shift),
        name=assignment.user.name if assignment.user else None, **context)
