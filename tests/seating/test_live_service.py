"""The live version counter, the change log and polling (database and Redis)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import fakeredis
import pytest
import time_machine
from sqlalchemy import event as sa_event

from app.extensions import db
from app.models.types import utcnow
from app.services import seating
from app.services.seating import live


@contextmanager
def counting_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def fake_redis(app):
    """The app's Redis replaced by fakeredis for one test."""
    client = fakeredis.FakeRedis()
    saved = app.config.get("REDIS_URL"), app.extensions.get("marquee_redis")
    app.config["REDIS_URL"] = "redis://fake.invalid/0"
    app.extensions["marquee_redis"] = client
    yield client
    app.config["REDIS_URL"], app.extensions["marquee_redis"] = saved


def test_every_change_bumps_the_version_and_logs_its_seats(seat_map_event, make_user):
    se = seat_map_event()
    a1, a2, a3 = se.row("A")[:3]
    assert seating.current_version(se.event.id) == 0
    seating.hold_seats(se.event, [a1, a2], "cart-a")
    db.session.commit()
    assert seating.changes_since(se.event.id, 0) == (1, [a1, a2])
    seating.release_seat(se.event, a1, "cart-a")
    db.session.commit()
    seating.block_seats(se.event, [a3], make_user())
    db.session.commit()
    assert seating.changes_since(se.event.id, 1) == (3, [a1, a3])
    assert seating.changes_since(se.event.id, 3) == (3, [])


def test_refused_or_empty_operations_leave_the_version_alone(seat_map_event):
    se = seat_map_event(max_seats_per_order=2)
    a1, a2, a3 = se.row("A")[:3]
    seating.hold_seat(se.event, a1, "cart-a")
    db.session.commit()
    with pytest.raises(seating.SeatTaken):
        seating.hold_seats(se.event, [a2, a1], "cart-b")
    with pytest.raises(seating.HoldLimitReached):
        seating.hold_seats(se.event, [a2, a3], "cart-a")
    assert seating.release_seat(se.event, a3, "cart-a") is False
    db.session.commit()
    assert seating.current_version(se.event.id) == 1
    assert seating.changes_since(se.event.id, 0) == (1, [a1])


def test_a_client_ahead_of_the_counter_or_behind_the_log_reloads(seat_map_event):
    se = seat_map_event()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        seating.hold_seat(se.event, se.seat("A-2"), "cart-b")
        db.session.commit()
    assert seating.changes_since(se.event.id, 99) == (2, None)
    with time_machine.travel(start + timedelta(minutes=17), tick=False):
        seating.expire_holds()  # prunes log rows older than 15 minutes, frees both holds
        db.session.commit()
    version, seats = seating.changes_since(se.event.id, 0)
    assert (version, seats) == (3, None)
    assert seating.changes_since(se.event.id, 1)[1] is not None


def test_poll_answers_nothing_when_unchanged_and_releases_due_holds(seat_map_event):
    se = seat_map_event(hold_minutes=10)
    seat = se.seat("B-2")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        seating.hold_seat(se.event, seat, "cart-a")
        db.session.commit()
        assert seating.poll_changes(se.event.id, 1) is None
        assert seating.poll_changes(se.event.id, 0) == seating.Changes(1, [seat])
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        changes = seating.poll_changes(se.event.id, 1)
        db.session.commit()
        assert changes == seating.Changes(2, [seat])
        assert seating.live_state(se.event.id) == live.LiveState(2, None)
        assert seating.poll_changes(se.event.id, 2) is None


def test_unchanged_poll_costs_one_query_without_redis(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    event_id = se.event.id
    db.session.close()
    with counting_queries() as statements:
        assert seating.poll_changes(event_id, 1) is None
    assert len(statements) == 1


def test_redis_mirrors_the_version_and_an_unchanged_poll_skips_the_database(
        seat_map_event, fake_redis, app):
    app.config["SEAT_VERSION_KEY_PREFIX"] = "test:seating"
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    key = f"test:seating:{se.event.id}"
    assert fake_redis.hget(key, "v") == b"1"
    assert fake_redis.hget(key, "x") not in (None, b"")
    with counting_queries() as statements:
        assert seating.poll_changes(se.event.id, 1) is None
        assert seating.current_version(se.event.id) == 1
    assert statements == []
    seating.release_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    changes = seating.poll_changes(se.event.id, 1)
    assert changes == seating.Changes(2, [se.seat("A-1")])


def test_a_visitors_seat_click_is_mirrored_as_it_commits(seat_map_event, fake_redis, app):
    """A click by someone not logged in commits in its own transaction (on PostgreSQL, in
    the message that claims): the mirror must hear of it, or other maps' polls see no
    change until something else moves the version."""
    app.config["SEAT_VERSION_KEY_PREFIX"] = "test:seating"
    se = seat_map_event()
    db.session.commit()
    visitor = app.test_client()
    visitor.environ_base["HTTP_HX_REQUEST"] = "true"
    for label, version in (("A-1", b"1"), ("A-2", b"2")):
        assert visitor.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold"
                            ).status_code == 200
        assert fake_redis.hget(f"test:seating:{se.event.id}", "v") == version
    assert seating.poll_changes(se.event.id, 1) == seating.Changes(2, [se.seat("A-2")])


def test_redis_mirror_never_goes_backwards(app, fake_redis):
    app.config["SEAT_VERSION_KEY_PREFIX"] = "test:backwards"
    live._mirror(7, 5, None)
    live._mirror(7, 4, None)
    assert seating.current_version(7) == 5
    fake_redis.delete("test:backwards:7")
    assert seating.current_version(7) == 0  # no such event: the database says 0


def test_redis_down_falls_back_to_the_database(seat_map_event, app):
    app.config["SEAT_VERSION_KEY_PREFIX"] = "test:down"
    saved = app.config.get("REDIS_URL"), app.extensions.get("marquee_redis")
    from redis import Redis

    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions["marquee_redis"] = Redis.from_url("redis://127.0.0.1:1/0",
                                                     socket_connect_timeout=0.2)
    try:
        se = seat_map_event()
        seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
        db.session.commit()  # the mirror fails after the commit, quietly
        assert seating.current_version(se.event.id) == 1
    finally:
        app.config["REDIS_URL"], app.extensions["marquee_redis"] = saved


def test_polls_cache_the_state_briefly_and_a_local_commit_empties_the_cache(
        seat_map_event, monkeypatch):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    ticks = [1000.0]
    monkeypatch.setattr(live, "clock", lambda: ticks[0])
    assert seating.poll_changes(se.event.id, 1) is None  # read, then cached
    with db.engine.begin() as other_process:  # a change the cache cannot know of
        other_process.execute(live.update(live.SEATING).values(version=2)
                              .where(live.SEATING.c.event_id == se.event.id))
    assert seating.poll_changes(se.event.id, 1) is None
    ticks[0] += 0.3  # one cache period later, the change shows
    assert seating.poll_changes(se.event.id, 1) == seating.Changes(2, [])
    assert seating.poll_changes(se.event.id, 2) is None  # cached again, at version 2
    seating.release_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()  # a change made here is seen at once
    assert seating.poll_changes(se.event.id, 2) == seating.Changes(3, [se.seat("A-1")])
