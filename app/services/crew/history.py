"""Communication history: the outbox rows about a crew member's or a shift's assignments."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import EmailStatus, Event, OutboundEmail
from app.models.crew import CrewAssignment, Shift
from app.services.errors import DomainError
from app.services.outbox import resend_email

RELATED = "crew_assignment"


def _emails(assignment_ids) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.related_type == RELATED, OutboundEmail.related_id.in_(assignment_ids))
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())))


def emails_for_shift(shift: Shift) -> list[OutboundEmail]:
    return _emails(select(CrewAssignment.id).where(CrewAssignment.shift_id == shift.id))


def emails_for_person(organization_id: int, user_id: int) -> list[OutboundEmail]:
    """Every crew email to the person about this organization's shifts."""
    return _emails(select(CrewAssignment.id).join(Shift).join(Event).where(
        Event.organization_id == organization_id, CrewAssignment.user_id == user_id))


def email_in_org(email_id: int, organization_id: int) -> OutboundEmail | None:
    """A crew email about one of the organization's shifts (None otherwise)."""
    ids = select(CrewAssignment.id).join(Shift).join(Event).where(
        Event.organization_id == organization_id)
    return db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.id == email_id, OutboundEmail.related_type == RELATED,
        OutboundEmail.related_id.in_(ids)))


def resend_failed(email: OutboundEmail) -> None:
    """Queue a failed (or kept) crew email again."""
    if email.status not in (EmailStatus.FAILED, EmailStatus.KEPT):
        raise DomainError("Only failed emails can be sent again.")
    resend_email(email)
    db.session.flush()
