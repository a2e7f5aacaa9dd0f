"""Seating's domain errors: each carries a message fit to show the person as it is."""

from __future__ import annotations

from app.services.errors import DomainError


class SeatingError(DomainError):
    """Base class of every seating refusal. `seen`: what the refusing operation read, when
    it can show the person where things stand without reading again (a `HoldOutcome`
    without holds: the seats asked for as they are now, the cart, the settings and the
    event's facts); None otherwise."""

    seen = None


class SeatTaken(SeatingError):
    """Someone else holds, bought or blocked the seat first."""

    def __init__(self, label: str, seat_id: int | None = None):
        super().__init__(f"Seat {label} was just taken by someone else.", "seat")
        self.label = label
        self.seat_id = seat_id


class SeatUnavailable(SeatingError):
    """The seat is not for sale for this event (unknown, not on its map, blocked, no price)."""

    def __init__(self, message: str = "That seat is not available.", seat_id: int | None = None):
        super().__init__(message, "seat")
        self.seat_id = seat_id


class NoSeatMap(SeatUnavailable):
    """The event has no seat map (routes answer 404)."""

    def __init__(self):
        super().__init__("This event has no seat map.")


class HoldLimitReached(SeatingError):
    def __init__(self, limit: int):
        super().__init__(f"You can hold at most {limit} tickets in one order.", "seat")
        self.limit = limit


class HoldExpired(SeatingError):
    def __init__(self, message: str = "Your hold has expired and the seats were released."):
        super().__init__(message, "cart")


class NotEnoughSeats(SeatingError):
    def __init__(self, message: str, available: int = 0):
        super().__init__(message, "count")
        self.available = available
