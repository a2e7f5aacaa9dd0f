"""Organizer side: take seats out of sale for one event (sound desk, camera), and back."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from app.extensions import db
from app.models.accounts import User
from app.models.audit import AuditEntry
from app.models.events import Event
from app.models.seating import Hold, HoldStatus
from app.models.types import utcnow
from app.services.seating import live
from app.services.seating.errors import SeatUnavailable
from app.services.seating.holds import _row, claim, refuse, seats_for_sale


def block_seats(event: Event, seat_ids: Iterable[int], actor: User | None) -> int:
    """Block seats for this event (all or none); already blocked seats are left as they are.

    Raises SeatUnavailable when a seat is held, ordered or sold: release it first.
    """
    ids = list(dict.fromkeys(seat_ids))
    now = utcnow()
    lock = live.lock_event(event.id)
    seats = seats_for_sale(event.id, lock.seat_map_id, ids, lock)
    blocked = set(db.session.scalars(
        select(Hold.seat_id).where(Hold.event_id == event.id, Hold.seat_id.in_(ids),
                                   Hold.status == HoldStatus.BLOCKED)))
    new = [seat for seat in seats if seat.id not in blocked]
    if not new:
        live.unchanged(lock)
        return 0
    rows = [_row(event.id, seat, None, None, None, now, HoldStatus.BLOCKED) for seat in new]
    holds = claim(event.id, rows, now)
    got = {hold.seat_id for hold in holds}
    for seat in new:
        if seat.id not in got:
            raise refuse(SeatUnavailable(
                f"Seat {seat.label} is held or sold and cannot be blocked.", seat.id),
                lock, holds)
    live.record_changes(lock, [seat.id for seat in new])
    _audit(event, actor, "seats.block", [seat.label for seat in new])
    return len(new)


def unblock_seats(event: Event, seat_ids: Iterable[int], actor: User | None) -> int:
    """Put blocked seats back on sale; returns how many were unblocked."""
    ids = list(dict.fromkeys(seat_ids))
    lock = live.lock_event(event.id)
    freed = db.session.scalars(
        delete(Hold).where(Hold.event_id == event.id, Hold.seat_id.in_(ids),
                           Hold.status == HoldStatus.BLOCKED)
        .returning(Hold.seat_id)
    ).all()
    if not freed:
        live.unchanged(lock)
        return 0
    live.record_changes(lock, list(freed))
    _audit(event, actor, "seats.unblock", sorted(freed))
    return len(freed)


def _audit(event: Event, actor: User | None, action: str, seats: list) -> None:
    db.session.add(AuditEntry(
        actor_id=actor.id if actor else None, organization_id=event.organization_id,
        action=action, object_type="event", object_id=event.id, details={"seats": seats},
    ))
