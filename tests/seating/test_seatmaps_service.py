"""Seat map generator, CSV import, attaching a map to an event, the demo map."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Venue
from app.models.seating import Seat, TicketType
from app.services import seating
from app.services.errors import DomainError
from app.services.seating import SectionSpec
from app.services.seating.seatmaps import row_label


@pytest.fixture
def venue(make_org):
    venue = Venue(organization=make_org(), name="Hall")
    db.session.add(venue)
    db.session.commit()
    return venue


def seats_of(seat_map) -> list[Seat]:
    return list(db.session.scalars(select(Seat).where(Seat.seat_map_id == seat_map.id)
                                   .order_by(Seat.section_id, Seat.row_label, Seat.number)))


def test_row_labels_run_like_spreadsheet_columns():
    assert [row_label(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_generator_counts_zones_flags_and_layout(venue):
    seat_map = seating.generate_seat_map(venue, "Hall", [
        SectionSpec("Left", 3, 4, zone_for_rows=["Gold", "Gold", "Standard"]),
        SectionSpec("Centre", 4, [6, 6, 8, 8], curved=True,
                    zone_for_rows={range(0, 2): "VIP", range(2, 4): "Standard"},
                    wheelchair_spaces=1),
    ], zone_order=["VIP", "Gold", "Standard"])
    seats = seats_of(seat_map)
    assert len(seats) == 3 * 4 + 6 + 6 + 8 + 8
    assert [zone.name for zone in seat_map.zones] == ["VIP", "Gold", "Standard"]
    assert [section.name for section in seat_map.sections] == ["Left", "Centre"]
    centre_back = [s for s in seats if s.section.name == "Centre" and s.row_label == "D"]
    assert [s.wheelchair for s in centre_back] == [True] + [False] * 6 + [True]
    assert [s.companion for s in centre_back] == [False, True] + [False] * 4 + [True, False]
    assert all(s.aisle == (s.number in (1, 4)) for s in seats if s.section.name == "Left")
    assert {s.label for s in seats if s.row_label == "B" and s.number == 3} == {"B-3"}
    left_x = max(s.x for s in seats if s.section.name == "Left")
    assert left_x < min(s.x for s in seats if s.section.name == "Centre")
    # Curved rows bend towards the stage: the farther from the centre line, the nearer.
    row_c = sorted((s for s in seats if s.section.name == "Centre" and s.row_label == "C"),
                   key=lambda s: abs(s.x - seat_map.width / 2))
    assert [s.y for s in row_c] == sorted((s.y for s in row_c), reverse=True)
    assert row_c[0].y > row_c[-1].y
    assert len({s.y for s in seats if s.section.name == "Left" and s.row_label == "C"}) == 1
    assert all(0 < s.x < seat_map.width and seat_map.stage_y + seat_map.stage_height < s.y
               < seat_map.height for s in seats)


def test_demo_map_has_three_zones_and_wheelchair_spaces(venue, make_event):
    seat_map = seating.demo_seat_map(venue)
    seats = seats_of(seat_map)
    assert len(seats) >= 1500
    assert [zone.name for zone in seat_map.zones] == ["VIP", "Gold", "Standard"]
    assert sum(s.wheelchair for s in seats) == 8
    event = make_event()
    seating.attach_seat_map(event, seat_map, seating.DEMO_PRICES)
    db.session.commit()
    view = seating.load_seat_map(event, None)
    assert len(view.seats) == len(seats)
    assert {seat.status for seat in view.seats} == {"available"}


CSV = """section,row,number,x,y,zone,flags
Floor,A,1,0,0,VIP,aisle
Floor,A,2,20,0,VIP,
Floor,A,3,40,0,VIP,wheelchair|aisle
Floor,B,1,0,24,Standard,restricted_view
Balcony,A,1,0,200,Standard,companion
"""


def test_csv_import(venue):
    seat_map = seating.import_seat_map_csv(venue, "Club", CSV)
    seats = seats_of(seat_map)
    assert [(s.section.name, s.label, s.price_zone.name) for s in seats] == [
        ("Floor", "A-1", "VIP"), ("Floor", "A-2", "VIP"), ("Floor", "A-3", "VIP"),
        ("Floor", "B-1", "Standard"), ("Balcony", "A-1", "Standard")]
    assert [(s.aisle, s.wheelchair, s.restricted_view, s.companion) for s in seats] == [
        (True, False, False, False), (False, False, False, False),
        (True, True, False, False), (False, False, True, False),
        (False, False, False, True)]
    assert seats[1].x - seats[0].x == 20
    assert seat_map.width > 40 and seat_map.height > 200


@pytest.mark.parametrize(("text", "message"), [
    ("section,row,x,y,zone\nA,B,0,0,VIP\n", "Line 1: the header needs"),
    (CSV + "Floor,C,x,0,0,VIP,\n", "Line 7: seat number 'x' is not a whole number"),
    (CSV + "Floor,C,1,zero,0,VIP,\n", "Line 7: x and y must be numbers"),
    (CSV + "Floor,C,1,0,0,,\n", "Line 7: the zone is missing"),
    (CSV + "Floor,C,0,0,0,VIP,\n", "Line 7: seat numbers run from 1 to 50,000"),
    (CSV + f"Floor,C,{2**31},0,0,VIP,\n", "Line 7: seat numbers run from 1 to 50,000"),
    (CSV + "Floor,C,1,1e400,0,VIP,\n", "Line 7: x and y must be numbers"),
    (CSV + "Floor,C,1,0,nan,VIP,\n", "Line 7: x and y must be numbers"),
    (CSV + "Floor,C,1,0,0,VIP,sofa\n", "Line 7: unknown flag 'sofa'"),
    (CSV + "Floor,A,2,0,0,VIP,\n", "Line 7: seat A-2 of section Floor is already on line 3"),
    ("section,row,number,x,y,zone,flags\n", "The file has no seats"),
])
def test_csv_import_names_the_bad_line(venue, text, message):
    with pytest.raises(DomainError, match=message):
        seating.import_seat_map_csv(venue, "Club", text)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Seat)) == 0


def test_attach_needs_a_price_for_every_zone_and_only_once(venue, make_event):
    seat_map = seating.import_seat_map_csv(venue, "Club", CSV)
    event = make_event(currency="EUR")
    with pytest.raises(DomainError, match="Set a price for the Standard zone"):
        seating.attach_seat_map(event, seat_map, {"VIP": Decimal("10")})
    with pytest.raises(DomainError, match="no zone named Gold"):
        seating.attach_seat_map(event, seat_map, {"Gold": Decimal("10")})
    settings = seating.attach_seat_map(event, seat_map, {"VIP": Decimal("30.50"),
                                                         "Standard": Decimal("12")})
    assert (settings.hold_minutes, settings.max_seats_per_order) == (10, 10)
    types = db.session.scalars(select(TicketType).where(TicketType.event_id == event.id)
                               .order_by(TicketType.sort_order)).all()
    assert [(t.name, t.price, t.currency) for t in types] == [
        ("VIP", Decimal("30.50"), "EUR"), ("Standard", Decimal("12.00"), "EUR")]
    with pytest.raises(DomainError, match="already has a seat map"):
        seating.attach_seat_map(event, seat_map, {"VIP": 1, "Standard": 1})
