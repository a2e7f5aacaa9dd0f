"""The live version counter of an event's seats, and the log of which seats changed.

Ordering: every change takes the event's `event_seating` row lock (`lock_event` bumps
`version` with an UPDATE) before it writes `SeatChange` rows with that version and commits;
its other writes go in the same transaction, before or after. Row locks make versions commit
in order, so a reader that sees version V also sees every change up to V.
Redis (when configured) mirrors `(version, next_expiry_at)` *after* the commit, only ever
forward; a poll whose version equals the mirror's answers 204 with one Redis round trip. If
the mirror lags or Redis is down, polls fall back to the database (one cheap query), never to
a wrong answer: a lagging mirror only sends a client to the database early.

Polls read the state through a per-process cache kept for `SEAT_VERSION_CACHE_SECONDS`
(0.25 s by default, 0 turns it off), so a burst of unchanged polls costs no round trip at
all. Every commit in the process empties it, so a change made here is seen by the next poll;
a change made by another process is seen at worst one cache period plus one poll interval
later (0.25 s + 1 s, within the 2 s promised).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import (
    Integer,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.extensions import db, jobs
from app.models.seating import EventSeating, SeatChange
from app.models.types import UTCDateTime
from app.services.seating.errors import NoSeatMap
from app.services.seating.views import Changes
from app.sql_batches import statement

log = logging.getLogger(__name__)
_PENDING = "marquee_seat_versions"
KEY_TTL = 3600  # a mirror that missed an update heals within the hour at worst
SEAT_CHANGES = SeatChange.__table__
SEATING = EventSeating.__table__
# event id → (monotonic deadline, state) of recent polls' reads; emptied by every commit
_STATES: dict[int, tuple[float, LiveState]] = {}
clock = time.monotonic  # replaceable in tests

@dataclass(frozen=True)
class EventLock:
    """The locked `event_seating` row of an event, with its version already bumped."""

    event_id: int
    version: int
    seat_map_id: int
    hold_minutes: int
    max_seats_per_order: int
    next_expiry_at: datetime | None
    payment_minutes: int | None = None  # the event's own payment window, if it has one


@dataclass(frozen=True)
class LiveState:
    version: int
    next_expiry_at: datetime | None


def _forget_loaded(event_id: int, names) -> None:
    """A loaded `EventSeating` forgets what a Core UPDATE changes (it is read again when
    used): the ORM's bulk UPDATE, which would keep it in step, costs far more here."""
    loaded = db.session.identity_map.get(identity_key(EventSeating, event_id))
    if loaded is not None:
        db.session.expire(loaded, list(names))


def _seating_update(event_id: int, **values):
    _forget_loaded(event_id, values)
    return update(SEATING).where(SEATING.c.event_id == event_id).values(**values)


_LOCK = (update(SEATING).where(SEATING.c.event_id == bindparam("event"))
         .values(version=SEATING.c.version + 1)
         .returning(SEATING.c.version, SEATING.c.seat_map_id, SEATING.c.hold_minutes,
                    SEATING.c.max_seats_per_order, SEATING.c.next_expiry_at,
                    SEATING.c.payment_minutes))


def lock_event(event_id: int) -> EventLock:
    """Lock the event's seating row and take the next version (one UPDATE … RETURNING)."""
    _forget_loaded(event_id, ("version",))
    row = db.session.execute(_LOCK, {"event": event_id}).one_or_none()
    if row is None:
        raise NoSeatMap()
    return EventLock(event_id, *row)


@statement("seat_lock")
def SEAT_LOCK(dialect: str):
    """`lock_event` as a statement of a batch: the version taken, and the next expiry."""
    return (update(SEATING).where(SEATING.c.event_id == bindparam("event", type_=Integer))
            .values(version=SEATING.c.version + 1)
            .returning(SEATING.c.version, SEATING.c.next_expiry_at))


