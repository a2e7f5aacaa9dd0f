"""Plain read models handed to templates: built from tuples, cheap for 20,000 seats."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple


class SeatStatus(enum.StrEnum):
    AVAILABLE = "available"
    MINE = "mine"          # held (or ordered) by the cart asking
    HELD = "held"          # held or ordered by someone else
    SOLD = "sold"
    BLOCKED = "blocked"


class SeatView(NamedTuple):
    id: int
    label: str
    section: str
    row: str
    number: int
    x: float
    y: float
    zone_id: int
    wheelchair: bool
    companion: bool
    restricted_view: bool
    aisle: bool
    status: str


@dataclass(frozen=True)
class ZoneView:
    """A price zone with this event's ticket type for it (None: not on sale)."""

    id: int
    name: str
    colour_index: int
    ticket_type_id: int | None
    ticket_type_name: str | None
    price: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class GeneralAdmissionView:
    ticket_type_id: int
    name: str
    price: Decimal
    currency: str
    capacity: int
    available: int


@dataclass(frozen=True)
class CartLine:
    hold_id: int
    seat_id: int | None
    label: str            # "B-12" for a seat, the ticket type's name for general admission
    section: str | None
    zone: str | None
    ticket_type_id: int | None
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str
    status: str = "held"                # held, or ordered (in checkout)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CartSummary:
    """What one cart holds for one event. All holds of a cart share `expires_at`."""

    lines: list[CartLine]
    total: Decimal
    currency: str
    expires_at: datetime | None

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def ticket_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def seat_ids(self) -> set[int]:
        return {line.seat_id for line in self.lines if line.seat_id is not None}


@dataclass(frozen=True)
class LiveView:
    """What a fragment answer draws: some seats as one cart sees them, the zones of those
    seats (for their names and colours) and the cart."""

    seats: list[SeatView]
    zones: list[ZoneView]
    cart: CartSummary


class HeldSeat(NamedTuple):
    """One seat's claim as written (plain columns: no ORM object on the hot path)."""

    id: int
    seat_id: int
    cart_id: str | None
    status: str
    expires_at: datetime | None


class SeatingSettings(NamedTuple):
    """An event's seating settings as of a change (its version after the change)."""

    version: int
    hold_minutes: int
    max_seats_per_order: int


@dataclass(frozen=True)
class HoldOutcome:
    """A hold that went through: the claims (in the order asked), the cart as it stands
    after the hold with its seats drawn, the settings with the version after the hold, and
    the event (its facts: id, slug, title, status, timezone, currency...)."""

    holds: list[HeldSeat]
    live: LiveView
    settings: SeatingSettings
    event: object = None


@dataclass(frozen=True)
class SeatMapView:
    """Everything the seat map page needs, read in a few queries."""

    event_id: int
    seat_map_id: int
    name: str
    width: float
    height: float
    stage: tuple[float, float, float, float]      # x, y, width, height
    seats: list[SeatView]
    zones: list[ZoneView]
    sections: list[str]
    general_admission: list[GeneralAdmissionView]
    version: int
    cart: CartSummary
    max_seats_per_order: int
    hold_minutes: int
    zone_by_id: dict[int, ZoneView] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.zone_by_id:
            self.zone_by_id.update({zone.id: zone for zone in self.zones})


@dataclass(frozen=True)
class BestAvailable:
    """Seats chosen by best available; `together` is False when they had to be split.

    `sizes`: the blocks, in order (seat_ids lists each block's seats together).
    """

    seat_ids: tuple[int, ...]
    together: bool
    sizes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Changes:
    """Seats that changed since a version; `seat_ids` None means: reload the whole map."""

    version: int
    seat_ids: list[int] | None
