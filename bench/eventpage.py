"""Requests per second of the public event page, next to a bare "ok" response.

Builds a fresh PostgreSQL database (`marquee_bench_eventpage`) with one published event (a
seat map attached, as a real on-sale event has), then runs N concurrent clients against
gunicorn (2 workers) for a fixed time: first `GET /events/<slug>` as an anonymous visitor,
then `GET /healthz` as the floor of what the stack can answer. Loopback only.

    .venv/bin/python -m bench.eventpage [--seconds 15] [--clients 8]
"""

from __future__ import annotations

import argparse
import secrets
from datetime import timedelta
from decimal import Decimal

from bench._server import LoadResult, fresh_database, gunicorn, run_load

SLUG = "bench-event-page"


def build(url: str) -> None:
    from app import create_app
    from app.extensions import db
    from app.models import Event, EventStatus, Organization, Venue
    from app.models.types import utcnow
    from app.services import seating

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        org = Organization(name="Bench Productions", slug="bench")
        venue = Venue(organization=org, name="Arena", timezone="Africa/Lusaka")
        starts = utcnow() + timedelta(days=30)
        event = Event(organization=org, venue=venue, title="Bench night", slug=SLUG,
                      description="An evening of benchmarks.\n\nDoors at seven.",
                      starts_at=starts, ends_at=starts + timedelta(hours=3),
                      timezone="Africa/Lusaka", status=EventStatus.PUBLISHED, currency="ZMW")
        db.session.add(event)
        db.session.flush()
        seat_map = seating.generate_seat_map(venue, "Arena", [seating.SectionSpec("S1", 30, 50)])
        seating.attach_seat_map(event, seat_map, {"Standard": Decimal("100.00")})
        db.session.commit()
        db.engine.dispose()


def page_request(path: str, seed: int):
    headers = {"Accept": "text/html"}
    return lambda: ("GET", path, headers)


def line(name: str, result: LoadResult) -> str:
    return (f"{name:<12} {result.per_second:8.0f} req/s  p50 {result.percentile(50):6.2f} ms  "
            f"p99 {result.percentile(99):6.2f} ms  statuses {result.statuses}")


def main() -> None:
    import functools

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    url = fresh_database("marquee_bench_eventpage")
    build(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(32),
           "FLASK_ENV": "production", "REDIS_URL": "", "SANDBOX_GATEWAY_ENABLED": "0"}
    print(f"load: {args.clients} client processes, {args.seconds:.0f} s, gunicorn -w 2 (sync), "
          "PostgreSQL")
    with gunicorn("app:create_app()", env) as base:
        event_page = functools.partial(page_request, f"/events/{SLUG}")
        run_load(base, event_page, args.clients, 2.0)  # warm-up: templates, pools
        page = run_load(base, event_page, args.clients, args.seconds)
        ok = run_load(base, functools.partial(page_request, "/healthz"), args.clients,
                      args.seconds)
    print(line("event page", page))
    print(line("/healthz", ok))
    print(f"event page / health check: {page.per_second / ok.per_second:.2f}")


if __name__ == "__main__":
    main()
