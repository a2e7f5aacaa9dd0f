"""`python worker.py` as a real process: app context per job, queue priority, the periodic
sweep, graceful shutdown, and a clear refusal without Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from redis import Redis
from rq import Queue

from app.extensions import db, jobs
from app.job_queue import JobRequest
from app.models import EmailStatus, OutboundEmail
from app.models.types import utcnow
from worker import AppWorker

from .conftest import (
    ROOT,
    read_log,
    run_worker,
    start_worker,
    stop_workers,
    wait_for,
    write_email,
)

pytestmark = pytest.mark.redis

PROBES = "tests.messaging.worker_probes"


def test_each_job_runs_in_its_own_app_context_and_session(redis_mail_app, redis_db):
    _, client = redis_db
    with redis_mail_app.app_context():
        email_id = write_email(subject="Original subject").id
        requests = [("first", True), ("second", False), ("third", False)]
        queued = [jobs.enqueue_now(JobRequest(f"{PROBES}.hold_row", (email_id, label, fail)))
                  for label, fail in requests]

    output = run_worker(redis_mail_app, "--burst", "--queues", "default")
    assert "first failed on purpose" in output

    with redis_mail_app.app_context():
        first, second, third = (jobs.queue().fetch_job(job.id) for job in queued)
    assert first.is_failed
    clean = {"g": None, "session": None, "dirty": 0, "subject": "Original subject"}
    # Neither the failed job's nor the successful job's leftovers (g, the session, the
    # uncommitted change, the row lock) reach the next job.
    assert second.return_value() == clean
    assert third.return_value() == clean
    db.session.expire_all()
    assert db.session.get(OutboundEmail, email_id).subject == "Original subject"


def test_queues_are_taken_in_priority_order(redis_mail_app, redis_db):
    _, client = redis_db
    with redis_mail_app.app_context():
        for queue in ("default", "documents", "email", "payments"):
            jobs.enqueue_now(JobRequest(f"{PROBES}.record_queue", (queue,), queue=queue))

    run_worker(redis_mail_app, "--burst", "--queues", "email", "default", "--no-scheduler")
    assert client.lrange("probe:order", 0, -1) == [b"email", b"default"]
    with redis_mail_app.app_context():
        assert jobs.queue("documents").count == 1  # not listened to

    client.delete("probe:order")
    run_worker(redis_mail_app, "--burst")  # the default order: payments before documents
    assert client.lrange("probe:order", 0, -1) == [b"payments", b"documents"]


def test_running_worker_sweeps_the_outbox_and_shuts_down_warmly(redis_mail_app, smtp_server):
    # A message whose job never reached Redis, written long enough ago to be swept.
    with redis_mail_app.app_context(), time_machine.travel(utcnow() - timedelta(minutes=10)):
        email_id = write_email(to="late@example.test").id

    workers = [start_worker(redis_mail_app, "--name", f"w{n}-{os.getpid()}") for n in (1, 2)]
    try:
        # Both schedulers tick (well inside the sweep's 60 s interval): one sweep between them.
        wait_for(lambda: all("periodic scheduler ticking" in read_log(p) for p in workers),
                 timeout=45, message="both workers' periodic schedulers to tick")
        wait_for(lambda: smtp_server.handler.envelopes, timeout=15,
                 message="the periodic sweep to deliver the message")
    finally:
        outputs = stop_workers(*workers)
    log = "\n".join(outputs)
    assert log.count("periodic task outbox.sweep enqueued") == 1, log
    assert "warm shut down requested" in log
    assert [list(e.rcpt_tos) for e in smtp_server.handler.envelopes] == [["late@example.test"]]
    db.session.expire_all()
    assert db.session.get(OutboundEmail, email_id).status == EmailStatus.SENT


def test_worker_refuses_to_start_without_redis(app):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(FLASK_ENV="testing", SECRET_KEY="x", DATABASE_URL="sqlite://",
               INSTANCE_PATH=app.config["INSTANCE_PATH"])
    result = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "REDIS_URL is not set" in result.stderr


def test_worker_refuses_an_unknown_queue(redis_mail_app):
    output = run_worker(redis_mail_app, "--burst", "--queues", "email", "emails",
                        returncode=2)
    assert "unknown queue(s): emails" in output



class _StoppedAfterTaking(AppWorker):
    """A worker that gets SIGTERM's warm-shutdown request just after taking a job from Redis,
    before running it: the moment where raising from the handler would drop the job."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_after_stop = 0

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        if self._stop_requested:
            self.taken_after_stop += 1
            raise RuntimeError("the worker went on taking jobs after a warm shutdown")
        result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        self.request_stop(signal.SIGTERM, None)
        return result


def test_a_warm_shutdown_between_taking_and_running_a_job_runs_it_then_stops(
        redis_mail_app, redis_db):
    url, client = redis_db
    with redis_mail_app.app_context():
        jobs.enqueue_now(JobRequest(f"{PROBES}.record_queue", ("taken",)))
        jobs.enqueue_now(JobRequest(f"{PROBES}.record_queue", ("left",)))
        connection = Redis.from_url(url)
        worker = _StoppedAfterTaking([Queue("default", connection=connection)],
                                     connection=connection, app=redis_mail_app)
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worked = worker.work(burst=False, with_scheduler=False)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        assert worked
        assert worker.taken_after_stop == 0
        assert client.lrange("probe:order", 0, -1) == [b"taken"]
        assert jobs.queue().count == 1  # the other job waits for the next worker
