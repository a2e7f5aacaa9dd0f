"""The outbox on real Redis and a real worker: jobs reach Redis only after commit, a message
survives Redis being down at commit time, RQ retries temporary failures, duplicates send once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry

from app.extensions import db, jobs
from app.job_queue import JobRequest
from app.models import EmailStatus, OutboundEmail
from app.models.types import utcnow
from app.services.outbox import (
    SEND_JOB,
    deliver_email,
    queue_email,
    retry_schedule,
    sweep_outbox,
)

from .conftest import mail_settings, run_worker, work_in_process, write_email

pytestmark = pytest.mark.redis


def _row(email_id: int) -> OutboundEmail:
    db.session.expire_all()
    return db.session.get(OutboundEmail, email_id)


def test_message_survives_redis_being_down_and_the_sweep_sends_it(
        make_app, smtp_server, redis_db, outbox, caplog):
    down = make_app(REDIS_URL="redis://127.0.0.1:1", JOBS_INLINE=False,
                    **mail_settings(smtp_server))

    @down.post("/_test/notify")
    def notify():
        queue_email("ada@example.test", "notice", "Doors open at seven",
                    message="Doors open at seven.")
        db.session.commit()
        return "queued"

    with caplog.at_level(logging.WARNING, logger="app.job_queue"):
        response = down.test_client().post("/_test/notify")
    assert response.status_code == 200, response.data
    assert "could not enqueue app.jobs.send_email" in caplog.text
    [row] = outbox()
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 0)
    assert smtp_server.handler.envelopes == []

    url, _ = redis_db
    up = make_app(REDIS_URL=url, JOBS_INLINE=False, **mail_settings(smtp_server))
    with up.app_context():
        assert sweep_outbox() == 0  # too fresh: its own job may still be on the way
        later = utcnow() + timedelta(seconds=up.config["OUTBOX_SWEEP_AFTER"] + 1)
        with time_machine.travel(later, tick=False):
            assert sweep_outbox() == 1
        [job] = jobs.queue("email").get_jobs()
        assert (job.func_name, job.args) == (SEND_JOB, (row.id,))

    output = run_worker(up, "--burst")
    assert "Job OK" in output
    [message] = smtp_server.handler.messages
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Doors open at seven"
    [row] = outbox()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    with up.app_context():
        with time_machine.travel(later, tick=False):
            assert sweep_outbox() == 0
        assert jobs.queue("email").count == 0


def test_jobs_reach_redis_only_after_the_commit(redis_mail_app):
    with redis_mail_app.app_context():
        queue = jobs.queue("email")
        queue_email("ada@example.test", "notice", "Held", message="Held.")
        assert queue.count == 0  # flushed, but not committed
        db.session.rollback()
        assert queue.count == 0
        assert jobs.pending(db.session()) == []
        db.session.commit()  # a later commit does not resurrect the rolled-back request
        assert queue.count == 0
        assert db.session.execute(db.select(OutboundEmail)).first() is None

        email_id = queue_email("ada@example.test", "notice", "Held", message="Held.").id
        assert queue.count == 0
        db.session.commit()
        [job] = queue.get_jobs()
    assert (job.func_name, job.args) == (SEND_JOB, (email_id,))
    assert job.retries_left == redis_mail_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
    assert job.retry_intervals == list(retry_schedule())
    assert job.timeout == redis_mail_app.config["JOB_TIMEOUT"]


def test_duplicate_jobs_for_one_message_send_it_once(redis_mail_app, smtp_server, redis_db):
    _, client = redis_db
    with redis_mail_app.app_context():
        email = queue_email("ada@example.test", "notice", "Once", message="Once.")
        db.session.commit()
        jobs.enqueue_now(JobRequest(SEND_JOB, (email.id,), queue="email"))  # e.g. the sweep
        assert jobs.queue("email").count == 2
        email_id = email.id
    assert work_in_process(redis_mail_app)
    assert len(smtp_server.handler.envelopes) == 1
    with redis_mail_app.app_context():
        assert FinishedJobRegistry("email", connection=jobs.redis()).count == 2
    assert _row(email_id).attempts == 1


def test_temporary_failure_in_the_worker_is_retried_by_rq(redis_mail_app, smtp_server):
    smtp_server.handler.refuse_data.append("451 4.3.0 Greylisted, come back later")
    with redis_mail_app.app_context():
        email = queue_email("ada@example.test", "notice", "Retry me", message="Retry me.")
        db.session.commit()
        email_id = email.id
        registry = ScheduledJobRegistry("email", connection=jobs.redis())
    assert work_in_process(redis_mail_app)
    row = _row(email_id)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    with redis_mail_app.app_context():
        [job_id] = registry.get_job_ids()
        job = jobs.queue("email").fetch_job(job_id)
        assert job.retries_left == redis_mail_app.config["OUTBOX_MAX_ATTEMPTS"] - 2
        retry_at = registry.get_scheduled_time(job_id)
    # RQ's retry and the row's next attempt follow one schedule.
    assert abs(retry_at - row.next_attempt_at) < timedelta(seconds=5)
    assert smtp_server.handler.envelopes == []

    # When the retry is due, RQ's scheduler (run by the worker) enqueues it and it succeeds.
    with time_machine.travel(retry_at + timedelta(seconds=1), tick=True):
        assert work_in_process(redis_mail_app, with_scheduler=True)
    row = _row(email_id)
    assert (row.status, row.attempts) == (EmailStatus.SENT, 2)
    assert len(smtp_server.handler.envelopes) == 1


def test_a_job_delivered_twice_by_rq_after_a_crash_does_not_resend(redis_mail_app,
                                                                   smtp_server):
    """At-least-once: a job whose worker died after sending is delivered again."""
    with redis_mail_app.app_context():
        email_id = write_email().id
        assert deliver_email(email_id) == EmailStatus.SENT
        jobs.enqueue_now(JobRequest(SEND_JOB, (email_id,), queue="email"))
    assert work_in_process(redis_mail_app)
    assert len(smtp_server.handler.envelopes) == 1

