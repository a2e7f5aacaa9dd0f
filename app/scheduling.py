"""Periodic work: what runs every so often, and the loop that enqueues it.

Add a task with one line at the bottom of this module:

    periodic("holds.expire", "app.jobs.expire_holds", every=30)

The worker (`python worker.py`) runs `PeriodicScheduler` in a background thread. Each tick,
for every task, it tries `SET <prefix><name> <owner> NX EX <every>` in Redis; only the
process that sets the key enqueues the job, and the key's expiry is the next due time. So
however many worker processes run, each task is enqueued once per interval.

Without Redis (development, jobs inline) there is no worker: `run_due_tasks()` runs what is
due inline, remembering in this process when each task last ran.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app

from app.extensions import jobs
from app.job_queue import JobRequest

log = logging.getLogger(__name__)

LOCK_PREFIX = "marquee:periodic:"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    job: str                 # dotted path of a job function taking no arguments
    every: int               # seconds between runs
    queue: str = "default"
    timeout: int | None = None


TASKS: dict[str, PeriodicTask] = {}


def periodic(name: str, job: str, *, every: int, queue: str = "default",
             timeout: int | None = None) -> PeriodicTask:
    """Declare (or redeclare) a periodic task."""
    if every < 1:
        raise ValueError("a periodic task runs at most once a second")
    task = PeriodicTask(name, job, every, queue, timeout)
    TASKS[name] = task
    return task


class RedisTaskLock:
    """Once-per-interval claims shared by every process using the same Redis."""

    def __init__(self, connection, prefix: str = LOCK_PREFIX, owner: str | None = None):
        self.connection = connection
        self.prefix = prefix
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def claim(self, task: PeriodicTask) -> bool:
        return bool(self.connection.set(self.prefix + task.name, self.owner, nx=True,
                                        ex=task.every))


class LocalTaskLock:
    """Once-per-interval claims within one process (no Redis: development)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._due: dict[str, float] = {}
        self._mutex = threading.Lock()

    def claim(self, task: PeriodicTask) -> bool:
        now = self._clock()
        with self._mutex:
            if self._due.get(task.name, 0.0) > now:
                return False
            self._due[task.name] = now + task.every
            return True


def default_lock():
    """The lock matching how this app runs jobs: Redis with RQ, in-process when inline."""
    if jobs.inline:
        return current_app.extensions.setdefault("marquee_periodic_lock", LocalTaskLock())
    return RedisTaskLock(jobs.redis())


def run_due_tasks(tasks=None, lock=None) -> list[str]:
    """Enqueue every due periodic task (run it inline without Redis); return their names.

    Needs an app context. Safe to call from many processes at once: each due task is
    claimed by exactly one caller per interval.
    """
    lock = lock or default_lock()
    started = []
    for task in (TASKS.values() if tasks is None else tasks):
        if lock.claim(task):
            jobs.enqueue_now(JobRequest(task.job, (), queue=task.queue, timeout=task.timeout))
            started.append(task.name)
    return started


class PeriodicScheduler:
    """Calls `run_due_tasks` every `tick` seconds in a daemon thread, inside the app."""

    def __init__(self, app: Flask, connection, *, tick: float = 1.0, tasks=None,
                 prefix: str = LOCK_PREFIX):
        self.app = app
        self.tick = tick
        self.tasks = tasks
        self.lock = RedisTaskLock(connection, prefix)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[str]:
        with self.app.app_context():
            return run_due_tasks(self.tasks, self.lock)

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                for name in self.run_once():
                    log.info("periodic task %s enqueued", name)
            except Exception:  # Redis away for a moment: log and try again next tick
                log.exception("periodic scheduler tick failed")
            if first:
                log.info("periodic scheduler ticking every %g s (%s)", self.tick,
                         ", ".join(t.name for t in self.tasks or TASKS.values()))
                first = False
            self._stop.wait(self.tick)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="periodic-scheduler",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


# ---------------------------------------------------------------- the tasks

periodic("outbox.sweep", "app.jobs.sweep_outbox", every=60, queue="email")
periodic("seating.expire_holds", "app.jobs_seating.expire_holds", every=15)
periodic("orders.expire", "app.jobs_orders.expire_orders", every=30)
periodic("crew.reminders", "app.jobs_crew.send_shift_reminders", every=300)
periodic("crew.unanswered", "app.jobs_crew.remind_unanswered_invitations", every=900)
periodic("crew.attendance", "app.jobs_crew.settle_attendance", every=120)
periodic("documents.sweep", "app.jobs_documents.sweep_documents", every=120,
         queue="documents")
periodic("vendors.offers", "app.jobs_vendors.expire_waitlist_offers", every=300)
