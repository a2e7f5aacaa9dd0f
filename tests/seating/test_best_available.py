"""Best available: adjacency, no orphans, zones, splits, and holding atomically."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models.seating import Seat
from app.services import seating
from app.services.seating import NoSeatsTogether, SectionSpec


def labels(se, seat_ids) -> list[str]:
    by_id = {seat_id: label for (_, label), seat_id in se.seats.items()}
    return [by_id[seat_id] for seat_id in seat_ids]


def test_picks_adjacent_seats_in_the_front_centre(seat_map_event):
    se = seat_map_event(rows=5, seats_per_row=10)
    choice = seating.best_available(se.event, 4)
    assert choice.together
    assert labels(se, choice.seat_ids) == ["A-4", "A-5", "A-6", "A-7"]


def test_zone_filter(seat_map_event):
    se = seat_map_event(rows=5, seats_per_row=10)
    choice = seating.best_available(se.event, 3, se.zones["Standard"].id)
    assert labels(se, choice.seat_ids) in (["C-4", "C-5", "C-6"], ["C-5", "C-6", "C-7"])


def test_never_leaves_a_single_orphan_when_avoidable(seat_map_event):
    se = seat_map_event(rows=1, seats_per_row=10)
    row = se.row("A")
    seating.hold_seats(se.event, [row[3], row[7]], "other")
    db.session.commit()
    # Free: A-1..A-3, A-5..A-7, A-9..A-10. Every pair in the first two stretches strands a
    # seat; A-9 + A-10 is farther from the centre but strands none.
    assert labels(se, seating.best_available(se.event, 2).seat_ids) == ["A-9", "A-10"]
    seating.hold_seat(se.event, row[8], "other")
    db.session.commit()
    # Now an orphan is unavoidable: the most central pair wins.
    choice = seating.best_available(se.event, 2)
    assert choice.together and labels(se, choice.seat_ids) == ["A-5", "A-6"]


def test_orphan_free_block_beats_a_closer_block_that_strands_a_seat(seat_map_event):
    se = seat_map_event(rows=2, seats_per_row=6)
    a, b = se.row("A"), se.row("B")
    seating.hold_seats(se.event, [a[0], a[4], a[5]], "other")
    db.session.commit()
    # Row A keeps A-2..A-4: two seats there would strand one, so row B it is.
    assert labels(se, seating.best_available(se.event, 2).seat_ids) == ["B-3", "B-4"]
    seating.hold_seats(se.event, b[2:], "other")
    db.session.commit()
    assert labels(se, seating.best_available(se.event, 2).seat_ids) == ["B-1", "B-2"]


def test_aisle_inside_a_row_breaks_adjacency(seat_map_event):
    se = seat_map_event(rows=1, seats_per_row=6)
    row = se.row("A")
    db.session.execute(update(Seat).where(Seat.id.in_([row[2], row[3]])).values(aisle=True))
    db.session.commit()
    choice = seating.best_available(se.event, 4)
    assert not choice.together and choice.sizes == (3, 1)
    assert seating.best_available(se.event, 3).together


def test_wheelchair_spaces_and_companion_seats_are_not_picked(seat_map_event):
    se = seat_map_event(sections=[SectionSpec("Stalls", 1, 6, wheelchair_spaces=1)])
    assert labels(se, seating.best_available(se.event, 2).seat_ids) == ["A-3", "A-4"]
    with pytest.raises(seating.NotEnoughSeats, match="Only 2 seats"):
        seating.best_available(se.event, 3)


def test_split_when_no_block_exists(seat_map_event):
    se = seat_map_event(rows=2, seats_per_row=4)
    a, b = se.row("A"), se.row("B")
    seating.hold_seats(se.event, [a[2], b[1]], "other")
    db.session.commit()
    # Free: A-1 A-2 _ A-4 / B-1 _ B-3 B-4: no 3 together.
    choice = seating.best_available(se.event, 3)
    assert not choice.together
    assert sorted(choice.sizes, reverse=True) == [2, 1]
    assert len(set(choice.seat_ids)) == 3


def test_not_enough_seats(seat_map_event):
    se = seat_map_event(rows=1, seats_per_row=4)
    seating.hold_seats(se.event, se.row("A")[:2], "other")
    db.session.commit()
    with pytest.raises(seating.NotEnoughSeats, match="Only 2 seats are left"):
        seating.best_available(se.event, 3)


def test_hold_best_available_holds_the_block(seat_map_event):
    se = seat_map_event(rows=3, seats_per_row=8)
    choice, holds = seating.hold_best_available(se.event, 4, "cart-a")
    db.session.commit()
    assert [hold.seat_id for hold in holds] == list(choice.seat_ids)
    assert seating.cart_summary(se.event, "cart-a").ticket_count == 4
    again, _ = seating.hold_best_available(se.event, 4, "cart-b")
    assert set(again.seat_ids).isdisjoint(choice.seat_ids)


def test_hold_best_available_offers_the_split_instead_of_holding_it(seat_map_event):
    se = seat_map_event(rows=1, seats_per_row=5)
    seating.hold_seat(se.event, se.seat("A-3"), "other")
    db.session.commit()
    with pytest.raises(NoSeatsTogether, match="no 3 seats together") as refused:
        seating.hold_best_available(se.event, 3, "cart-a")
    assert refused.value.suggestion.sizes == (2, 1)
    assert seating.cart_summary(se.event, "cart-a").empty
    choice, holds = seating.hold_best_available(se.event, 3, "cart-a", allow_split=True)
    assert not choice.together and len(holds) == 3


def test_hold_best_available_respects_the_order_limit(seat_map_event):
    se = seat_map_event(max_seats_per_order=4)
    with pytest.raises(seating.HoldLimitReached):
        seating.hold_best_available(se.event, 5, "cart-a")
