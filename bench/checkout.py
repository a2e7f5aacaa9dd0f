"""Orders completed per second end to end, and HTTP requests per order.

Builds a fresh PostgreSQL database (`marquee_bench_orders`) with one published event on a
seat map and N verified buyers, then runs gunicorn (2 workers) + Redis + one
`python worker.py`. Each buyer (one client process) repeats a purchase for a fixed time:

  1. POST hold a random seat (htmx)         4. GET  the sandbox gateway's hosted page
  2. GET  the checkout page                  5. POST card 4242 4242 4242 4242 (→ 303)
  3. POST place the order (→ 303 gateway)    6. GET  the order page

Back on the order page (step 6), the app asks the gateway how the session ended and settles
the paid order there: it marks the order paid and issues its tickets. Separately, the
gateway's RQ job POSTs the signed webhook to gunicorn (over HTTP,
`SANDBOX_WEBHOOK_INPROCESS=0`), which finds the charge applied (or settles it, when it comes
first). An order counts as completed when it is paid and its tickets exist. After the run the
benchmark waits (at most `--drain` seconds) until every order is paid and every webhook has
been received, and counts that time in: the webhooks' work is part of the run.

Prints completed orders per second (first order placed → last order paid or last webhook
received, whichever is later), requests per order (in all, and on the purchase path alone: a
seat someone else took first costs its buyer a retry), how many orders were settled on return
and how many by their webhook, the latency from placing to paid, and where the CPU went per
completed order (load generator, PostgreSQL, the app server with the worker and Redis)
against the budget of the target rate. Loopback only.

    .venv/bin/python -m bench.checkout [--seconds 20] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from bench._server import ROOT, analyze, cpu_share, fresh_database, gunicorn

SLUG = "bench-checkout"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
KEY = re.compile(r'name="attendees-(\d+)-key" type="hidden" value="([^"]+)"')


def bench_app():
    """The app as gunicorn serves it here: no CSRF or rate limits (no browser session)."""
    from app import create_app

    return create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def build(url: str, buyers: int, env: dict) -> tuple[list[int], list[str]]:
    """Schema, an event with a 6,000-seat map, and buyers: (seat ids, session cookies)."""
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.models import Event, EventStatus, Organization, User, Venue
    from app.models.types import utcnow
    from app.services import seating

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        org = Organization(name="Bench Productions", slug="bench")
        venue = Venue(organization=org, name="Arena")
        starts = utcnow() + timedelta(days=30)
        db.session.add(Event(organization=org, venue=venue, title="Bench night", slug=SLUG,
                             starts_at=starts, ends_at=starts + timedelta(hours=3),
                             status=EventStatus.PUBLISHED, currency="ZMW"))
        db.session.flush()
        event = db.session.execute(db.select(Event).filter_by(slug=SLUG)).scalar_one()
        sections = [seating.SectionSpec(f"S{n}", 40, 50) for n in range(1, 4)]
        seat_map = seating.generate_seat_map(venue, "Arena", sections)
        seating.attach_seat_map(event, seat_map, {"Standard": Decimal("100.00")},
                                max_seats_per_order=10)
        unusable = "!" + secrets.token_hex(16)  # no password logs these buyers in
        users = [User(email=f"buyer{n}@example.com", name=f"Buyer {n}", password_hash=unusable,
                      email_verified_at=utcnow()) for n in range(buyers)]
        db.session.add_all(users)
        db.session.commit()
        seats = list(db.session.scalars(text("SELECT id FROM seats ORDER BY id")))
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({"_user_id": user.get_id(), "_fresh": True,
                                     "cart_id": f"bench-{user.id}"}) for user in users]
        db.engine.dispose()
    return seats, cookies


class Buyer:
    """One person's browser: a keep-alive connection and the session cookie."""

    def __init__(self, base: str, cookie: str):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.cookie, self.requests = cookie, 0
        self.timings: dict[str, list[float]] = {}

    def send(self, method: str, path: str, form: dict | None = None, htmx: bool = False,
             step: str = "") -> tuple[int, dict, str]:
        started = time.perf_counter()
        headers = {"Cookie": f"session={self.cookie}"}
        body = urlencode(form or {}, doseq=True) if method == "POST" else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text_body = response.read().decode()
        self.requests += 1
        self.timings.setdefault(step or path, []).append(time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0].removeprefix("session=")
        return response.status, dict(response.headers), text_body

    def buy(self, seat_id: int) -> str | None:
        """One purchase; the order code, or None when the seat was taken."""
        status, _, _ = self.send("POST", f"/events/{SLUG}/seats/{seat_id}/hold", htmx=True,
                              step="1 hold")
        if status != 200:
            return None
        _, _, page = self.send("GET", f"/events/{SLUG}/checkout", step="2 checkout page")
        form = {"payment_method": "sandbox"}
        for index, key in KEY.findall(page):
            form |= {f"attendees-{index}-key": key, f"attendees-{index}-name": "Bench Buyer",
                     f"attendees-{index}-email": "bench@example.com"}
        status, headers, _ = self.send("POST", f"/events/{SLUG}/checkout", form,
                                        step="3 place order")
        if status != 303:
            return None
        gateway = headers["Location"]
        self.send("GET", gateway, step="4 gateway page")
        status, headers, _ = self.send("POST", gateway, {
            "number": "4242424242424242", "expiry": "12/40", "cvc": "123"}, step="5 pay")
        order_page = headers.get("Location", "")
        self.send("GET", order_page, step="6 order page")
        return order_page.rsplit("/", 1)[-1]


