"""Outbox delivery over a real SMTP server on loopback: parts and headers, temporary and
permanent errors, backoff, exhaustion, idempotency and the sweep. Jobs run inline here; the
tests with Redis and the worker are in test_outbox_redis.py."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.orm import scoped_session

from app.extensions import db
from app.models import EmailStatus, OutboundEmail
from app.services.outbox import (
    TemporaryEmailError,
    deliver_email,
    queue_email,
    resend_email,
    retry_delay,
    retry_schedule,
    sweep_outbox,
)
from tests.conftest import require_service

from .conftest import mail_settings, wait_for, write_email

T0 = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)


def _row(email_id: int) -> OutboundEmail:
    db.session.expire_all()
    return db.session.get(OutboundEmail, email_id)


def _recipients(server) -> list[list[str]]:
    return [list(e.rcpt_tos) for e in server.handler.envelopes]


def test_queued_message_reaches_smtp_server_with_text_and_html_parts(mail_app, smtp_server,
                                                                     outbox):
    with mail_app.app_context():
        queue_email("Ada@Example.test", "notice", "Your seats are held", user_id=None,
                    message="Seats A1 & A2 <held> for 10 minutes.",
                    link="https://marquee.test/orders/K7", link_label="Pay now")
        db.session.commit()  # inline: delivery runs right after the commit

    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "tickets@marquee.test"
    assert envelope.rcpt_tos == ["Ada@Example.test"]
    [message] = smtp_server.handler.messages
    assert message["To"] == "Ada@Example.test"
    assert message["From"] == "Marquee <tickets@marquee.test>"
    assert message["Subject"] == "Your seats are held"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert "Seats A1 & A2 <held> for 10 minutes." in text
    assert "Pay now:\nhttps://marquee.test/orders/K7" in text
    assert "Seats A1 &amp; A2 &lt;held&gt; for 10 minutes." in html
    assert 'href="https://marquee.test/orders/K7"' in html
    assert "<held>" not in html

    [row] = outbox()
    assert row.status == EmailStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.last_error is None and row.next_attempt_at is None


def test_temporary_error_is_retried_with_backoff_until_it_succeeds(mail_app, smtp_server):
    smtp_server.handler.refuse_data.extend(["451 4.3.0 Mailbox busy, try again later"] * 2)
    with mail_app.app_context():
        email_id = write_email().id
        with time_machine.travel(T0, tick=False) as clock:
            with pytest.raises(TemporaryEmailError, match="451"):
                deliver_email(email_id)
            row = _row(email_id)
            assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
            assert row.next_attempt_at == T0 + timedelta(seconds=30)
            assert "451" in row.last_error and "Mailbox busy" in row.last_error

            # A duplicate job arriving before the row is due is not an attempt.
            assert deliver_email(email_id) == EmailStatus.QUEUED
            assert _row(email_id).attempts == 1

            clock.shift(30)
            with pytest.raises(TemporaryEmailError):
                deliver_email(email_id)
            row = _row(email_id)
            assert row.attempts == 2
            assert row.next_attempt_at == T0 + timedelta(seconds=30 + 60)  # backoff doubles

            clock.shift(60)
            assert deliver_email(email_id) == EmailStatus.SENT
        row = _row(email_id)
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.SENT, 3, None)
    assert row.sent_at == T0 + timedelta(seconds=90)
    assert row.next_attempt_at is None
    assert _recipients(smtp_server) == [["ada@example.test"]]


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_permanent_error_is_not_retried(mail_app, smtp_server, stage):
    getattr(smtp_server.handler, f"refuse_{stage}").append("550 5.1.1 No such mailbox here")
    with mail_app.app_context():
        email_id = write_email().id
        assert deliver_email(email_id) == EmailStatus.FAILED  # settled: nothing to retry
        row = _row(email_id)
        assert (row.status, row.attempts) == (EmailStatus.FAILED, 1)
        assert "550" in row.last_error and "No such mailbox" in row.last_error
        assert row.next_attempt_at is None and row.sent_at is None

        # Another job for it (a duplicate, a sweep) leaves it alone.
        assert deliver_email(email_id) == EmailStatus.FAILED
        assert _row(email_id).attempts == 1
    assert smtp_server.handler.envelopes == []


def test_exhausted_attempts_mark_the_message_failed(make_app, smtp_server):
    app = make_app(OUTBOX_MAX_ATTEMPTS=3, **mail_settings(smtp_server))
    smtp_server.handler.always = "421 4.4.5 Too many connections"
    with app.app_context():
        email_id = write_email().id
        with time_machine.travel(T0, tick=False) as clock:
            for attempt in (1, 2):
                with pytest.raises(TemporaryEmailError):
                    deliver_email(email_id)
                assert _row(email_id).attempts == attempt
                clock.shift(retry_delay(attempt))
            assert deliver_email(email_id) == EmailStatus.FAILED
        row = _row(email_id)
        assert (row.status, row.attempts) == (EmailStatus.FAILED, 3)
        assert "421" in row.last_error
        assert row.next_attempt_at is None
        # RQ retries the job on the same schedule, one retry per remaining attempt.
        assert retry_schedule() == (30, 60)
    assert smtp_server.handler.envelopes == []


def test_connection_refused_counts_as_temporary(make_app, closed_port):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False)
    with app.app_context():
        email_id = write_email().id
        with time_machine.travel(T0, tick=False):
            with pytest.raises(TemporaryEmailError, match="ConnectionRefusedError"):
                deliver_email(email_id)
        row = _row(email_id)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=30)
    assert row.last_error.startswith("ConnectionRefusedError")


def test_delivering_the_same_message_twice_sends_it_once(mail_app, smtp_server):
    with mail_app.app_context():
        email_id = write_email().id
        assert deliver_email(email_id) == EmailStatus.SENT
        assert deliver_email(email_id) == EmailStatus.SENT
        assert _row(email_id).attempts == 1
        assert deliver_email(email_id + 1000) is None  # a job for a deleted row is a no-op
    assert len(smtp_server.handler.envelopes) == 1


def test_without_smtp_server_mail_is_kept_in_the_outbox(outbox):
    email = write_email()  # the session app: no MAIL_SERVER
    assert deliver_email(email.id) == EmailStatus.KEPT
    [row] = outbox()
    assert (row.status, row.attempts, row.sent_at) == (EmailStatus.KEPT, 0, None)


def test_sweep_sends_what_was_never_enqueued_and_overdue_retries(mail_app, smtp_server):
    handler = smtp_server.handler
    with mail_app.app_context(), time_machine.travel(T0, tick=False) as clock:
        write_email(to="old@example.test")
        retry = write_email(to="retry@example.test")
        handler.refuse_data.append("451 4.3.0 Later")
        with pytest.raises(TemporaryEmailError):
            deliver_email(retry.id)  # due again at T0+30 s; RQ's retry job owns it until then
        deliver_email(write_email(to="sent@example.test").id)
        handler.refuse_data.append("550 5.7.1 Rejected")
        deliver_email(write_email(to="failed@example.test").id)
        clock.shift(40)
        write_email(to="fresh@example.test")
        assert _recipients(smtp_server) == [["sent@example.test"]]

        clock.shift(21)  # T0+61 s: "old" is 61 s old; the retry is only 31 s overdue
        assert sweep_outbox() == 1
        assert _recipients(smtp_server)[1:] == [["old@example.test"]]

        clock.shift(30)  # T0+91 s: the retry is 61 s overdue (its job was lost)
        assert sweep_outbox() == 1
        assert _recipients(smtp_server)[2:] == [["retry@example.test"]]

        clock.shift(10)  # T0+101 s: "fresh" is 61 s old
        assert sweep_outbox() == 1
        assert sweep_outbox() == 0
        statuses = {e.to_email: e.status for e in db.session.execute(
            db.select(OutboundEmail)).scalars()}
    assert _recipients(smtp_server)[3:] == [["fresh@example.test"]]
    assert statuses == {
        "old@example.test": EmailStatus.SENT, "retry@example.test": EmailStatus.SENT,
        "sent@example.test": EmailStatus.SENT, "failed@example.test": EmailStatus.FAILED,
        "fresh@example.test": EmailStatus.SENT,
    }


def test_resend_puts_a_failed_message_back_and_delivers_it(mail_app, smtp_server):
    smtp_server.handler.refuse_data.append("550 5.2.2 Mailbox full")
    with mail_app.app_context():
        email_id = write_email().id
        assert deliver_email(email_id) == EmailStatus.FAILED
        resend_email(_row(email_id))
        db.session.commit()  # inline: delivered after the commit
        row = _row(email_id)
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    assert _recipients(smtp_server) == [["ada@example.test"]]


def _deliver_in_thread(app, email_id, results, name):
    def run():
        with app.app_context():
            results[name] = deliver_email(email_id)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _waiting_on_a_lock() -> bool:
    waiting = db.session.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'")).scalar()
    db.session.rollback()  # pg_stat_activity is a snapshot per transaction
    return bool(waiting)


@pytest.mark.postgres
@pytest.mark.parametrize("guard", [False, True], ids=["without-row-lock", "with-row-lock"])
def test_two_workers_delivering_one_message_at_once_send_it_once(mail_app, smtp_server,
                                                                 monkeypatch, guard):
    """Worker A is mid-send when worker B picks up a duplicate job for the same message."""
    from app.services import outbox as outbox_service

    # The marker alone does not skip in a SQLite-only run; row locks need PostgreSQL.
    require_service(db.engine.dialect.name == "postgresql",
                    "PostgreSQL is not configured (set TEST_DATABASE_URL)")

    sending, release = threading.Event(), threading.Event()
    real_send = outbox_service._smtp_send

    def slow_send(message):
        if threading.current_thread().name == "A":
            sending.set()
            assert release.wait(30)
        real_send(message)

    monkeypatch.setattr(outbox_service, "_smtp_send", slow_send)
    if not guard:
        real_get = scoped_session.get
        monkeypatch.setattr(scoped_session, "get", lambda self, *args, with_for_update=None,
                            **kwargs: real_get(self, *args, **kwargs))
    with mail_app.app_context():
        email_id = write_email().id
    results = {}
    a = _deliver_in_thread(mail_app, email_id, results, "A")
    try:
        assert sending.wait(30)
        b = _deliver_in_thread(mail_app, email_id, results, "B")
        if guard:
            # B waits for A's row lock instead of reading the row as still queued.
            wait_for(_waiting_on_a_lock, timeout=30, message="B to wait for the row lock")
        else:
            b.join(30)
    finally:
        release.set()
        a.join(30)
    b.join(30)
    assert results == {"A": EmailStatus.SENT, "B": EmailStatus.SENT}
    assert len(smtp_server.handler.envelopes) == (1 if guard else 2)
    if guard:
        assert _row(email_id).attempts == 1  # B found it sent: not an attempt
