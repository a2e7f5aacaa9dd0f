"""Creating seat maps (generator, CSV import, the demo map) and attaching one to an event.

Coordinates are SVG user units: the stage is a rectangle at the top, seats are points below
it, `width` × `height` is the viewBox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert

from app.extensions import db
from app.models.events import Event, Venue
from app.models.seating import (
    EventSeating,
    PriceZone,
    Seat,
    SeatMap,
    Section,
    TicketKind,
    TicketType,
)
from app.services.errors import DomainError

PITCH = 20.0          # seat to seat along a row
ROW_SPACING = 24.0
SECTION_GAP = 40.0
MARGIN = 30.0
STAGE_HEIGHT = 50.0
STAGE_GAP = 60.0      # from the stage's front edge to the first row


@dataclass(frozen=True)
class SectionSpec:
    """One block of seats for the generator.

    `zone_for_rows`: one zone name for every row, a list with one name per row (front row
    first), or a mapping of row-index ranges to names. `wheelchair_spaces`: that many spaces
    at each end of the back row, each with a companion seat beside it.
    """

    name: str
    rows: int
    seats_per_row: int | Sequence[int]
    curved: bool = False
    zone_for_rows: str | Sequence[str] | Mapping[range, str] = "Standard"
    wheelchair_spaces: int = 0

    def seats_in_row(self, index: int) -> int:
        if isinstance(self.seats_per_row, int):
            return self.seats_per_row
        return self.seats_per_row[index]

    def zone_of_row(self, index: int) -> str:
        zones = self.zone_for_rows
        if isinstance(zones, str):
            return zones
        if isinstance(zones, Mapping):
            for rows, zone in zones.items():
                if index in rows:
                    return zone
            raise DomainError(f"Section {self.name}: no zone for row {row_label(index)}.")
        return zones[index]


def row_label(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, like spreadsheet columns."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(65 + rest) + label
    return label


def new_seat_map(venue: Venue, name: str, zone_names: Sequence[str],
                 section_names: Sequence[str]) -> tuple[SeatMap, dict[str, int], dict[str, int]]:
    """An empty map with its zones and sections, flushed: (map, zone ids, section ids)."""
    seat_map = SeatMap(venue=venue, name=name, width=0.0, height=0.0)
    zones = [PriceZone(name=zone, colour_index=i) for i, zone in enumerate(zone_names)]
    sections = [Section(name=section, sort_order=i) for i, section in enumerate(section_names)]
    seat_map.zones.extend(zones)
    seat_map.sections.extend(sections)
    db.session.add(seat_map)
    db.session.flush()
    return (seat_map, {z.name: z.id for z in zones}, {s.name: s.id for s in sections})


def generate_seat_map(venue: Venue, name: str, sections: Sequence[SectionSpec],
                      zone_order: Sequence[str] = ()) -> SeatMap:
    """Build a map of sections side by side below the stage, each row centred in its section.

    Curved sections bend their rows into arcs facing the stage (the ends come forward).
    The first and last seat of every row are aisle seats. Zones get legend colours in
    `zone_order`, then in order of first use.
    """
    if not sections:
        raise DomainError("A seat map needs at least one section.")
    widths = [max(spec.seats_in_row(i) for i in range(spec.rows)) * PITCH for spec in sections]
    total = sum(widths) + SECTION_GAP * (len(sections) - 1)
    centre = MARGIN + total / 2
    radius = max(total, 400.0)
    sag = (total / 2) ** 2 / (2 * radius)
    front = MARGIN + STAGE_HEIGHT + STAGE_GAP
    used = list(dict.fromkeys(spec.zone_of_row(i) for spec in sections
                              for i in range(spec.rows)))
    zone_names = [zone for zone in zone_order if zone in used]
    zone_names += [zone for zone in used if zone not in zone_names]
    seat_map, zone_ids, section_ids = new_seat_map(venue, name, zone_names,
                                                   [spec.name for spec in sections])
    rows, left = [], MARGIN
    for spec, width in zip(sections, widths, strict=True):
        for index in range(spec.rows):
            count = spec.seats_in_row(index)
            start = left + (width - count * PITCH) / 2 + PITCH / 2
            base = front + index * ROW_SPACING
            for n in range(count):
                x = start + n * PITCH
                y = base + (sag - (x - centre) ** 2 / (2 * radius) if spec.curved else 0.0)
                rows.append(_generated_seat(spec, index, n, count, round(x, 1), round(y, 1),
                                            seat_map.id, section_ids, zone_ids))
        left += width + SECTION_GAP
    height = max(r["y"] for r in rows) + MARGIN + ROW_SPACING / 2
    _finish(seat_map, rows, total + 2 * MARGIN, height)
    return seat_map


def _generated_seat(spec: SectionSpec, index: int, n: int, count: int, x: float, y: float,
                    seat_map_id: int, section_ids: dict, zone_ids: dict) -> dict:
    row = row_label(index)
    from_end = min(n, count - 1 - n)
    back_row = index == spec.rows - 1
    wheelchair = back_row and from_end < spec.wheelchair_spaces
    companion = back_row and from_end == spec.wheelchair_spaces and spec.wheelchair_spaces > 0
    return {"seat_map_id": seat_map_id, "section_id": section_ids[spec.name],
            "price_zone_id": zone_ids[spec.zone_of_row(index)], "row_label": row,
            "number": n + 1, "label": f"{row}-{n + 1}", "x": x, "y": y,
            "wheelchair": wheelchair, "companion": companion, "restricted_view": False,
            "aisle": from_end == 0}


def _finish(seat_map: SeatMap, rows: list[dict], width: float, height: float) -> None:
    seat_map.width = round(width, 1)
    seat_map.height = round(height, 1)
    seat_map.stage_width = round(min(width - 2 * MARGIN, max(width * 0.5, 200.0)), 1)
    seat_map.stage_x = round((width - seat_map.stage_width) / 2, 1)
    seat_map.stage_y = MARGIN
    seat_map.stage_height = STAGE_HEIGHT
    if rows:
        db.session.execute(insert(Seat), rows)
    db.session.flush()


def attach_seat_map(event: Event, seat_map: SeatMap, prices: Mapping[str, Decimal], *,
                    hold_minutes: int = 10, max_seats_per_order: int = 10) -> EventSeating:
    """Use `seat_map` for `event`, with one seated ticket type per zone at `prices[zone]`."""
    if db.session.get(EventSeating, event.id) is not None:
        raise DomainError("This event already has a seat map.")
    zones = {zone.name: zone for zone in seat_map.zones}
    unknown = sorted(set(prices) - set(zones))
    if unknown:
        raise DomainError(f"The seat map has no zone named {unknown[0]}.", "prices")
    for zone in zones.values():
        if zone.name not in prices:
            raise DomainError(f"Set a price for the {zone.name} zone.", "prices")
    for zone in zones.values():
        db.session.add(TicketType(
            event_id=event.id, name=zone.name, price=Decimal(prices[zone.name]),
            currency=event.currency, kind=TicketKind.SEATED, price_zone_id=zone.id,
            sort_order=zone.colour_index))
    settings = EventSeating(event_id=event.id, seat_map_id=seat_map.id, version=0,
                            hold_minutes=hold_minutes, max_seats_per_order=max_seats_per_order,
                            changes_pruned_through=0)
    db.session.add(settings)
    db.session.flush()
    return settings


def add_general_admission(event: Event, name: str, price: Decimal, capacity: int,
                          *, sort_order: int = 100) -> TicketType:
    """A general-admission ticket type (standing area, day pass) with a capacity."""
    if capacity < 0:
        raise DomainError("Capacity cannot be negative.", "capacity")
    ticket_type = TicketType(event_id=event.id, name=name, price=Decimal(price),
                             currency=event.currency, kind=TicketKind.GENERAL_ADMISSION,
                             capacity=capacity, sort_order=sort_order)
    db.session.add(ticket_type)
    db.session.flush()
    return ticket_type


DEMO_PRICES = {"VIP": Decimal("450.00"), "Gold": Decimal("250.00"),
               "Standard": Decimal("120.00")}


def demo_seat_map(venue: Venue) -> SeatMap:
    """The demo hall: 1,548 seats in three curved sections, VIP/Gold/Standard, wheelchair
    spaces at the back of the side sections. Attach it with `DEMO_PRICES`."""
    side = {range(0, 10): "Gold", range(10, 24): "Standard"}
    return generate_seat_map(venue, "Main hall", [
        SectionSpec("Left", 24, 16, curved=True, zone_for_rows=side, wheelchair_spaces=2),
        SectionSpec("Centre", 26, 30, curved=True,
                    zone_for_rows={range(0, 6): "VIP", range(6, 16): "Gold",
                                   range(16, 26): "Standard"}),
        SectionSpec("Right", 24, 16, curved=True, zone_for_rows=side, wheelchair_spaces=2),
    ], zone_order=list(DEMO_PRICES))
