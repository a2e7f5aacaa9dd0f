"""Crew jobs: thin, take ids, idempotent (RQ delivers at least once). Periodic ones are
listed in `app.scheduling`."""

from __future__ import annotations

from app.extensions import db
from app.services.crew import attendance, certificates, reminders


def send_shift_reminders() -> int:
    sent = reminders.send_shift_reminders()
    db.session.commit()
    return sent


def remind_unanswered_invitations() -> int:
    sent = reminders.remind_unanswered_invitations()
    db.session.commit()
    return sent


def settle_attendance() -> tuple[int, int]:
    """No-shows after start + grace; completed shifts log their hours."""
    missed = attendance.mark_no_shows()
    done = attendance.complete_finished_shifts()
    db.session.commit()
    return missed, done


def render_hours_certificate(certificate_id: int, revision: int) -> str:
    try:
        return certificates.render_certificate(certificate_id, revision)
    except Exception as exc:
        db.session.rollback()
        certificate = db.session.get(certificates.HoursCertificate, certificate_id)
        if certificate is not None and certificate.revision == revision:
            certificate.status, certificate.error = "failed", str(exc)[:2000]
            db.session.commit()
        raise
