"""Certificates of hours: one PDF per person and event, rendered by a `documents` job.

`revision` counts the person's completed shifts at the event when requested; the job renders
only while its revision is current, so a duplicate or late job does nothing.
"""

from __future__ import annotations

from pathlib import Path

from flask import render_template
from sqlalchemy import func, select

from app.extensions import db, jobs
from app.models import Event, User
from app.models.crew import AssignmentStatus, CrewAssignment, HoursCertificate, Shift
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.tickets.documents import documents_root, html_to_pdf, write_atomically

JOB = "app.jobs_crew.render_hours_certificate"


def _completed(user_id: int, event_id: int) -> list[CrewAssignment]:
    return list(db.session.scalars(select(CrewAssignment).join(Shift).where(
        CrewAssignment.user_id == user_id, Shift.event_id == event_id,
        CrewAssignment.status == AssignmentStatus.COMPLETED).order_by(Shift.starts_at)))


def certificate_for(user_id: int, event_id: int) -> HoursCertificate | None:
    return db.session.scalar(select(HoursCertificate).where(
        HoursCertificate.user_id == user_id, HoursCertificate.event_id == event_id))


def request_certificate(user: User, event: Event) -> HoursCertificate:
    """Ask for the PDF (a no-op when it is ready or being made for the same hours)."""
    revision = db.session.scalar(select(func.count()).select_from(CrewAssignment).join(Shift)
                                 .where(CrewAssignment.user_id == user.id,
                                        Shift.event_id == event.id,
                                        CrewAssignment.status == AssignmentStatus.COMPLETED))
    if not revision:
        raise DomainError("There are no completed shifts at this event yet.")
    certificate = certificate_for(user.id, event.id)
    if certificate is None:
        certificate = HoursCertificate(user_id=user.id, event_id=event.id, revision=0)
        db.session.add(certificate)
    elif certificate.revision == revision and certificate.status in ("ready", "pending"):
        return certificate
    certificate.revision, certificate.status = revision, "pending"
    certificate.requested_at, certificate.error = utcnow(), None
    db.session.flush()
    jobs.after_commit(db.session(), JOB, certificate.id, revision, queue="documents",
                      job_id=f"crew-hours-{certificate.id}-r{revision}")
    return certificate


def render_certificate(certificate_id: int, revision: int) -> str:
    """Render the PDF (the job's body; idempotent); returns what happened."""
    certificate = db.session.get(HoursCertificate, certificate_id, with_for_update=True,
                                 populate_existing=True)
    if certificate is None or certificate.revision != revision:
        db.session.rollback()
        return "superseded"
    if certificate.status == "ready" and ready_file(certificate) is not None:
        db.session.rollback()
        return "ready"
    user = db.session.get(User, certificate.user_id)
    shifts = _completed(user.id, certificate.event_id)
    html = render_template("pdf/crew_hours.html", user=user, event=certificate.event,
                           assignments=shifts, issued_at=utcnow(),
                           total=sum((a.hours or 0 for a in shifts), 0))
    relative = f"crew-hours/{certificate.id}/hours-r{revision}.pdf"
    write_atomically(documents_root() / relative, html_to_pdf(html))
    certificate.status, certificate.path = "ready", relative
    db.session.commit()
    return "rendered"


def ready_file(certificate: HoursCertificate | None) -> Path | None:
    if certificate is None or certificate.status != "ready" or not certificate.path:
        return None
    path = documents_root() / certificate.path
    return path if path.is_file() else None
