"""Seating fixtures, SHARED by the seating service tests and the seating UI tests
(routes, browser). Add fixtures here rather than copying them; keep `seat_map_event`'s
signature stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.models.seating import EventSeating, PriceZone, Seat, SeatMap, TicketType
from app.services.seating import (
    SectionSpec,
    add_general_admission,
    attach_seat_map,
    generate_seat_map,
)


@dataclass
class SeatedEvent:
    """An event with a seat map: look seats up by label (and section when ambiguous)."""

    event: Event
    seat_map: SeatMap
    settings: EventSeating
    zones: dict[str, PriceZone]
    ticket_types: dict[str, TicketType]
    seats: dict[tuple[str, str], int] = field(default_factory=dict)  # (section, label) → id

    def seat(self, label: str, section: str | None = None) -> int:
        """The id of seat `label` ("B-12"); `section` is needed only when several have it."""
        matches = [seat_id for (sec, lab), seat_id in self.seats.items()
                   if lab == label and section in (None, sec)]
        assert len(matches) == 1, f"{len(matches)} seats match {label!r} in {section!r}"
        return matches[0]

    def row(self, row: str, section: str | None = None) -> list[int]:
        """Seat ids of one row, by seat number."""
        found = sorted((int(lab.split("-")[1]), seat_id) for (sec, lab), seat_id
                       in self.seats.items()
                       if lab.split("-")[0] == row and section in (None, sec))
        return [seat_id for _, seat_id in found]

    @property
    def seat_ids(self) -> list[int]:
        return sorted(self.seats.values())


@pytest.fixture
def seat_map_event(make_event):
    """`seat_map_event(...)` → SeatedEvent: an event with a generated seat map attached.

    Defaults: one straight section "Stalls", 5 rows (A–E) × 10 seats, rows A–B in zone VIP
    (100.00) and C–E in Standard (50.00), hold 10 minutes, at most 10 seats per order.
    Pass `sections=[SectionSpec(...)]` and `prices={zone: Decimal}` for anything else,
    `general_admission={"Standing": 100}` to add capacity-based ticket types (price 20.00).
    """

    def make(*, rows: int = 5, seats_per_row: int = 10,
             sections: list[SectionSpec] | None = None, prices: dict | None = None,
             hold_minutes: int = 10, max_seats_per_order: int = 10,
             general_admission: dict[str, int] | None = None,
             event: Event | None = None, **event_options) -> SeatedEvent:
        event = event or make_event(**event_options)
        if sections is None:
            zones = {range(0, min(2, rows)): "VIP", range(min(2, rows), rows): "Standard"}
            sections = [SectionSpec("Stalls", rows, seats_per_row, zone_for_rows=zones)]
        seat_map = generate_seat_map(event.venue, "Test hall", sections,
                                     zone_order=["VIP", "Gold", "Standard"])
        names = [zone.name for zone in seat_map.zones]
        default = {"VIP": Decimal("100.00"), "Gold": Decimal("75.00")}
        prices = prices or {name: default.get(name, Decimal("50.00")) for name in names}
        settings = attach_seat_map(event, seat_map, prices, hold_minutes=hold_minutes,
                                   max_seats_per_order=max_seats_per_order)
        for name, capacity in (general_admission or {}).items():
            add_general_admission(event, name, Decimal("20.00"), capacity)
        db.session.commit()
        types = db.session.scalars(select(TicketType).where(TicketType.event_id == event.id))
        seated = SeatedEvent(event, seat_map, settings,
                             {zone.name: zone for zone in seat_map.zones},
                             {tt.name: tt for tt in types})
        for section, label, seat_id in db.session.execute(
            select(Seat.section_id, Seat.label, Seat.id).where(Seat.seat_map_id == seat_map.id)
        ):
            name = next(s.name for s in seat_map.sections if s.id == section)
            seated.seats[(name, label)] = seat_id
        return seated

    return make