def _client(args) -> tuple[int, list[str], int, dict]:
    base, cookie, seats, seconds, seed = args
    rng, buyer = random.Random(seed), Buyer(base, cookie)
    codes, conflicts, retries = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        before = buyer.requests
        code = buyer.buy(rng.choice(seats))
        if code:
            codes.append(code)
        else:
            conflicts += 1
            retries += buyer.requests - before
    return buyer.requests, codes, conflicts, buyer.timings, retries


@contextmanager
def worker(env: dict, queues: list[str]):
    """One `python worker.py` (all queues, highest priority first; schedulers) for the run."""
    process = subprocess.Popen([sys.executable, "worker.py", "--queues", *queues], cwd=ROOT,
                               env={**os.environ, **env}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _rows(url: str, sql: str, **params) -> list[tuple]:
    """The rows of one query on the benchmark's database, on a connection of its own."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    engine.dispose()
    return rows


def completed(url: str, codes: list[str]) -> list[tuple]:
    """(created_at, paid_at, tickets) of the orders that are paid with tickets issued."""
    rows = _rows(url, "SELECT o.created_at, o.paid_at, (SELECT count(*) FROM tickets t "
                      "WHERE t.order_id = o.id) FROM orders o "
                      "WHERE o.code = ANY(:codes) AND o.status = 'paid'", codes=codes)
    return [row for row in rows if row[2] > 0]


def webhooks_received(url: str) -> tuple[int, float | None]:
    """How many webhooks gunicorn received, and when the last one came (epoch seconds)."""
    [(count, last)] = _rows(url, "SELECT count(*), max(received_at) FROM provider_events")
    return count, last.timestamp() if last else None


def paid_by(url: str) -> dict[str, int]:
    """Successful payments by what settled them: the buyer's return or the webhook."""
    return dict(_rows(url, "SELECT coalesce(raw->>'source', 'webhook'), count(*) "
                           "FROM payments WHERE status = 'succeeded' GROUP BY 1"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--queues", nargs="+", default=None,
                        help="the worker's queues, highest priority first (default: the "
                             "worker's own order; the sandbox's webhooks run on `payments`)")
    args = parser.parse_args()
    if args.queues is None:
        from app.job_queue import JobQueue

        args.queues = list(JobQueue.QUEUES)

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    url = fresh_database("marquee_bench_orders")
    instance = tempfile.mkdtemp(prefix="marquee-bench-")
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(32),
           "FLASK_ENV": "production", "REDIS_URL": REDIS_URL, "INSTANCE_PATH": instance,
           "SANDBOX_GATEWAY_ENABLED": "1", "SANDBOX_WEBHOOK_SECRET": secrets.token_hex(32),
           "SANDBOX_WEBHOOK_INPROCESS": "0", "MAIL_SERVER": ""}
    seats, cookies = build(url, args.clients, env)
    analyze(url)
    print(f"built: {len(seats):,} seats, {args.clients} buyers; gunicorn -w 2, PostgreSQL, "
          f"Redis, 1 worker ({' > '.join(args.queues)}); {args.seconds:.0f} s")
    with gunicorn("bench.checkout:bench_app()", env) as base, \
            worker({**env, "PUBLIC_URL": base}, args.queues):
        started = time.time()
        with cpu_share() as cpu:
            with multiprocessing.get_context("fork").Pool(args.clients) as pool:
                parts = pool.map(_client, [(base, cookies[n], seats, args.seconds, n)
                                           for n in range(args.clients)])
            placed = time.time()
            codes = [code for part in parts for code in part[1]]
            done, hooks = completed(url, codes), webhooks_received(url)
            while (len(done) < len(codes) or hooks[0] < len(codes)) \
                    and time.time() - placed < args.drain:
                time.sleep(0.5)
                done, hooks = completed(url, codes), webhooks_received(url)
    requests = sum(part[0] for part in parts)
    conflicts = sum(part[2] for part in parts)
    retries = sum(part[4] for part in parts)
    report(started, placed, codes, done, requests, conflicts, retries, hooks)
    settled = paid_by(url)
    print(f"settled            on return {settled.get('return', 0)}, by webhook "
          f"{settled.get('webhook', 0)}; webhooks received {hooks[0]}"
          + (f", the last {hooks[1] - placed:.1f} s after placing ended" if hooks[1] else ""))
    steps: dict[str, list[float]] = {}
    for part in parts:
        for step, values in part[3].items():
            steps.setdefault(step, []).extend(values)
    print("per request      " + "   ".join(
        f"{step[2:]} {1000 * sum(v) / len(v):.0f} ms" for step, v in sorted(steps.items())))
    if done:
        print(f"cpu              {cpu.describe()} (the app server's share includes the worker "
              "and Redis)")
        print(f"per order        {cpu.per_request(len(done), 'order')}; "
              f"{os.cpu_count()} cores at 25 orders/s allow {os.cpu_count() / 25 * 1000:.0f} ms "
              "in all")


def report(started: float, placed: float, codes: list[str], done: list[tuple],
           requests: int, conflicts: int, retries: int,
           hooks: tuple[int, float | None]) -> None:
    if not done:
        print(f"placed {len(codes)} orders, none completed")
        return
    last_paid = max(row[1] for row in done).timestamp()
    latencies = sorted((row[1] - row[0]).total_seconds() for row in done)
    span = max(last_paid, placed, hooks[1] or 0) - started
    print(f"orders placed      {len(codes):7d}   completed (paid + tickets) {len(done):7d}")
    print(f"completed/s        {len(done) / span:7.1f}   (over {span:.1f} s to the last payment "
          f"and webhook, placing for "
          f"{placed - started:.1f} s)")
    print(f"HTTP requests      {requests:7d}   per completed order {requests / len(done):5.2f}"
          f" in all; {(requests - retries) / len(done):5.2f} on the purchase path, plus "
          f"{retries} for {conflicts} seats someone else took first")
    print(f"placed → paid      p50 {latencies[len(latencies) // 2]:.2f} s   "
          f"p99 {latencies[min(len(latencies) - 1, int(.99 * len(latencies)))]:.2f} s")
    print(f"tickets issued     {sum(row[2] for row in done):7d}")


if __name__ == "__main__":
    main()
