"""Fixtures for the outbox and the worker: a real SMTP server on loopback, extra apps wired to
it (and to real Redis), a dedicated Redis database, and a way to write outbox rows whose
delivery the test drives itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from app.extensions import db, jobs
from tests.conftest import BACKEND, base_config

ROOT = Path(__file__).resolve().parents[2]
# One Redis database per backend pass, so the SQLite and PostgreSQL passes may run side by
# side without flushing each other's queues.
REDIS_DB = {"sqlite": 9, "postgres": 10}


# ---------------------------------------------------------------- SMTP on loopback

class CapturingHandler:
    """Accepts mail and keeps it; `refuse_data` / `refuse_rcpt` script error replies."""

    def __init__(self):
        self.envelopes = []
        self.refuse_data: deque[str] = deque()
        self.refuse_rcpt: deque[str] = deque()
        self.always = None  # a reply given to every DATA, when set

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.always:
            return self.always
        if self.refuse_data:
            return self.refuse_data.popleft()
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.original_content or e.content, policy=policy.default)
                for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; `.port`, `.handler` (envelopes, scripted errors)."""
    handler = CapturingHandler()
    errors = []
    for _ in range(5):  # another process may grab the free port between probe and bind
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except (OSError, RuntimeError) as exc:
            errors.append(exc)
    else:
        pytest.fail(f"could not start the loopback SMTP server: {errors}")
    controller.handler = handler
    yield controller
    controller.stop()


@pytest.fixture
def closed_port():
    """A loopback port that refuses connections (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# ---------------------------------------------------------------- apps

@pytest.fixture
def make_app(app):
    """`make_app(**config)` → another app on the test database (cleaned by the autouse
    fixture), built with create_app. Its engine is disposed afterwards."""
    built = []

    def make(**overrides):
        # The database URL comes from the session app itself: `tests.conftest` can be
        # imported a second time under that name, with a temporary folder of its own.
        config = base_config(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
        config.update(overrides)
        other = create_app(config)
        built.append(other)
        return other

    yield make
    for other in built:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def mail_settings(server) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False, "MAIL_DEFAULT_SENDER": "Marquee <tickets@marquee.test>"}


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app that runs jobs inline and sends mail to the loopback SMTP server."""
    return make_app(**mail_settings(smtp_server))


# ---------------------------------------------------------------- Redis

@pytest.fixture
def redis_db(redis_url):
    """(url, client) for a Redis database used only by these tests, emptied before and after."""
    from redis import Redis

    parts = urlsplit(redis_url)
    url = urlunsplit(parts._replace(path=f"/{REDIS_DB[BACKEND]}"))
    client = Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


@pytest.fixture
def redis_mail_app(make_app, smtp_server, redis_db):
    """An app that sends jobs to real Redis and mail to the loopback SMTP server."""
    url, _ = redis_db
    return make_app(REDIS_URL=url, JOBS_INLINE=False, **mail_settings(smtp_server))


# ---------------------------------------------------------------- outbox rows and workers

def write_email(to: str = "ada@example.test", subject: str = "Doors open at seven",
                **context):
    """Queue a message in the current app and commit, without enqueuing its delivery: the
    test calls `deliver_email` itself."""
    from app.services.outbox import queue_email

    context.setdefault("message", "Doors open at seven. Bring your ticket.")
    email = queue_email(to, "notice", subject, **context)
    jobs.pending(db.session()).clear()
    db.session.commit()
    return email


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {message or condition}")
        time.sleep(interval)


def worker_env(app) -> dict:
    """Environment for a `worker.py` subprocess configured like `app`."""
    config = app.config
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "TEST_"))}
    env.update({
        "FLASK_ENV": "testing",
        "SECRET_KEY": config["SECRET_KEY"],
        "INSTANCE_PATH": config["INSTANCE_PATH"],
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": config["REDIS_URL"],
        "MAIL_SERVER": config["MAIL_SERVER"],
        "MAIL_PORT": str(config["MAIL_PORT"]),
        "MAIL_USE_TLS": "0",
        "MAIL_USE_SSL": "0",
        "MAIL_DEFAULT_SENDER": config["MAIL_DEFAULT_SENDER"],
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_worker(app, *args: str) -> subprocess.Popen:
    """Start `worker.py <args>`; its output goes to a temporary file (a pipe nobody reads
    could fill up and stall it), read back by `worker_output`."""
    with tempfile.NamedTemporaryFile(mode="w", prefix="worker-", suffix=".log",
                                     delete=False) as log:
        # A session of its own, so that cleanup can reach RQ's forked scheduler process too.
        proc = subprocess.Popen([sys.executable, str(ROOT / "worker.py"), *args], cwd=ROOT,
                                env=worker_env(app), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    proc.log_path = Path(log.name)
    _STARTED.append(proc)
    return proc


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_worker_left_behind():
    """Whatever a test did, no worker process it started outlives it."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        proc.log_path.unlink(missing_ok=True)


def read_log(proc: subprocess.Popen) -> str:
    """What a worker has written so far."""
    return proc.log_path.read_text(errors="replace")


def worker_output(proc: subprocess.Popen) -> str:
    output = read_log(proc)
    proc.log_path.unlink(missing_ok=True)
    return output


def _finish(proc: subprocess.Popen, timeout: float, what: str) -> str:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"worker {what}:\n{worker_output(proc)}")
    return worker_output(proc)


def run_worker(app, *args: str, timeout: float = 120, returncode: int = 0) -> str:
    """Run `worker.py <args>` to completion; return its output, checking its exit code."""
    proc = start_worker(app, *args)
    output = _finish(proc, timeout, "did not finish")
    assert proc.returncode == returncode, output
    return output


def stop_workers(*procs: subprocess.Popen, timeout: float = 30) -> list[str]:
    """Ask running workers to shut down warmly (SIGTERM); return their outputs."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    outputs = [_finish(proc, timeout, "ignored SIGTERM") for proc in procs]
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output
    return outputs


def work_in_process(app, *, with_scheduler: bool = False) -> bool:
    """Run an in-process worker for `app` in burst mode (signal handlers restored after)."""
    from worker import build_worker

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker = build_worker(app, with_periodic=False)
        return worker.work(burst=True, with_scheduler=with_scheduler)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
