"""`flask run-periodic --once` runs the due periodic tasks in-process (no Redis)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import EmailStatus, OutboundEmail
from app.models.types import utcnow


def test_run_periodic_once_sweeps_the_outbox(app):
    app.extensions.pop("marquee_periodic_lock", None)  # a fresh process: every task is due
    email = OutboundEmail(to_email="late@example.test", template="notice", subject="Hello",
                          text_body="Hi", html_body="<p>Hi</p>",
                          created_at=utcnow() - timedelta(hours=1))
    db.session.add(email)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["run-periodic", "--once"])

    assert result.exit_code == 0, result.output
    assert "ran outbox.sweep" in result.output
    db.session.refresh(email)
    assert email.status == EmailStatus.KEPT  # delivered inline; no SMTP in tests, so kept

    again = app.test_cli_runner().invoke(args=["run-periodic", "--once"])
    assert "ran outbox.sweep" not in again.output  # not due again within its interval
