"""Seat map page benchmark: server time and bytes for the whole map (1,548 and 20,000 seats),
and for an unchanged poll (204) next to a bare "ok" response.

Runs in-process through the Flask test client (the full WSGI stack: routing, session,
security headers, database), on a fresh SQLite file by default or on the database in
BENCH_DATABASE_URL (an empty, throwaway database: tables are created and dropped). With
BENCH_REDIS_URL, the live version counter is mirrored in Redis as in production (keys under
a prefix of their own), so an unchanged poll reads Redis instead of the database.

    python -m bench.seatmap [--runs 15] [--polls 500]

Targets: an unchanged poll costs at most 2x a bare "ok"; the 20,000-seat map renders in at
most 15x the time of the 1,548-seat map.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from app import create_app
from app.extensions import db
from app.models import Event, EventStatus, Organization, Venue
from app.models.types import utcnow
from app.services import seating


def build_app():
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-seatmap-')) / 'bench.db'}"
    from app.config import _database_url

    redis_url = os.environ.get("BENCH_REDIS_URL") or None
    app = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": _database_url(url),
                      "REDIS_URL": redis_url, "JOBS_INLINE": True,
                      "SEAT_VERSION_KEY_PREFIX": f"bench-seatmap:{secrets.token_hex(4)}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SECRET_KEY": "bench-only", "SESSION_COOKIE_SECURE": False})
    app.add_url_rule("/bench/ok", "bench_ok", lambda: "ok")
    return app


def seated_event(org: Organization, slug: str, make_map) -> Event:
    venue = Venue(organization=org, name=f"{slug} hall")
    start = utcnow().replace(microsecond=0)
    event = Event(organization=org, venue=venue, title=slug, slug=slug, currency="ZMW",
                  starts_at=start, ends_at=start.replace(year=start.year + 1),
                  status=EventStatus.PUBLISHED)
    db.session.add(event)
    db.session.flush()
    seat_map = make_map(venue)
    prices = {zone.name: Decimal("100.00") + zone.colour_index for zone in seat_map.zones}
    seating.attach_seat_map(event, seat_map, prices)
    db.session.commit()
    return event


def big_map(venue: Venue):
    """20,000 seats: four curved sections of 50 rows × 100 seats, three zones."""
    zones = {range(0, 10): "VIP", range(10, 30): "Gold", range(30, 50): "Standard"}
    return seating.generate_seat_map(venue, "Stadium", [
        seating.SectionSpec(name, 50, 100, curved=True, zone_for_rows=zones,
                            wheelchair_spaces=2 if name in ("West", "East") else 0)
        for name in ("West", "North", "South", "East")])


def timed(client, requests: list[tuple[str, int]],
          runs: int) -> list[tuple[float, int]]:
    """(median seconds, bytes of the body) of each (url, expected status) in `requests`,
    after one warm-up each. The requests take turns, one of each per run, so that a change
    in the machine's speed during the run weighs on all of them alike (their ratios are the
    figures)."""
    sizes, times = [], [[] for _ in requests]
    for url, expect in requests:
        response = client.get(url)
        assert response.status_code == expect, (url, response.status_code)
        sizes.append(len(response.get_data()))
    for _ in range(runs):
        for (url, expect), spent in zip(requests, times, strict=True):
            start = time.perf_counter()
            response = client.get(url)
            spent.append(time.perf_counter() - start)
            assert response.status_code == expect
    return [(statistics.median(spent), size) for spent, size in zip(times, sizes, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="full map renders per size")
    parser.add_argument("--polls", type=int, default=500, help="polls and bare requests")
    args = parser.parse_args()

    app = build_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        org = Organization(name="Bench", slug="bench")
        db.session.add(org)
        small = seated_event(org, "bench-small", seating.demo_seat_map)
        large = seated_event(org, "bench-large", big_map)
        counts = {e.slug: len(seating.load_seat_map(e, None).seats) for e in (small, large)}
        version = seating.current_version(small.id)
        db.session.remove()

        client = app.test_client()
        client.get(f"/events/{small.slug}/seats")  # the visitor's cart cookie, as in a browser
        maps = timed(client, [(f"/events/{e.slug}/seats", 200) for e in (small, large)],
                     args.runs)
        rows = [(f"full map, {counts[e.slug]:,} seats", median, size)
                for e, (median, size) in zip((small, large), maps, strict=True)]
        (poll, poll_size), (ok, ok_size) = timed(
            client, [(f"/events/{small.slug}/seats/changes?v={version}", 204), ("/bench/ok", 200)],
            args.polls)
        rows += [("unchanged poll (204)", poll, poll_size), ('bare "ok"', ok, ok_size)]

        redis = "Redis version mirror" if app.config["REDIS_URL"] else "no Redis"
        print(f"seat map benchmark ({db.engine.dialect.name}, {redis}, Flask test client, "
              "medians)")
        print(f"{'':34} {'server time':>12} {'bytes':>12}")
        for name, seconds, size in rows:
            print(f"{name:34} {seconds * 1000:>9.2f} ms {size:>12,}")
        ratio_map = rows[1][1] / rows[0][1]
        seat_ratio = counts[large.slug] / counts[small.slug]
        print(f"20,000 / 1,548 map time: {ratio_map:.1f}x for {seat_ratio:.1f}x the seats "
              f"(target <= 15x)")
        print(f"unchanged poll / bare ok: {poll / ok:.2f}x (target <= 2x)")
        db.drop_all()


if __name__ == "__main__":
    main()
