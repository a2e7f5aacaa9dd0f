"""The RQ worker: `python worker.py` beside the web app when REDIS_URL is set.

Listens on `payments`, `email`, `documents` and `default` (in that priority: a payment
confirmation never waits behind PDF renders), runs every job in a fresh Flask app context
(its own database session, removed afterwards), runs RQ's scheduler (for
`enqueue_in` and `Retry` intervals) and the periodic tasks of `app.scheduling`. The worker
does not fork per job: heavy libraries (WeasyPrint) are imported once, at start. Run as many
worker processes as you like; each periodic task is still enqueued once per interval.

    python worker.py                      # work forever, with the schedulers
    python worker.py --burst              # empty the queues, then exit
    python worker.py --queues email --no-scheduler --name mail-1
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

from flask import Flask
from rq import Queue
from rq.worker import SimpleWorker

from app.job_queue import JobQueue

log = logging.getLogger("marquee.worker")

HEAVY_MODULES = ("weasyprint",)


class AppWorker(SimpleWorker):
    """A non-forking RQ worker that runs each job inside its own app context.

    With `periodic` (a `PeriodicScheduler`), the periodic loop starts alongside RQ's own
    scheduler (`work(with_scheduler=True)`), and not in burst mode.

    A warm shutdown (SIGTERM or SIGINT) only sets a flag. RQ's own worker raises from the
    signal handler when it is not running a job, to break out of its blocking wait; but an
    exception raised wherever the signal lands can be swallowed (a log handler catches it,
    and the worker then ignores the signal) or can drop a job already taken from Redis and
    not yet started. Here the worker waits for jobs in slices of `STOP_CHECK_SECONDS`
    and looks at the flag between them and between jobs: it stops within a slice when
    idle, or after the job in hand.
    """

    STOP_CHECK_SECONDS = 1

    def __init__(self, *args, app: Flask, periodic=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app
        self.periodic = periodic

    def perform_job(self, job, queue) -> bool:
        # Flask-SQLAlchemy scopes the session to the app context and removes it when the
        # context ends, so no identity map, transaction or lock outlives the job.
        with self.app.app_context():
            return super().perform_job(job, queue)

    def _shutdown(self):
        self._stop_requested = True
        self.set_shutdown_requested_date()
        if self.scheduler:
            self.stop_scheduler()

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        if timeout is None or max_idle_time is not None:
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        slice_ = min(timeout, self.STOP_CHECK_SECONDS)
        while not self._stop_requested:
            # An idle limit of one slice makes RQ return None when the slice passes empty.
            result = super().dequeue_job_and_maintain_ttl(slice_, max_idle_time=slice_)
            if result is not None:
                return result
        return None

    def _start_scheduler(self, burst: bool = False, *args, **kwargs):
        super()._start_scheduler(burst, *args, **kwargs)
        # Started after RQ's scheduler process is forked, so the fork copies no thread.
        if self.periodic is not None and not burst:
            self.periodic.start()

    def teardown(self):
        if self.periodic is not None:
            self.periodic.stop()
        super().teardown()


def preload_heavy_modules() -> None:
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # missing system libraries: jobs needing it will fail loudly
            log.warning("could not preload %s: %s", name, exc)


def build_worker(app: Flask, *, queues=None, name: str | None = None,
                 with_periodic: bool = True, tick: float = 1.0) -> AppWorker:
    """An `AppWorker` for `app` on its REDIS_URL, listening on `queues` in that order."""
    from redis import Redis

    from app.scheduling import PeriodicScheduler

    connection = Redis.from_url(app.config["REDIS_URL"])
    timeout = app.config["JOB_TIMEOUT"]
    rq_queues = [Queue(q, connection=connection, default_timeout=timeout)
                 for q in (queues or JobQueue.QUEUES)]
    periodic = PeriodicScheduler(app, connection, tick=tick) if with_periodic else None
    return AppWorker(rq_queues, connection=connection, name=name, app=app, periodic=periodic)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Run a Marquee job worker.")
    parser.add_argument("--burst", action="store_true",
                        help="process the jobs already queued, then exit")
    parser.add_argument("--queues", nargs="+", metavar="QUEUE", default=list(JobQueue.QUEUES),
                        help="queues to listen on, highest priority first "
                             "(default: %(default)s)")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="run jobs only: no RQ scheduler, no periodic tasks")
    parser.add_argument("--name", help="worker name (default: generated, unique)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _exit_before_work(signum, frame):
    raise SystemExit(0)  # stopped while starting: nothing taken yet, nothing to finish


def main(argv=None) -> int:
    # Until RQ installs its warm-shutdown handlers, SIGTERM simply ends the process cleanly.
    signal.signal(signal.SIGTERM, _exit_before_work)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from app import create_app

    app = create_app()
    if not app.config.get("REDIS_URL"):
        print("worker.py: REDIS_URL is not set. Without Redis, jobs run inline in the web "
              "process and no worker is needed; set REDIS_URL (for example "
              "redis://127.0.0.1:6379/0) to run one.", file=sys.stderr)
        return 2
    unknown = set(args.queues) - set(JobQueue.QUEUES)
    if unknown:
        print(f"worker.py: unknown queue(s): {', '.join(sorted(unknown))}; "
              f"choose from {', '.join(JobQueue.QUEUES)}", file=sys.stderr)
        return 2
    preload_heavy_modules()
    worker = build_worker(app, queues=args.queues, name=args.name,
                          with_periodic=not args.no_scheduler)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler,
                logging_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
