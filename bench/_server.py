"""Shared benchmark plumbing: a fresh PostgreSQL database, gunicorn on a free loopback port,
and a concurrent HTTP load generator. Benchmarks print figures; nothing here asserts.

    from bench._server import fresh_database, gunicorn, run_load
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def fresh_database(name: str) -> str:
    """Drop and create database `name` next to BENCH_ADMIN_URL's; its SQLAlchemy URL."""
    admin_url = make_url(ADMIN_URL)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """Run `gunicorn -w <workers> -b 127.0.0.1:<port> <app_spec>`; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", app_spec]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                               start_new_session=True)
    try:
        _wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening")


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]         # seconds, every request
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def _client(args) -> tuple[list[float], dict[int, int]]:
    base, make_request, seconds, seed = args
    host, port = base.removeprefix("http://").split(":")
    request_for = make_request(seed)
    answered = getattr(request_for, "answered", None)  # a client that reads its answers
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies, statuses = [], {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        method, path, headers = request_for()
        started = time.perf_counter()
        try:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            response.read()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if answered is not None:
            answered(response)
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.close()
    return latencies, statuses


def run_load(base: str, make_request: Callable, clients: int, seconds: float,
             first_seed: int = 0) -> LoadResult:
    """`clients` processes, each one connection (kept alive when the server allows), sending
    `make_request(seed)()` → (method, path, headers) for `seconds`; when that object has an
    `answered(response)` method, it sees each answer (a cookie to keep). Seeds run from
    `first_seed`: give a measured run other seeds than its warm-up, or it repeats its
    requests."""
    started = time.monotonic()
    seeds = range(first_seed, first_seed + clients)
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        parts = pool.map(_client, [(base, make_request, seconds, n) for n in seeds])
    elapsed = time.monotonic() - started
    latencies = [value for part, _ in parts for value in part]
    statuses: dict[int, int] = {}
    for _, part in parts:
        for status, count in part.items():
            statuses[status] = statuses.get(status, 0) + count
    return LoadResult(len(latencies), min(elapsed, seconds + 0.5), latencies, statuses)


@dataclass
class CpuShare:
    """Where the machine's CPU went during a run: the load generator's own processes (the
    benchmark's children that have exited), PostgreSQL's processes (when the server runs on
    this machine), and all busy time on the machine."""

    clients: float = 0.0  # CPU seconds
    database: float = 0.0  # CPU seconds
    machine: float = 0.0  # busy CPU seconds, all cores

    @property
    def server(self) -> float:
        """The rest: gunicorn's processes, the kernel's network stack, anything else."""
        return self.machine - self.clients - self.database

    def describe(self) -> str:
        share = self.clients / self.machine if self.machine else 0.0
        return (f"{self.machine:.1f} CPU-s busy on {os.cpu_count()} cores: load generator "
                f"{self.clients:.1f} ({share:.0%}), PostgreSQL {self.database:.1f}, "
                f"the app server and the rest {self.server:.1f}")

    def per_request(self, requests: int, unit: str = "request") -> str:
        """The same split in milliseconds of CPU per request (or per `unit`)."""
        return (f"{self.machine / requests * 1000:.2f} ms CPU per {unit}: load generator "
                f"{self.clients / requests * 1000:.2f}, PostgreSQL "
                f"{self.database / requests * 1000:.2f}, the app server and the rest "
                f"{self.server / requests * 1000:.2f}")


def _busy_seconds() -> float:
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _postgres_seconds() -> float:
    """CPU seconds used so far by the processes named `postgres` on this machine (0 when the
    database runs elsewhere). Backends that exit mid-run are missed: the benchmarks keep
    their connections open."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                raw = stat.read()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        if name == "postgres":
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def cpu_share() -> Iterator[CpuShare]:
    """Measure a run's `CpuShare` (the client processes must have exited by the end)."""
    share = CpuShare()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, database = _busy_seconds(), _postgres_seconds()
    yield share
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    share.clients = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    share.database = _postgres_seconds() - database
    share.machine = _busy_seconds() - busy


def analyze(url: str) -> None:
    """ANALYZE the tables the build filled, as autovacuum would have by the time a real
    sale or gate opens (a benchmark starts seconds after bulk-inserting thousands of rows).
    Tables still empty (holds, check-ins...) are left alone: statistics saying "empty"
    would plan them as tiny for the whole run while they grow, which production never
    sees (autovacuum analyzes a growing table again every few dozen rows)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = conn.scalars(text(
            "SELECT quote_ident(relname) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")).all()
        for table in tables:
            if conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {table})")):  # noqa: S608
                conn.execute(text(f"ANALYZE {table}"))
    engine.dispose()
