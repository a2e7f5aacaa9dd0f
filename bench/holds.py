"""Holds per second through the full stack versus a bare INSERT … ON CONFLICT endpoint.

Builds a fresh PostgreSQL database (`marquee_bench`) with a 20,000-seat map, then runs N
concurrent clients against gunicorn (2 workers) for a fixed time, each request holding one
random seat:

1. the full stack: the real `POST /events/<slug>/seats/<id>/hold` (htmx). Each client is a
   series of visitors (`Visitors`): a visitor keeps the session cookie its first click got
   (its cart) and clicks until it holds the limit per order, 10 seats; then the next one
   comes. (A person's first click finds the cart the seat map page made; here the first
   click of each visitor makes it, as the page is not loaded.) CSRF and rate limits off:
   the client reads no tokens from pages. Jobs inline, no Redis;
2. the bare endpoint, served by the same app in the same gunicorn processes (a bench-only
   blueprint, see `bench.bare_holds`): one `INSERT … ON CONFLICT DO NOTHING` and a commit per
   request behind the same Flask request handling, so the ratio measures the hold logic
   (on an engine of its own with psycopg's default statement preparation, which the app's
   engine turns off);
3. the same bare endpoint committing as a seat hold does, without waiting for PostgreSQL
   to flush the commit to disk (`SET LOCAL synchronous_commit = off`, see
   `app.services.seating.holds`): the like-for-like ratio;
4. for reference, the same INSERT from a separate tiny WSGI app without Flask.

Prints requests/s, p50/p99 latency, conflicts, double holds counted in the database (must be
0), where the CPU went per request (load generator, PostgreSQL, the app server) and the
ratios of rates and of CPU per request. The endpoints served by the app take turns
(`--rounds`), so that a change in the machine's speed during the benchmark weighs on every
side of the ratios. Loopback only.

    .venv/bin/python -m bench.holds [--seconds 15] [--clients 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import functools
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from sqlalchemy import create_engine, text

from bench._server import (
    CpuShare,
    LoadResult,
    analyze,
    cpu_share,
    fresh_database,
    gunicorn,
    run_load,
)

SLUG = "bench-hall"
WARM_UP = 2.0  # seconds of unmeasured load before each measured run
LIMIT_PER_ORDER = 10  # the event's setting (the default)


def bench_app():
    """The app as gunicorn serves it in this benchmark, with the bench-only bare endpoint."""
    from app import create_app
    from bench.bare_holds import blueprint

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    app.register_blueprint(blueprint)
    return app


def build(url: str, seats: int) -> tuple[int, int, int]:
    """Schema, one published event with a `seats`-seat map: (event id, first, last seat id)."""
    from datetime import timedelta

    from app import create_app
    from app.extensions import db
    from app.models import Event, EventStatus, Organization, Venue
    from app.models.types import utcnow
    from app.services import seating

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        org = Organization(name="Bench", slug="bench")
        venue = Venue(organization=org, name="Arena")
        starts = utcnow() + timedelta(days=30)
        event = Event(organization=org, venue=venue, title="Bench", slug=SLUG,
                      starts_at=starts, ends_at=starts + timedelta(hours=3),
                      status=EventStatus.PUBLISHED, currency="ZMW")
        db.session.add(event)
        db.session.flush()
        per_section = seats // 5
        sections = [seating.SectionSpec(f"S{n}", 40, per_section // 40, curved=True)
                    for n in range(1, 6)]
        seat_map = seating.generate_seat_map(venue, "Arena", sections)
        seating.attach_seat_map(event, seat_map, {"Standard": Decimal("100.00")})
        db.session.commit()
        ids = db.session.execute(text("SELECT min(id), max(id), count(*) FROM seats")).one()
        print(f"built: {ids[2]:,} seats, event {event.id}")
        event_id = event.id
        db.engine.dispose()
    return event_id, ids[0], ids[1]


class Visitors:
    """One client's visitors, one after the other, each clicking random seats as a person on
    the seat map does: with the session cookie its first click got, until its cart holds the
    limit per order (then the next visitor comes)."""

    def __init__(self, first: int, last: int, seed: int):
        self.rng, self.first, self.last = random.Random(seed), first, last
        self.cookie: str | None = None
        self.held: set[int] = set()
        self.seat = 0

    def __call__(self):
        headers = {"HX-Request": "true", "Content-Length": "0"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.seat = self.rng.randint(self.first, self.last)
        while self.seat in self.held:  # a person does not click their own seat to hold it
            self.seat = self.rng.randint(self.first, self.last)
        return "POST", f"/events/{SLUG}/seats/{self.seat}/hold", headers

    def answered(self, response) -> None:
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        if response.status == 200:
            self.held.add(self.seat)
            if len(self.held) == LIMIT_PER_ORDER:
                self.cookie, self.held = None, set()


def full_request(first: int, last: int, seed: int) -> Visitors:
    return Visitors(first, last, seed)


def bare_request(first: int, last: int, seed: int, prefix: str = ""):
    rng = random.Random(seed)
    headers = {"Content-Length": "0"}
    return lambda: ("POST", f"{prefix}/{rng.randint(first, last)}/{secrets.token_hex(8)}",
                    headers)


def double_holds(url: str, table: str, where: str) -> tuple[int, int]:
    """(seats claimed more than once, rows) in `table` (names are this module's own)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        doubles = conn.scalar(text(
            f"SELECT count(*) FROM (SELECT seat_id FROM {table} WHERE {where} "  # noqa: S608
            "GROUP BY seat_id HAVING count(*) > 1) AS d"))
        rows = conn.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"))  # noqa: S608
    engine.dispose()
    return doubles, rows


