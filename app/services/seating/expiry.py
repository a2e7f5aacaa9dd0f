"""Releasing expired holds.

Expired holds already count as free everywhere (reads ignore them and a new hold takes them
over in its own statement). Deleting them is housekeeping that also tells everyone watching:
it bumps the event's version and logs the freed seats. Two paths do it:

- `expire_holds()`, the periodic job, for every event with something due;
- `expire_due(event_id)`, called by a poll when the event's `next_expiry_at` has passed, so
  others see an expiry within one poll interval, without waiting for the job. The poll's
  unchanged path reads `next_expiry_at` with the version, so this costs nothing extra.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models.seating import EventSeating, Hold, HoldStatus, SeatChange
from app.models.types import utcnow
from app.services.seating import live

EXPIRING = (HoldStatus.HELD, HoldStatus.ORDERED)
CHANGE_LOG_RETENTION = timedelta(minutes=15)


def expire_due(event_id: int, now: datetime | None = None) -> int:
    """Release the event's expired holds and recompute its next expiry; the seats freed.

    Flushes only; the caller commits.
    """
    now = now or utcnow()
    locked = db.session.execute(
        select(EventSeating.version).where(EventSeating.event_id == event_id)
        .with_for_update()
    ).one_or_none()
    if locked is None:
        return 0
    version = locked.version
    freed = db.session.execute(
        delete(Hold).where(Hold.event_id == event_id, Hold.status.in_(EXPIRING),
                           Hold.expires_at <= now)
        .returning(Hold.seat_id)
    ).scalars().all()
    if freed:
        lock = live.lock_event(event_id)
        version = lock.version
        live.record_changes(lock, [seat_id for seat_id in freed if seat_id is not None])
    next_expiry = db.session.scalar(
        select(func.min(Hold.expires_at)).where(Hold.event_id == event_id,
                                                Hold.expires_at.is_not(None))
    )
    live.set_next_expiry(event_id, version, next_expiry)
    return len(freed)


def expire_holds(now: datetime | None = None) -> int:
    """Release expired holds of every event and prune the change log; the holds released.

    Flushes only; the caller (the job) commits.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(Hold.event_id).distinct()
        .where(Hold.status.in_(EXPIRING), Hold.expires_at <= now)
        .union(select(EventSeating.event_id).where(EventSeating.next_expiry_at <= now))
    ).all()
    released = sum(expire_due(event_id, now) for event_id in sorted(due))
    prune_changes(now - CHANGE_LOG_RETENTION)
    return released


def prune_changes(before: datetime) -> int:
    """Delete change-log rows older than `before`; clients older than that reload the map."""
    pruned = db.session.execute(
        delete(SeatChange).where(SeatChange.created_at < before)
        .returning(SeatChange.event_id, SeatChange.version)
    ).all()
    newest: dict[int, int] = {}
    for event_id, version in pruned:
        newest[event_id] = max(version, newest.get(event_id, 0))
    for event_id, version in newest.items():
        db.session.execute(
            update(EventSeating).where(EventSeating.event_id == event_id,
                                       EventSeating.changes_pruned_through < version)
            .values(changes_pruned_through=version))
    return len(pruned)
