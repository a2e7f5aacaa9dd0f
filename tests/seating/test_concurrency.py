"""No seat is ever held twice: 50 real threads racing through HTTP, on PostgreSQL.

A threaded WSGI server runs an app from the factory; each thread is one browser (its own
`requests` session, so its own cart cookie). Single seats go through the real hold endpoint;
multi-seat holds through a small test-only endpoint calling `hold_seats`. The database then
says who holds what. First the race is shown to be real: with the guard off (the naive
SELECT-then-INSERT path, on a schema without the unique index) seats do get held twice.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from flask import Blueprint, request
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Event
from app.models.seating import Hold
from app.services import seating
from app.services.errors import DomainError
from tests.conftest import BACKEND, PG_URL, base_config, require_service

pytestmark = pytest.mark.postgres
THREADS = 50


@pytest.fixture(autouse=True)
def _postgres_only():
    # The marker alone deselects these in a SQLite pass that a PostgreSQL pass follows;
    # without a PostgreSQL URL at all, skip here (or fail under REQUIRE_SERVICES=1).
    require_service(BACKEND == "postgres", "PostgreSQL is not configured (set TEST_DATABASE_URL)")


def _test_endpoints() -> Blueprint:
    """Test-only: hold several seats for an explicit cart (all or nothing)."""
    bp = Blueprint("seating_race", __name__)

    @bp.post("/_test/events/<slug>/hold-many")
    def hold_many(slug: str):
        event = db.session.execute(db.select(Event).filter_by(slug=slug)).scalar_one()
        ids = [int(value) for value in request.form["seats"].split(",")]
        try:
            seating.hold_seats(event, ids, request.form["cart"])
        except DomainError as error:
            db.session.rollback()
            return error.message, 409
        db.session.commit()
        return "held", 200

    return bp


@contextmanager
def serving(**config):
    """A real threaded HTTP server for an app built from the factory."""
    app = create_app(base_config(**config))
    app.register_blueprint(_test_endpoints())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


def race(jobs: list[Callable[[requests.Session], list[int]]]) -> list[int]:
    """Run each job on its own thread and session, all released at once; status codes."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        with requests.Session() as http:
            barrier.wait(timeout=30)
            return job(http)

    with ThreadPoolExecutor(len(jobs)) as pool:
        return [code for codes in pool.map(run, jobs) for code in codes]


def hold_one(base: str, slug: str, seat_ids: list[int]):
    def job(http: requests.Session) -> list[int]:
        return [http.post(f"{base}/events/{slug}/seats/{seat_id}/hold",
                          headers={"HX-Request": "true"}, timeout=60).status_code
                for seat_id in seat_ids]
    return job


def double_claims(event_id: int) -> int:
    """Seats with more than one live claim for the event."""
    db.session.expire_all()
    per_seat = (select(Hold.seat_id).where(Hold.event_id == event_id, Hold.seat_id.is_not(None))
                .group_by(Hold.seat_id).having(func.count() > 1).subquery())
    return db.session.scalar(select(func.count()).select_from(per_seat))


def claims_by_cart(event_id: int) -> dict[str, set[int]]:
    db.session.expire_all()
    held: dict[str, set[int]] = {}
    for seat_id, cart in db.session.execute(
            select(Hold.seat_id, Hold.cart_id).where(Hold.event_id == event_id)):
        held.setdefault(cart, set()).add(seat_id)
    return held


def assert_no_server_errors(codes: list[int]) -> None:
    unexpected = Counter(code for code in codes if code not in (200, 409))
    assert not unexpected, f"unexpected answers: {dict(unexpected)}"


def test_fifty_threads_race_for_the_same_ten_seats(seat_map_event):
    se = seat_map_event(rows=1, seats_per_row=10)
    ten = se.row("A")
    with serving() as (base, _):
        jobs = [hold_one(base, se.event.slug, random.sample(ten, len(ten)))
                for _ in range(THREADS)]
        codes = race(jobs)
    assert_no_server_errors(codes)
    assert double_claims(se.event.id) == 0
    assert codes.count(200) == db.session.scalar(
        select(func.count()).where(Hold.event_id == se.event.id)) == 10
    assert codes.count(409) == THREADS * 10 - 10