# (UPDATE reserves its columns' names: the event's parameter is `event`.) Both statements
# below look at the change log at the row's own version: run after `SEAT_LOCK` and the
# change, in the same transaction, that is the version this transaction took.
@statement("seat_next_expiry")
def SEAT_NEXT_EXPIRY(dialect: str):
    """Lower the event's next expiry to `expiry` if this transaction logged a change."""
    expiry = bindparam("expiry", type_=UTCDateTime())
    return (update(SEATING)
            .where(SEATING.c.event_id == bindparam("event", type_=Integer),
                   or_(SEATING.c.next_expiry_at.is_(None), SEATING.c.next_expiry_at > expiry),
                   _logged_at_own_version())
            .values(next_expiry_at=expiry))


@statement("seat_version_back")
def SEAT_VERSION_BACK(dialect: str):
    """`unchanged`: give the version back if this transaction logged no change."""
    return (update(SEATING)
            .where(SEATING.c.event_id == bindparam("event", type_=Integer),
                   ~_logged_at_own_version())
            .values(version=SEATING.c.version - 1))


def _logged_at_own_version():
    """The version read by a subquery of its own, not joined from the row being updated: the
    change log is then probed by (event, version), whatever plan its statistics suggest (a
    join would scan all of the event's changes for the one version)."""
    event = bindparam("event", type_=Integer)
    version = select(SEATING.c.version).where(SEATING.c.event_id == event).scalar_subquery()
    return exists().where(SEAT_CHANGES.c.event_id == event, SEAT_CHANGES.c.version == version)


def unchanged(lock: EventLock) -> None:
    """Give back the version `lock_event` took, when nothing changed after all.

    The row is still locked by this transaction, so nobody can have seen that version.
    """
    db.session.execute(_seating_update(lock.event_id, version=SEATING.c.version - 1))


def record_changes(lock: EventLock, seat_ids: list[int],
                   next_expiry: datetime | None = None) -> None:
    """Log `seat_ids` as changed at the lock's version; lower the event's next expiry."""
    if seat_ids:
        db.session.execute(insert(SEAT_CHANGES), [
            {"event_id": lock.event_id, "version": lock.version, "seat_id": seat_id}
            for seat_id in seat_ids
        ])
    expiry = lock.next_expiry_at
    if next_expiry is not None and (expiry is None or next_expiry < expiry):
        expiry = next_expiry
        db.session.execute(_seating_update(lock.event_id, next_expiry_at=expiry))
    mirror_after_commit(lock.event_id, lock.version, expiry)


def forget_changes(lock: EventLock) -> None:
    """Delete the change log written at the lock's version (a refused change gives its
    version back, so nothing may stay logged under it)."""
    db.session.execute(delete(SEAT_CHANGES).where(SEAT_CHANGES.c.event_id == lock.event_id,
                                                  SEAT_CHANGES.c.version == lock.version))


def set_next_expiry(event_id: int, version: int, expiry: datetime | None) -> None:
    """Store the recomputed earliest expiry (the caller holds the event's lock)."""
    db.session.execute(_seating_update(event_id, next_expiry_at=expiry))
    mirror_after_commit(event_id, version, expiry)


def mirror_after_commit(event_id: int, version: int, expiry: datetime | None) -> None:
    pending = db.session().info.setdefault(_PENDING, {})
    pending[event_id] = (version, expiry)


def _key(event_id: int) -> str:
    prefix = current_app.config.get("SEAT_VERSION_KEY_PREFIX", "marquee:seating")
    return f"{prefix}:{event_id}"


def _mirror(event_id: int, version: int, expiry: datetime | None) -> None:
    """Store (version, next expiry) in Redis unless it already holds a newer version.

    Check-and-set with WATCH (no Lua, so fakeredis runs it too): commits can mirror out of
    order, and an older version must never overwrite a newer one.
    """
    from redis.exceptions import WatchError

    client = jobs.redis()
    if client is None:
        return
    key, stamp = _key(event_id), "" if expiry is None else f"{expiry.timestamp():.6f}"
    with client.pipeline() as pipe:
        for _ in range(5):
            try:
                pipe.watch(key)
                stored = pipe.hget(key, "v")
                if stored is not None and int(stored) > version:
                    return
                pipe.multi()
                pipe.hset(key, mapping={"v": version, "x": stamp})
                pipe.expire(key, KEY_TTL)
                pipe.execute()
                return
            except WatchError:
                continue


