"""The email outbox: messages are rows first, deliveries second.

`queue_email` writes the message in the caller's transaction and asks for delivery after
commit. `deliver_email` (run by the `email` queue) sends it over SMTP once, retrying
temporary failures with backoff and giving up at once on permanent ones. `sweep_outbox`
re-enqueues anything still waiting, so a message survives Redis being down at commit time.

One schedule drives retries: after a temporary failure the row's `next_attempt_at` is set by
`retry_delay`, and the RQ job is retried at the same intervals. A delivery that arrives
before the row is due (a duplicate job) does nothing, so duplicates never count as attempts.
The sweep only steps in when a row is overdue by `OUTBOX_SWEEP_AFTER`, i.e. when its job
never reached Redis or was lost.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import or_

from app.extensions import db, jobs
from app.models import EmailStatus, OutboundEmail
from app.models.types import utcnow
from app.services.email_attachments import add_attachments, resolve_attachments

log = logging.getLogger(__name__)

SEND_JOB = "app.jobs.send_email"
# A retry scheduled by RQ and the row's next_attempt_at come from the same clock reading,
# but a worker on another machine may run slightly ahead; this much early is still "due".
DUE_SLACK = timedelta(seconds=5)


class TemporaryEmailError(Exception):
    """Delivery failed for a reason that may pass (network, 4xx); the job is retried."""


def queue_email(to_email: str, template: str, subject: str, *, user_id: int | None = None,
                related: tuple[str, int] | None = None, attachments: list[dict] | None = None,
                **context) -> OutboundEmail:
    """Render `emails/<template>.txt` and `.html` and add the message to the outbox, with
    its `attachments` (specs resolved when it is sent).

    Delivery is enqueued only after the surrounding transaction commits.
    """
    context.setdefault("subject", subject)
    email = OutboundEmail(
        to_email=to_email, user_id=user_id, template=template, subject=subject,
        text_body=render_template(f"emails/{template}.txt", **context),
        html_body=render_template(f"emails/{template}.html", **context),
        related_type=related[0] if related else None,
        related_id=related[1] if related else None,
    )
    if attachments:
        email.attachments = attachments
    db.session.add(email)
    db.session.flush()
    schedule_delivery(email)
    return email


def schedule_delivery(email: OutboundEmail) -> None:
    """Ask for delivery of `email` once the current transaction commits."""
    _enqueue_delivery(email.id)


def _enqueue_delivery(email_id: int) -> None:
    jobs.after_commit(db.session(), SEND_JOB, email_id, queue="email", retries=retry_schedule())


def retry_schedule() -> tuple[int, ...]:
    """RQ retry intervals (seconds) matching `retry_delay`, one per attempt after the first."""
    attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    return tuple(int(retry_delay(n).total_seconds()) for n in range(1, attempts))


def build_message(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_email
    message["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}")
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    if email.attachments:
        add_attachments(message, resolve_attachments(email.attachments))
    return message


def _smtp_send(message: EmailMessage) -> None:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        client = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with client:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        client.send_message(message)


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # our credentials, not this message: fixing the settings fixes delivery
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, doubling, at most 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_email(email_id: int) -> EmailStatus | None:
    """Send one outbox message and return its status.

    Idempotent: a message already settled, or not yet due for a retry, is left alone (RQ
    delivers at least once, and the sweep may enqueue a message twice). The row stays
    locked while sending, so two workers never send the same message on PostgreSQL.
    Raises `TemporaryEmailError` after a temporary failure so that RQ retries the job.
    """
    email = db.session.get(OutboundEmail, email_id, with_for_update=True,
                           populate_existing=True)
    status = email.status if email is not None else None
    not_due = (email is not None and email.next_attempt_at is not None
               and email.next_attempt_at > utcnow() + DUE_SLACK)
    if status != EmailStatus.QUEUED or not_due:
        db.session.rollback()
        return status
    if not current_app.config.get("MAIL_SERVER"):
        email.status = EmailStatus.KEPT
        email.last_error = "No SMTP server configured; kept in the outbox."
        db.session.commit()
        return EmailStatus.KEPT
    email.attempts += 1
    try:
        _smtp_send(build_message(email))
    except Exception as exc:
        return _record_failure(email, exc)
    email.status = EmailStatus.SENT
    email.sent_at = utcnow()
    email.last_error = None
    email.next_attempt_at = None
    db.session.commit()
    return EmailStatus.SENT


def _record_failure(email: OutboundEmail, exc: Exception) -> EmailStatus:
    """Settle a failed attempt: give up (permanent or exhausted) or raise for a retry."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    email.last_error = error
    # Anything but a network or SMTP error (a message we cannot even encode, say) will not
    # get better by trying again.
    temporary = (isinstance(exc, smtplib.SMTPException | OSError | TemporaryEmailError)
                 and not _is_permanent(exc))
    exhausted = email.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if not temporary or exhausted:
        email.status = EmailStatus.FAILED
        email.next_attempt_at = None
        email_id = email.id
        db.session.commit()
        log.warning("email %s failed permanently: %s", email_id, error)
        return EmailStatus.FAILED
    email.next_attempt_at = utcnow() + retry_delay(email.attempts)
    db.session.commit()
    raise TemporaryEmailError(error) from exc


def sweep_outbox(limit: int = 200) -> int:
    """Enqueue delivery of messages that should have been handled by now; return how many.

    That is: never attempted and older than `OUTBOX_SWEEP_AFTER` (the job after commit never
    reached Redis), or overdue for a retry by that long (the retry job was lost).
    """
    stale = utcnow() - timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER"])
    due = db.session.execute(
        db.select(OutboundEmail.id)
        .where(OutboundEmail.status == EmailStatus.QUEUED)
        .where(or_(
            (OutboundEmail.next_attempt_at.is_(None)) & (OutboundEmail.created_at <= stale),
            OutboundEmail.next_attempt_at <= stale,
        ))
        .order_by(OutboundEmail.id)
        .limit(limit)
    ).scalars().all()
    for email_id in due:
        _enqueue_delivery(email_id)
    db.session.commit()
    return len(due)


def resend_email(email: OutboundEmail) -> None:
    """Put a failed or kept message back in the queue (organizers' 'resend')."""
    email.status = EmailStatus.QUEUED
    email.next_attempt_at = None
    email.attempts = 0
    schedule_delivery(email)
