"""The naive hold, for tests only: read whether the seat is free, then insert.

Used when `SEAT_GUARD_DISABLED` is set in a TESTING app. Without the unique index on
`(event_id, seat_id)` two requests can both read "free" and both insert; the concurrency test
runs this path against a schema without that index to show the race the guard prevents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select

from app.extensions import db
from app.models.events import Event
from app.models.seating import EventSeating, Hold
from app.services.seating import live
from app.services.seating.claims import HOLDS, RETURNED
from app.services.seating.errors import SeatTaken
from app.services.seating.holds import _row, hold_time, seats_for_sale
from app.services.seating.views import HeldSeat


def hold_seats_unguarded(event: Event, ids: list[int], cart_id: str, user_id: int | None,
                         now: datetime) -> list[HeldSeat]:
    settings = db.session.get(EventSeating, event.id)
    seats = seats_for_sale(event.id, settings.seat_map_id, ids)
    taken = set(db.session.scalars(
        select(Hold.seat_id).where(Hold.event_id == event.id, Hold.seat_id.in_(ids),
                                   or_(Hold.expires_at.is_(None), Hold.expires_at > now))
    ))
    for seat in seats:
        if seat.id in taken:
            raise SeatTaken(seat.label, seat.id)
    expires = now + hold_time(settings.hold_minutes)
    rows = [_row(event.id, seat, cart_id, user_id, expires, now) for seat in seats]
    holds = [HeldSeat(*row) for row in db.session.execute(
        insert(HOLDS).returning(*RETURNED), rows)]
    lock = live.lock_event(event.id)
    live.record_changes(lock, ids, expires)
    return holds