def mirror_now(event_id: int, version: int, expiry: datetime | None) -> None:
    """After a commit made outside the session (`app.sql_batches.transaction`): what the
    session's commit hook does, for one event."""
    _STATES.clear()
    from redis.exceptions import RedisError

    try:
        _mirror(event_id, version, expiry)
    except RedisError as exc:
        log.warning("seat version mirror for event %s failed: %s", event_id, exc)


def _after_commit(session: Session) -> None:
    _STATES.clear()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from redis.exceptions import RedisError

    for event_id, (version, expiry) in pending.items():
        try:
            _mirror(event_id, version, expiry)
        except RedisError as exc:
            log.warning("seat version mirror for event %s failed: %s", event_id, exc)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


if not sa_event.contains(Session, "after_commit", _after_commit):
    sa_event.listen(Session, "after_commit", _after_commit)
    sa_event.listen(Session, "after_soft_rollback", _after_rollback)


def _db_state(event_id: int) -> LiveState | None:
    row = db.session.execute(
        select(EventSeating.version, EventSeating.next_expiry_at)
        .where(EventSeating.event_id == event_id)
    ).one_or_none()
    return None if row is None else LiveState(*row)


def live_state(event_id: int) -> LiveState:
    """The event's version and next hold expiry: one Redis round trip, or one cheap query."""
    client = jobs.redis()
    if client is not None:
        from redis.exceptions import RedisError

        try:
            version, stamp = client.hmget(_key(event_id), ["v", "x"])
            if version is not None:
                expiry = datetime.fromtimestamp(float(stamp), UTC) if stamp else None
                return LiveState(int(version), expiry)
        except RedisError as exc:
            log.warning("seat version read failed, using the database: %s", exc)
            client = None
    state = _db_state(event_id)
    if state is None:
        return LiveState(0, None)
    if client is not None:
        try:
            _mirror(event_id, state.version, state.next_expiry_at)
        except Exception as exc:  # the database answered; the mirror is only a cache
            log.warning("seat version mirror failed: %s", exc)
    return state


def polled_state(event_id: int) -> LiveState:
    """`live_state` through the per-process cache (see the module's docstring)."""
    ttl = current_app.config.get("SEAT_VERSION_CACHE_SECONDS", 0.25)
    now = clock()
    cached = _STATES.get(event_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    state = live_state(event_id)
    if ttl > 0:
        if len(_STATES) > 10_000:
            _STATES.clear()
        _STATES[event_id] = (now + ttl, state)
    return state


def current_version(event_id: int) -> int:
    """The event's current seat version (Redis when configured, else the database)."""
    return live_state(event_id).version


def changes_since(event_id: int, version: int) -> tuple[int, list[int] | None]:
    """`(current version, seats changed after `version`)`; None: too old, reload the map."""
    row = db.session.execute(
        select(EventSeating.version, EventSeating.changes_pruned_through)
        .where(EventSeating.event_id == event_id)
    ).one_or_none()
    if row is None:
        return 0, None
    current, pruned = row
    if version > current or version < pruned:
        return current, None
    if version == current:
        return current, []
    seat_ids = db.session.scalars(
        select(SeatChange.seat_id).distinct()
        .where(SeatChange.event_id == event_id, SeatChange.version > version,
               SeatChange.version <= current)
    ).all()
    return current, sorted(seat_ids)


def poll_changes(event_id: int, since: int, now: datetime | None = None) -> Changes | None:
    """What a poll should send: None when nothing changed (answer 204), else the changes.

    When the event's earliest hold expiry has passed, due holds are released first (the
    caller commits), so everyone sees an expiry within one poll interval, without waiting
    for the periodic job. The unchanged case costs one Redis round trip or one query, and
    nothing while the per-process cache holds the state.
    """
    from app.services.seating.expiry import expire_due

    state = polled_state(event_id)
    now = now or datetime.now(UTC)
    due = state.next_expiry_at is not None and state.next_expiry_at <= now
    if not due and state.version == since:
        return None
    if due:
        expire_due(event_id, now)
    version, seat_ids = changes_since(event_id, since)
    if seat_ids == [] and version == since:
        return None
    return Changes(version, seat_ids)
