"""Enqueue RQ jobs only after the database transaction that asked for them commits.

Services call `jobs.after_commit("app.jobs.send_email", email_id, queue="email")` while they
work. Nothing is sent to Redis until the session commits; a rollback forgets the request.
With no Redis configured (development), the job runs inline right after the commit, in a
fresh app context so it has its own database session. If Redis is down at commit time the
job is dropped with a warning: every job has a durable source of truth in the database
(the outbox, for instance) and a periodic sweep enqueues what is still pending.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING = "marquee_pending_jobs"
_SCOPES = "marquee_pending_job_savepoints"  # parallel to _PENDING: where each job was asked
_REDIS = "marquee_redis"
_QUEUES = "marquee_rq_queues"
FAILURE_TTL = 7 * 24 * 3600  # a failed job stays a week for a person to look at


@dataclass(frozen=True)
class JobRequest:
    func: str
    args: tuple
    queue: str = "default"
    job_id: str | None = None
    retries: tuple[int, ...] = ()
    timeout: int | None = None
    options: dict = field(default_factory=dict, hash=False, compare=False)


def resolve(func_path: str):
    module, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class JobQueue:
    """RQ queues for one app, or an inline runner when no Redis is configured."""

    # Highest priority first: payment confirmations never wait behind PDF renders or mail.
    QUEUES = ("payments", "email", "documents", "default")
    PAYMENTS = "payments"

    def init_app(self, app: Flask) -> None:
        app.extensions["marquee_jobs"] = self
        if not event.contains(Session, "after_commit", _after_commit):
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_soft_rollback", _after_rollback)

    @property
    def inline(self) -> bool:
        # Without a Redis URL there is nowhere to send a job, whatever JOBS_INLINE says.
        config = current_app.config
        return bool(config.get("JOBS_INLINE", True)) or not config.get("REDIS_URL")

    def redis(self):
        """This app's Redis client (None without REDIS_URL), made once per app."""
        from redis import Redis

        url = current_app.config.get("REDIS_URL")
        if url is None:
            return None
        client = current_app.extensions.get(_REDIS)
        if client is None:
            client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
            current_app.extensions[_REDIS] = client
        return client

    @staticmethod
    def use_redis(app: Flask, client) -> None:
        """Send `app`'s jobs through `client` (fakeredis in tests) instead of REDIS_URL's."""
        app.extensions[_REDIS] = client

    def queue(self, name: str = "default"):
        """The RQ queue `name` on this app's Redis, made once per app: a queue asks the
        server for its version once, on its first job (a round trip per job otherwise)."""
        from rq import Queue

        client = self.redis()
        queues = current_app.extensions.setdefault(_QUEUES, {})
        queue = queues.get(name)
        if queue is None or queue.connection is not client:
            queue = queues[name] = Queue(name, connection=client,
                                         default_timeout=current_app.config["JOB_TIMEOUT"])
        return queue

    def pending(self, session: Session) -> list[JobRequest]:
        """The jobs `session` will enqueue when it commits (a rollback forgets them)."""
        return session.info.setdefault(_PENDING, [])

    def after_commit(self, session: Session, func: str, *args, queue: str = "default",
                     job_id: str | None = None, retries: tuple[int, ...] = (),
                     timeout: int | None = None) -> None:
        """Ask for `func(*args)` to run once `session` commits.

        Asked inside a savepoint (`begin_nested()`), the job is forgotten if that savepoint
        rolls back, and still waits for the outermost commit if it is released.
        """
        self.pending(session).append(JobRequest(func, tuple(args), queue, job_id, retries,
                                                timeout))
        session.info.setdefault(_SCOPES, []).append(session.get_nested_transaction())

    def enqueue_now(self, request: JobRequest):
        """Send one job to Redis (or run it inline) and return the RQ job (None inline).

        Redis errors are logged, not raised: the caller's transaction has already committed.
        """
        jobs = self.enqueue_all([request])
        return jobs[0] if jobs else None

    def enqueue_all(self, requests: list[JobRequest]) -> list:
        """Send jobs to Redis in one pipeline (one round trip, whatever their queues), or
        run them inline one after the other; return the RQ jobs (none inline).

        Redis errors are logged, not raised: the caller's transaction has already committed,
        and every job has a durable source that a sweep enqueues again.
        """
        if self.inline:
            for request in requests:
                _run_inline(request)
            return []
        from redis.exceptions import RedisError
        from rq import Queue, Retry

        by_queue: dict[str, list] = {}
        for request in requests:
            retry = None
            if request.retries:
                retry = Retry(max=len(request.retries), interval=list(request.retries))
            by_queue.setdefault(request.queue, []).append(Queue.prepare_data(
                request.func, request.args, job_id=request.job_id, retry=retry,
                timeout=request.timeout or current_app.config["JOB_TIMEOUT"],
                failure_ttl=FAILURE_TTL))
        try:
            with self.redis().pipeline() as pipe:
                jobs = [job for name, datas in by_queue.items()
                        for job in self.queue(name).enqueue_many(datas, pipeline=pipe)]
                pipe.execute()
        except RedisError as exc:
            for request in requests:
                log.warning("could not enqueue %s%r: %s; the sweep will pick it up",
                            request.func, request.args, exc)
            return []
        return jobs


def _run_inline(request: JobRequest) -> None:
    app = current_app._get_current_object()
    # A fresh app context gives the job its own database session (Flask-SQLAlchemy scopes
    # sessions per app context), as a worker would.
    with app.app_context():
        try:
            resolve(request.func)(*request.args)
        except Exception:  # an inline job failing must not break the request that committed
            log.exception("inline job %s%r failed", request.func, request.args)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the real commit is still to come
    pending = session.info.pop(_PENDING, None)
    session.info.pop(_SCOPES, None)
    if not pending:
        return
    queue: JobQueue = current_app.extensions["marquee_jobs"]
    queue.enqueue_all(pending)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_SCOPES, None)
        return
    if not previous_transaction.nested:
        return
    pending, scopes = session.info.get(_PENDING, []), session.info.get(_SCOPES, [])
    keep = [i for i, scope in enumerate(scopes) if not _inside(scope, previous_transaction)]
    session.info[_PENDING] = [pending[i] for i in keep]
    session.info[_SCOPES] = [scopes[i] for i in keep]


def _inside(scope, savepoint) -> bool:
    """True when a job asked in `scope` (a savepoint or None) belongs to `savepoint`."""
    while scope is not None:
        if scope is savepoint:
            return True
        scope = scope.parent
    return False
