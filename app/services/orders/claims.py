"""An order's claims on seats (`Hold` rows with `cart_id = order.hold_key`).

The seating core's rules hold here too: every change takes the event's seating lock first
(`live.lock_event`) and logs the changed seats, so seat maps update; the unique index on
`(event_id, seat_id)` is what makes a seat impossible to sell twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models.orders import Order
from app.models.seating import Hold, HoldStatus, TicketType
from app.models.types import UTCDateTime
from app.services.seating import live
from app.services.seating.general_admission import places_taken
from app.services.seating.holds import claim

CLAIMING = (HoldStatus.ORDERED, HoldStatus.SOLD)


def seat_ids(order: Order) -> list[int]:
    return [line.seat_id for line in order.lines if line.seat_id is not None]


def sell(order: Order, now: datetime) -> bool:
    """Turn the order's live `ordered` claims into sales (no expiry). False when some of its
    claims are gone (expired), so nothing was changed and the caller must `reclaim`.

    One statement, all or nothing: the claims change only when together they still cover
    every line (the caller holds the event's seating lock, so the count cannot move)."""
    sold = db.session.scalars(_sale_statement(), {
        "cart": order.hold_key, "event": order.event_id, "now": now,
        "lines": len(order.lines)}, execution_options={"synchronize_session": False}).all()
    return bool(sold)


@cache
def _sale_statement():
    """The update of `sell`, built once (its parameters are bound at each call): building
    it costs more than running it."""
    def live(h):
        return (h.cart_id == bindparam("cart"), h.event_id == bindparam("event"),
                h.status == HoldStatus.ORDERED,
                h.expires_at > bindparam("now", type_=UTCDateTime()))

    claimed = aliased(Hold)  # the count reads the claims apart from the rows it updates
    covered = select(func.coalesce(func.sum(claimed.quantity), 0)).where(
        *live(claimed)).scalar_subquery()
    return (update(Hold).where(*live(Hold), covered == bindparam("lines"))
            .values(status=HoldStatus.SOLD, expires_at=None).returning(Hold.id))


def set_expiry(order: Order, until: datetime) -> None:
    """Move the expiry of the order's open claims (a new approval window)."""
    db.session.execute(update(Hold).where(Hold.cart_id == order.hold_key,
                                          Hold.event_id == order.event_id,
                                          Hold.status == HoldStatus.ORDERED)
                       .values(expires_at=until), execution_options={"synchronize_session": False})


def release(order: Order) -> list[int]:
    """Delete every claim of the order (seats back on sale); the seats freed."""
    freed = db.session.scalars(
        delete(Hold).where(Hold.cart_id == order.hold_key, Hold.event_id == order.event_id)
        .returning(Hold.seat_id), execution_options={"synchronize_session": False}
    ).all()
    return [seat_id for seat_id in freed if seat_id is not None]


def release_seats(order: Order) -> None:
    """Release the order's claims under the event's seating lock, seat maps told. An order
    without lines (a vendor's booth fee) claims no seats and takes no seating lock."""
    if not order.lines:
        return
    lock = live.lock_event(order.event_id)
    live.record_changes(lock, release(order))


def reclaim(order: Order, now: datetime) -> bool:
    """Take every seat of the order again, as sold, all or nothing (a late payment).

    Seats use the seating core's `claim` (INSERT … ON CONFLICT … WHERE expired): a seat
    someone else holds or bought is not taken. General-admission places are checked against
    capacity under the ticket type's row lock. The caller holds the event's seating lock.
    """
    db.session.execute(delete(Hold).where(Hold.cart_id == order.hold_key,
                                          Hold.event_id == order.event_id,
                                          Hold.expires_at <= now),
                       execution_options={"synchronize_session": False})
    seated = [line for line in order.lines if line.seat_id is not None]
    rows = [{"event_id": order.event_id, "seat_id": line.seat_id, "quantity": 1,
             "ticket_type_id": line.ticket_type_id, "cart_id": order.hold_key,
             "user_id": order.user_id, "status": HoldStatus.SOLD, "expires_at": None,
             "created_at": now} for line in seated]
    got = {hold.seat_id: hold.id for hold in claim(order.event_id, rows, now)} if rows else {}
    if len(got) != len(seated) or not _reclaim_places(order, now):
        release(order)
        return False
    for line in seated:
        line.hold_id = got[line.seat_id]
    return True


def _reclaim_places(order: Order, now: datetime) -> bool:
    wanted = Counter(line.ticket_type_id for line in order.lines if line.seat_id is None)
    for ticket_type_id, quantity in sorted(wanted.items()):
        capacity = db.session.scalar(select(TicketType.capacity)
                                     .where(TicketType.id == ticket_type_id).with_for_update())
        if places_taken(ticket_type_id, now) + quantity > (capacity or 0):
            return False
        hold = Hold(event_id=order.event_id, ticket_type_id=ticket_type_id, quantity=quantity,
                    cart_id=order.hold_key, user_id=order.user_id, status=HoldStatus.SOLD,
                    expires_at=None, created_at=now)
        db.session.add(hold)
        db.session.flush()
        for line in order.lines:
            if line.seat_id is None and line.ticket_type_id == ticket_type_id:
                line.hold_id = hold.id
    return True


def record(lock: live.EventLock, order: Order, next_expiry: datetime | None = None) -> None:
    """Log the order's seats as changed at the lock's version (seat maps update)."""
    live.record_changes(lock, seat_ids(order), next_expiry)
