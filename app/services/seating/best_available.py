"""Best available: N adjacent seats in one row, best first.

Adjacency: same section and row, consecutive seat numbers, and no aisle between them (an
aisle runs between two neighbours when both carry the `aisle` flag; a row's end seats carry
it too, which does not split the row). Wheelchair spaces and companion seats are sold on
their own and never picked here; they also split runs of ordinary seats.

Score (lower is better): the mean distance of the seats from the front centre of the stage,
plus half their distance from the centre line, plus a penalty for restricted view. Blocks
that would leave a single free seat stranded beside them come after every block that does
not, so orphans are only left when nothing else fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models.events import Event
from app.models.seating import EventSeating, Hold, Seat, SeatMap
from app.models.types import utcnow
from app.services.seating.errors import (
    HoldLimitReached,
    NotEnoughSeats,
    SeatTaken,
    SeatUnavailable,
)
from app.services.seating.holds import hold_seats
from app.services.seating.queries import _live_claim
from app.services.seating.views import BestAvailable, HeldSeat

RESTRICTED_PENALTY = 500.0
ATTEMPTS = 3


class NoSeatsTogether(NotEnoughSeats):
    """No block of N seats together exists; `suggestion` is the best split."""

    def __init__(self, count: int, suggestion: BestAvailable):
        sizes = " + ".join(str(n) for n in suggestion.sizes)
        super().__init__(f"There are no {count} seats together. The best we can offer is "
                         f"{sizes} seats close by.", count)
        self.suggestion = suggestion


@dataclass(frozen=True)
class _Seat:
    id: int
    run: int             # index of the run of adjacent seats it belongs to
    usable: bool         # free, and not a wheelchair space or companion seat
    eligible: bool       # usable and in the zone asked for
    score: float


def _load(event: Event, zone_id: int | None, now: datetime) -> list[_Seat]:
    settings = db.session.get(EventSeating, event.id)
    if settings is None:
        raise SeatUnavailable("This event has no seat map.")
    seat_map = db.session.get(SeatMap, settings.seat_map_id)
    cx = seat_map.stage_x + seat_map.stage_width / 2
    front = seat_map.stage_y + seat_map.stage_height
    rows = db.session.execute(
        select(Seat.id, Seat.section_id, Seat.row_label, Seat.number, Seat.x, Seat.y,
               Seat.aisle, Seat.wheelchair, Seat.companion, Seat.restricted_view,
               Seat.price_zone_id, Hold.id)
        .outerjoin(Hold, _live_claim(event.id, now))
        .where(Seat.seat_map_id == seat_map.id)
        .order_by(Seat.section_id, Seat.row_label, Seat.number)
    ).all()
    seats, run, prev = [], 0, None
    for r in rows:
        if prev is not None and not (prev[1] == r[1] and prev[2] == r[2]
                                     and r[3] == prev[3] + 1 and not (prev[6] and r[6])):
            run += 1
        usable = r[11] is None and not r[7] and not r[8]
        score = math.hypot(r[4] - cx, r[5] - front) + abs(r[4] - cx) / 2
        score += RESTRICTED_PENALTY if r[9] else 0.0
        seats.append(_Seat(r[0], run, usable, usable and zone_id in (None, r[10]), score))
        prev = r
    return seats


def _segments(seats: list[_Seat], taken: set[int]) -> list[list[_Seat]]:
    """Maximal stretches of adjacent usable seats."""
    segments, current = [], []
    for seat in seats:
        ok = seat.usable and seat.id not in taken
        if current and (not ok or seat.run != current[-1].run):
            segments.append(current)
            current = []
        if ok:
            current.append(seat)
    if current:
        segments.append(current)
    return segments


def _blocks(seats: list[_Seat], count: int, taken: set[int]) -> list[tuple]:
    """Every block of `count` eligible seats: (leaves an orphan, score, seat ids), best first."""
    found = []
    for segment in _segments(seats, taken):
        length = len(segment)
        for start in range(length - count + 1):
            block = segment[start:start + count]
            if not all(seat.eligible for seat in block):
                continue
            orphan = start == 1 or length - start - count == 1
            score = sum(seat.score for seat in block) / count
            found.append((orphan, score, tuple(seat.id for seat in block)))
    found.sort()
    return found


def _split(seats: list[_Seat], count: int) -> BestAvailable:
    """The best split: the largest block that exists, then the largest for the rest..."""
    chosen: list[int] = []
    sizes: list[int] = []
    while len(chosen) < count:
        for size in range(count - len(chosen), 0, -1):
            blocks = _blocks(seats, size, set(chosen))
            if blocks:
                chosen.extend(blocks[0][2])
                sizes.append(size)
                break
    return BestAvailable(tuple(chosen), False, tuple(sizes))


def best_available(event: Event, count: int, zone_id: int | None = None,
                   *, now: datetime | None = None) -> BestAvailable:
    """The best `count` seats together (in `zone_id` if given), else the best split.

    Raises NotEnoughSeats when fewer than `count` seats are free.
    """
    if count < 1:
        raise NotEnoughSeats("Ask for at least one seat.")
    seats = _load(event, zone_id, now or utcnow())
    free = sum(1 for seat in seats if seat.eligible)
    if free < count:
        where = " in that zone" if zone_id is not None else ""
        raise NotEnoughSeats(f"Only {free} seats are left{where}.", free)
    blocks = _blocks(seats, count, set())
    if blocks:
        return BestAvailable(blocks[0][2], True, (count,))
    return _split(seats, count)


def hold_best_available(event: Event, count: int, cart_id: str, zone_id: int | None = None,
                        user_id: int | None = None, *, allow_split: bool = False,
                        now: datetime | None = None) -> tuple[BestAvailable, list[HeldSeat]]:
    """Find and hold the best `count` seats for the cart, all or none.

    When a seat is taken between choosing and holding, choose again (at most 3 times).
    Without `allow_split`, raises NoSeatsTogether (carrying the best split) when no block of
    `count` seats exists; also NotEnoughSeats, HoldLimitReached, SeatTaken.
    """
    settings = db.session.get(EventSeating, event.id)
    if settings is not None and count > settings.max_seats_per_order:
        raise HoldLimitReached(settings.max_seats_per_order)
    for attempt in range(ATTEMPTS):
        choice = best_available(event, count, zone_id, now=now)
        if not choice.together and not allow_split:
            raise NoSeatsTogether(count, choice)
        try:
            return choice, hold_seats(event, choice.seat_ids, cart_id, user_id, now=now)
        except SeatTaken:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
