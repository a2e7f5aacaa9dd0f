"""Gate verdicts per second through the real scan endpoint, beside the raw Ed25519 ceiling.

Builds a fresh PostgreSQL database (`marquee_bench_checkin`) with one event starting now and
`--tickets` signed general-admission tickets of paid orders, then runs `--gates` concurrent
gates (client processes, one keep-alive connection each) against gunicorn (`--workers` sync
workers, 2 by default) for a fixed time. Every request is a real scan:
`POST /checkin/<event>/scan` with a random ticket's code, a fresh nonce, the gate's name and
session (as the scanner page sends them), a logged-in gate-staff session and its CSRF token,
answered in JSON (the gate device's path, app/services/checkin/gate.py); the first scan of
a ticket is VALID, later ones ALREADY IN. The server checks pooled connections as configured
by default (DATABASE_PRE_PING=socket).

Then the same gates send the same requests to a bench-only endpoint that answers them with
no scanning at all (the floor: session cookie, CSRF token, headers and a JSON answer).

Prints verdicts/s, p50/p99 latency, the verdict mix, entries counted twice in the database
(must be 0), the floor's rate, the single-core Ed25519 verification rate on this machine (the
ceiling for one worker), where the CPU went per scan and per floor request (load generator,
PostgreSQL, the app server) against the budget of a target rate, and the load average (other
work on the machine skews the figures).

    .venv/bin/python -m bench.checkin [--seconds 15] [--gates 20] [--tickets 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from flask import Blueprint, jsonify
from sqlalchemy import create_engine, text

from bench._server import LoadResult, analyze, cpu_share, fresh_database, gunicorn

SLUG = "bench-gate"
WARM_UP = 2.0


def bench_app():
    """The app as gunicorn serves it here: production settings, no rate limits, and the
    bench-only floor endpoint."""
    from app import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    app.register_blueprint(floor)
    return app


floor = Blueprint("bench_gate_floor", __name__)


@floor.post("/bench/gate-floor")
def gate_floor():
    """The floor under a verdict: the same request as a scan (session cookie read, CSRF token
    checked, security headers, a JSON answer), through the same app and gunicorn, with no
    scanning in it: no signature check, no database."""
    return jsonify(result="floor")


def build(url: str, tickets: int, secret_key: str) -> tuple[list[str], int, str, str]:
    """Schema, event, tickets and a gate user: (codes, event id, session cookie, CSRF token)."""
    from app import create_app
    from app.extensions import db
    from app.models import Event, EventStatus, Membership, Organization, Role, User, Venue
    from app.models.orders import Order, OrderLine, OrderStatus, PaymentMethod
    from app.models.seating import TicketKind, TicketType
    from app.models.tickets import Ticket
    from app.models.types import utcnow
    from app.services.tickets import keys, signing
    from app.services.tickets.issuance import sign_ticket

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key})
    with app.app_context():
        db.create_all()
        org = Organization(name="Bench", slug="bench")
        starts = utcnow() - timedelta(minutes=30)
        event = Event(organization=org, venue=Venue(organization=org, name="Stadium"),
                      title="Bench", slug=SLUG, starts_at=starts,
                      ends_at=starts + timedelta(hours=4), status=EventStatus.PUBLISHED,
                      currency="ZMW")
        standing = TicketType(event=event, name="Standing", price=Decimal("20.00"),
                              currency="ZMW", kind=TicketKind.GENERAL_ADMISSION,
                              capacity=tickets)
        gate = User(email="gate@bench.test", name="Gate", password_hash="!",  # noqa: S106 (no login)
                    email_verified_at=utcnow())
        db.session.add_all([event, standing, Membership(user=gate, organization=org,
                                                        role=Role.GATE)])
        db.session.flush()
        key = keys.active_key(org.id)
        private = keys.private_key(key)
        codes = []
        for start in range(0, tickets, 1000):
            batch = []
            for n in range(start, min(start + 1000, tickets)):
                order = Order(code=f"B{n:07d}", event_id=event.id, buyer_email=f"b{n}@x.test",
                              buyer_name=f"Buyer {n}", status=OrderStatus.PAID, currency="ZMW",
                              total=Decimal("20.00"), payment_method=PaymentMethod.SANDBOX,
                              paid_at=utcnow())
                line = OrderLine(order=order, ticket_type_id=standing.id,
                                 price=Decimal("20.00"), description="Standing",
                                 attendee_name=f"Holder {n}", attendee_email=f"h{n}@x.test")
                batch.append(Ticket(order_line=line, order=order, event_id=event.id,
                                    ticket_type_id=standing.id, holder_name=f"Holder {n}",
                                    holder_email=f"h{n}@x.test",
                                    secret=signing.new_secret().hex(), key_id=key.id,
                                    revision=1, qr_payload=""))
            db.session.add_all(batch)
            db.session.flush()
            for ticket in batch:
                sign_ticket(ticket, event, private)
                codes.append(ticket.qr_payload)
            db.session.commit()
        raw_token = secrets.token_hex(20)
        from itsdangerous import URLSafeTimedSerializer

        token = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(raw_token)
        cookie = app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": gate.get_id(), "_fresh": True, "csrf_token": raw_token})
        event_id = event.id
        db.engine.dispose()
    print(f"built: {tickets:,} signed tickets, event {event_id}")
    return codes, event_id, cookie, token


def _gate(args) -> tuple[list[float], dict[str, int]]:
    """One gate: one keep-alive connection, scanning random codes until time is up."""
    base, path, codes, cookie, token, seconds, seed = args
    rng = random.Random(seed)
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Cookie": f"session={cookie}", "X-CSRFToken": token,
               "Accept": "application/json",
               "Content-Type": "application/x-www-form-urlencoded"}
    latencies, verdicts = [], {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = urlencode({"code": rng.choice(codes), "gate": f"Gate {seed}", "session_id": "",
                          "nonce": f"{seed}-{secrets.token_hex(8)}", "device_id": str(seed)})
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        kind = json.loads(payload)["result"] if response.status == 200 else str(response.status)
        verdicts[kind] = verdicts.get(kind, 0) + 1
    conn.close()
    return latencies, verdicts


def run_gates(base: str, codes, cookie: str, token: str, gates: int, seconds: float,
              first_seed: int = 0, path: str = f"/checkin/{SLUG}/scan",
              ) -> tuple[LoadResult, dict[str, int]]:
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(gates) as pool:
        parts = pool.map(_gate, [(base, path, codes, cookie, token, seconds, first_seed + n)
                                 for n in range(gates)])
    elapsed = min(time.monotonic() - started, seconds + 0.5)
    latencies = [value for part, _ in parts for value in part]
    verdicts: dict[str, int] = {}
    for _, part in parts:
        for kind, count in part.items():
            verdicts[kind] = verdicts.get(kind, 0) + count
    return LoadResult(len(latencies), elapsed, latencies, {}), verdicts


def ed25519_rate(code: str, public: bytes, seconds: float = 2.0) -> float:
    """Signature verifications per second on one core (the form check included)."""
    from app.services.tickets import signing

    key = signing.load_public_key(public)
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(200):
            signing.verify_code(code, key)
        count += 200
    return count / seconds


def double_entries(url: str) -> tuple[int, int]:
    """(tickets with more than one VALID entry, check-in rows)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        doubles = conn.scalar(text(
            "SELECT count(*) FROM (SELECT ticket_id FROM checkins WHERE result = 'valid' "
            "GROUP BY ticket_id, session_scope HAVING count(*) > 1) AS d"))
        rows = conn.scalar(text("SELECT count(*) FROM checkins"))
    engine.dispose()
    return doubles, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--gates", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    secret_key = secrets.token_urlsafe(32)
    url = fresh_database("marquee_bench_checkin")
    codes, _, cookie, token = build(url, args.tickets, secret_key)
    analyze(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        public = bytes(conn.scalar(text("SELECT public_key FROM organization_keys")))
    engine.dispose()
    env = {"DATABASE_URL": url, "SECRET_KEY": secret_key, "FLASK_ENV": "production",
           "REDIS_URL": ""}
    print(f"load: {args.gates} gates (client processes), {args.seconds:.0f} s, "
          f"gunicorn -w {args.workers} (sync), PostgreSQL, random tickets, JSON verdicts")
    with gunicorn("bench.checkin:bench_app()", env, workers=args.workers) as base:
        run_gates(base, codes, cookie, token, args.gates, WARM_UP)
        with cpu_share() as cpu:
            result, verdicts = run_gates(base, codes, cookie, token, args.gates, args.seconds,
                                         first_seed=1000)
        with cpu_share() as floor_cpu:
            floor_result, _ = run_gates(base, codes, cookie, token, args.gates, args.seconds,
                                        first_seed=2000, path="/bench/gate-floor")
    doubles, rows = double_entries(url)
    ceiling = ed25519_rate(codes[0], public)
    print(f"verdicts   {result.per_second:8.0f} /s  p50 {result.percentile(50):6.2f} ms  "
          f"p99 {result.percentile(99):6.2f} ms  ({result.requests} scans)")
    print(f"floor      {floor_result.per_second:8.0f} /s  p50 {floor_result.percentile(50):6.2f} ms"
          f"  p99 {floor_result.percentile(99):6.2f} ms  (the same request answered with no "
          "scanning: session, CSRF, headers, JSON)")
    print(f"mix        {dict(sorted(verdicts.items()))}")
    print(f"database   {rows} check-ins recorded, tickets let in twice: {doubles}")
    print(f"ceiling    {ceiling:8.0f} Ed25519 verifications/s on one core")
    print(f"cpu        {cpu.describe()}")
    print(f"per scan   {cpu.per_request(result.requests)}")
    print(f"per floor  {floor_cpu.per_request(floor_result.requests)}")
    print(f"budget     {os.cpu_count()} cores at 1,000 verdicts/s allow "
          f"{os.cpu_count():.2f} ms CPU per verdict in all")
    print("load avg   " + " ".join(f"{value:.2f}" for value in os.getloadavg())
          + f" (1/5/15 min) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