def test_fifty_threads_hold_random_seats_of_a_1500_seat_map(make_event):
    event = make_event()
    seat_map = seating.demo_seat_map(event.venue)
    seating.attach_seat_map(event, seat_map, seating.DEMO_PRICES, max_seats_per_order=40)
    db.session.commit()
    seat_ids = [seat.id for seat in seating.load_seat_map(event, None).seats]
    assert len(seat_ids) >= 1500
    rng = random.Random(3)
    with serving() as (base, _):
        codes = race([hold_one(base, event.slug, rng.sample(seat_ids, 30))
                      for _ in range(THREADS)])
    assert_no_server_errors(codes)
    assert double_claims(event.id) == 0
    held = claims_by_cart(event.id)
    assert sum(len(seats) for seats in held.values()) == codes.count(200)
    assert all(len(seats) <= 40 for seats in held.values())
    assert codes.count(409) > 0  # 1,500 seats, 1,500 attempts: collisions happened


def test_multi_seat_holds_are_whole_or_absent(seat_map_event):
    se = seat_map_event(rows=2, seats_per_row=12)
    seats = se.row("A") + se.row("B")
    rng = random.Random(7)
    requests_made: list[tuple[str, list[int]]] = [
        (f"cart-{n}", rng.sample(seats, 4)) for n in range(THREADS)]
    outcome: dict[str, int] = {}

    def hold_many(cart: str, ids: list[int]):
        def job(http: requests.Session) -> list[int]:
            code = http.post(f"{base}/_test/events/{se.event.slug}/hold-many", timeout=60,
                             data={"cart": cart, "seats": ",".join(map(str, ids))}).status_code
            outcome[cart] = code
            return [code]
        return job

    with serving() as (base, _):
        codes = race([hold_many(cart, ids) for cart, ids in requests_made])
    assert_no_server_errors(codes)
    assert double_claims(se.event.id) == 0
    held = claims_by_cart(se.event.id)
    for cart, ids in requests_made:
        if outcome[cart] == 200:
            assert held.pop(cart) == set(ids)
    assert held == {}, "a refused multi-seat hold left seats behind"
    assert 0 < codes.count(200) < THREADS


# ---------------------------------------------------------------- the guard off

@pytest.fixture
def unguarded_database():
    """A database of its own whose holds table lacks the unique index; dropped after."""
    from app.config import _database_url as normalise

    admin_url = make_url(normalise(PG_URL))
    name = f"{admin_url.database}_race"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_with_the_guard_off_the_race_really_happens(unguarded_database, seat_map_event):
    config = {"SQLALCHEMY_DATABASE_URI": unguarded_database, "SEAT_GUARD_DISABLED": True}
    with serving(**config) as (base, app), app.app_context():
        db.create_all()
        db.session.execute(text("DROP INDEX uq_holds_event_seat"))
        db.session.commit()
        doubles = 0
        for _ in range(3):  # one round nearly always shows it; three make it certain
            se = seat_map_event(rows=1, seats_per_row=10)
            ten = se.row("A")
            codes = race([hold_one(base, se.event.slug, random.sample(ten, len(ten)))
                          for _ in range(THREADS)])
            assert_no_server_errors(codes)
            doubles = double_claims(se.event.id)
            if doubles:
                break
        assert doubles > 0, "the naive path never double-held a seat: the race was not shown"
        assert codes.count(200) > 10
        db.session.remove()


def test_a_click_on_a_held_seat_never_deadlocks_with_a_writer_holding_the_event(
        seat_map_event):
    """Everything that takes both locks takes the event's first, then claim rows (an
    expiry sweep, a release, placing an order). A click on a seat someone holds must queue
    the same way: its claim locks that seat's row even when it leaves it alone, so a click
    that claimed first and then waited for the event would deadlock with such a writer."""
    from app.services.seating.errors import SeatTaken

    se = seat_map_event(rows=1, seats_per_row=4)
    seat = se.seat("A-1")
    seating.hold_seat(se.event, seat, "cart-owner")
    db.session.commit()
    event_id, slug = se.event.id, se.event.slug
    db.session.remove()
    engine = db.engine
    locked, problems = threading.Event(), []

    def writer():  # the shape of placing an order: the event's lock, then the seat's claim
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE event_seating SET version = version + 1 "
                                  "WHERE event_id = :e"), {"e": event_id})
                locked.set()
                threading.Event().wait(0.5)  # the click runs meanwhile
                conn.execute(text("UPDATE holds SET expires_at = expires_at "
                                  "WHERE event_id = :e AND seat_id = :s"),
                             {"e": event_id, "s": seat})
        except Exception as exc:  # noqa: BLE001 (reported below)
            problems.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(10)
    with pytest.raises(SeatTaken):
        seating.hold_at(slug, [seat], "cart-other")
    thread.join(10)
    assert problems == []
    assert db.session.scalar(select(Hold.cart_id).where(Hold.seat_id == seat)) == "cart-owner"