@dataclass
class Measured:
    """What the measured runs of one endpoint added up to."""

    result: LoadResult = field(default_factory=lambda: LoadResult(0, 0.0, [], {}))
    cpu: CpuShare = field(default_factory=CpuShare)
    rows: int = 0  # rows the runs added to the table
    doubles: int = 0  # seats claimed more than once in the table, after the runs

    def add(self, result: LoadResult, cpu: CpuShare, rows: int) -> None:
        total = self.result
        for status, count in result.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + count
        self.result = LoadResult(total.requests + result.requests,
                                 total.seconds + result.seconds,
                                 total.latencies + result.latencies, total.statuses)
        self.cpu = CpuShare(self.cpu.clients + cpu.clients, self.cpu.database + cpu.database,
                            self.cpu.machine + cpu.machine)
        self.rows += rows


def measure(base: str, endpoints: list[tuple], args, url: str) -> list[Measured]:
    """Warm up each endpoint, then measured runs that take turns (`args.rounds` of each, of
    `args.seconds / args.rounds`), so that a change in the machine's speed during the
    benchmark weighs on every endpoint alike. `endpoints`: (load, table, where) each."""
    for load, _, _ in endpoints:
        run_load(base, load, args.clients, WARM_UP)  # templates compiled, pools filled
    measured = [Measured() for _ in endpoints]
    for turn in range(args.rounds):
        for (load, table, where), total in zip(endpoints, measured, strict=True):
            before = double_holds(url, table, where)[1]
            with cpu_share() as cpu:
                result = run_load(base, load, args.clients, args.seconds / args.rounds,
                                  first_seed=1000 + turn * args.clients)
            total.add(result, cpu, double_holds(url, table, where)[1] - before)
    for (_, table, where), total in zip(endpoints, measured, strict=True):
        total.doubles = double_holds(url, table, where)[0]
    return measured


def report(name: str, measured: Measured) -> None:
    result, doubles, rows, cpu = measured.result, measured.doubles, measured.rows, measured.cpu
    ok = result.statuses.get(200, 0)
    conflicts = result.statuses.get(409, 0)
    other = {k: v for k, v in result.statuses.items() if k not in (200, 409)}
    print(f"{name:<11} {result.per_second:8.0f} req/s  p50 {result.percentile(50):6.2f} ms  "
          f"p99 {result.percentile(99):6.2f} ms  held {ok:6d}  conflicts {conflicts:6d}  "
          f"other {other or 0}  new rows {rows}  double holds {doubles}")
    print(f"{'':<11} {cpu.per_request(result.requests)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seats", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns the full stack and the bare insert take (each of "
                             "seconds / rounds)")
    args = parser.parse_args()

    url = fresh_database("marquee_bench")
    event_id, first, last = build(url, args.seats)
    analyze(url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        from bench.bare_holds import SCHEMA

        conn.execute(SCHEMA)
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(32),
           "FLASK_ENV": "production", "REDIS_URL": ""}
    print(f"load: {args.clients} client processes, {args.seconds:.0f} s for each endpoint in "
          f"{args.rounds} turns, gunicorn -w 2 (sync), PostgreSQL, random seats")
    bare_load = functools.partial(bare_request, first, last, prefix="/bench/bare")
    async_load = functools.partial(bare_request, first, last, prefix="/bench/bare-async")
    with gunicorn("bench.holds:bench_app()", env) as base:
        full, bare, bare_async = measure(base, [
            (functools.partial(full_request, first, last), "holds", f"event_id = {event_id}"),
            (bare_load, "bare_holds", "event_id = 1"),
            (async_load, "bare_holds", "event_id = 2")], args, url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE bare_holds")
    with gunicorn("bench.bare_holds:app", env) as base:
        [wsgi] = measure(base, [(functools.partial(bare_request, first, last), "bare_holds",
                                 "event_id = 1")], args, url)
    report("full stack", full)
    report("bare insert", bare)
    report("bare, async", bare_async)
    report("bare, WSGI", wsgi)
    print(f"ratio       full stack / bare insert in the same app = "
          f"{full.result.per_second / bare.result.per_second:.2f} (target ≥ 0.50)")
    per_bare, per_hold = (m.cpu.machine / m.result.requests for m in (bare, full))
    print(f"cpu ratio   CPU per bare insert / CPU per hold in the same app = "
          f"{per_bare / per_hold:.2f}")
    print(f"like for    full stack / bare insert committing as a hold does (no wait for the "
          f"WAL flush) = {full.result.per_second / bare_async.result.per_second:.2f}")
    print(f"reference   full stack / bare insert from a separate WSGI app without Flask = "
          f"{full.result.per_second / wsgi.result.per_second:.2f}")
    print("check       answers 200 = new rows in the database: " + ", ".join(
        f"{name} {m.result.statuses.get(200, 0) == m.rows}"
        for name, m in (("full stack", full), ("bare", bare), ("async", bare_async),
                        ("WSGI", wsgi))))


if __name__ == "__main__":
    main()
