"""Holding, releasing, expiring, limits, general admission and blocked seats."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models.seating import Hold, HoldStatus
from app.models.types import utcnow
from app.services import seating
from app.services.errors import DomainError


def claims(event_id: int) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        select(Hold.seat_id, Hold.cart_id, Hold.status).where(Hold.event_id == event_id)
        .order_by(Hold.seat_id)
    ).all()


def test_hold_then_release_one_seat(seat_map_event):
    se = seat_map_event()
    seat = se.seat("C-4")
    hold = seating.hold_seat(se.event, seat, "cart-a")
    db.session.commit()
    assert (hold.seat_id, hold.cart_id, hold.status) == (seat, "cart-a", HoldStatus.HELD)
    assert seating.seat_status_for(se.event, [seat], "cart-a") == {seat: "mine"}
    assert seating.seat_status_for(se.event, [seat], "cart-b") == {seat: "held"}

    assert seating.release_seat(se.event, seat, "cart-b") is False
    assert seating.release_seat(se.event, seat, "cart-a") is True
    db.session.commit()
    assert claims(se.event.id) == []
    assert seating.seat_status_for(se.event, [seat], "cart-b") == {seat: "available"}


def test_seat_held_by_another_cart_is_refused_with_its_label(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("B-7"), "cart-a")
    db.session.commit()
    with pytest.raises(seating.SeatTaken, match="Seat B-7 was just taken by someone else"):
        seating.hold_seat(se.event, se.seat("B-7"), "cart-b")
    assert claims(se.event.id) == [(se.seat("B-7"), "cart-a", HoldStatus.HELD)]


def test_holding_own_seat_again_changes_nothing(seat_map_event):
    se = seat_map_event()
    first = seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    version = seating.current_version(se.event.id)
    again = seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
    db.session.commit()
    assert again.id == first.id
    assert seating.current_version(se.event.id) == version


def test_unknown_seat_or_seat_of_another_map_is_unavailable(seat_map_event):
    se = seat_map_event()
    other = seat_map_event()
    with pytest.raises(seating.SeatUnavailable):
        seating.hold_seat(se.event, other.seat("A-1"), "cart-a")
    with pytest.raises(seating.SeatUnavailable):
        seating.hold_seat(se.event, 999_999, "cart-a")


def test_event_without_seat_map_is_unavailable(make_event):
    event = make_event()
    assert seating.event_seating(event) is None
    assert seating.load_seat_map(event, "cart") is None
    with pytest.raises(seating.SeatUnavailable, match="no seat map"):
        seating.hold_seat(event, 1, "cart-a")


def test_multi_seat_hold_is_all_or_nothing(seat_map_event):
    se = seat_map_event()
    row = se.row("D")
    seating.hold_seat(se.event, row[5], "cart-b")
    db.session.commit()
    with pytest.raises(seating.SeatTaken, match="D-6"):
        seating.hold_seats(se.event, row[2:8], "cart-a")
    db.session.commit()  # whatever the caller does next, nothing half-done remains
    assert claims(se.event.id) == [(row[5], "cart-b", HoldStatus.HELD)]

    holds = seating.hold_seats(se.event, row[:4], "cart-a")
    db.session.commit()
    assert [hold.seat_id for hold in holds] == row[:4]


def test_several_seats_in_a_transaction_of_their_own_are_all_or_nothing(seat_map_event):
    """With no transaction in the session (a request that read nothing before), the hold
    runs its own (PostgreSQL): a refusal rolls back the seats it claimed, and the version."""
    se = seat_map_event()
    row, slug = se.row("D"), se.event.slug
    seating.hold_seat(se.event, row[6], "cart-b")
    db.session.commit()
    version = seating.current_version(se.event.id)
    db.session.remove()
    with pytest.raises(seating.SeatTaken, match="D-7"):
        seating.hold_at(slug, row[3:9], "cart-a")  # D-4 … D-6 are free, D-7 is not
    db.session.rollback()
    assert claims(se.event.id) == [(row[6], "cart-b", HoldStatus.HELD)]
    assert seating.current_version(se.event.id) == version
    outcome = seating.hold_at(slug, row[3:6], "cart-a")
    db.session.commit()
    assert [hold.seat_id for hold in outcome.holds] == row[3:6]
    assert outcome.settings.version == version + 1 == seating.current_version(se.event.id)


def test_limit_per_order_counts_everything_the_cart_holds(seat_map_event):
    se = seat_map_event(max_seats_per_order=4)
    row = se.row("E")
    seating.hold_seats(se.event, row[:3], "cart-a")
    db.session.commit()
    with pytest.raises(seating.HoldLimitReached, match="at most 4"):
        seating.hold_seats(se.event, row[3:5], "cart-a")
    seating.hold_seat(se.event, row[3], "cart-a")
    with pytest.raises(seating.HoldLimitReached):
        seating.hold_seat(se.event, row[4], "cart-a")
    seating.hold_seats(se.event, row[4:8], "cart-b")  # another cart has its own limit
    db.session.commit()
    assert len(claims(se.event.id)) == 8


def test_cart_shares_one_expiry_set_by_its_first_hold(seat_map_event):
    se = seat_map_event(hold_minutes=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        first = seating.hold_seat(se.event, se.seat("A-1"), "cart-a")
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        second = seating.hold_seat(se.event, se.seat("A-2"), "cart-a")
        db.session.commit()
        summary = seating.cart_summary(se.event, "cart-a")
    assert first.expires_at == second.expires_at == summary.expires_at
    assert summary.expires_at == start + timedelta(minutes=10)


def test_expired_hold_is_free_at_once_and_taken_over(seat_map_event):
    se = seat_map_event(hold_minutes=10)
    seat = se.seat("C-5")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        seating.hold_seat(se.event, seat, "cart-a")
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        with pytest.raises(seating.SeatTaken):
            seating.hold_seat(se.event, seat, "cart-b")
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        assert seating.seat_status_for(se.event, [seat], "cart-b") == {seat: "available"}
        assert seating.seat_status_for(se.event, [seat], "cart-a") == {seat: "available"}
        assert seating.cart_summary(se.event, "cart-a").empty
        hold = seating.hold_seat(se.event, seat, "cart-b")
        db.session.commit()
    assert hold.cart_id == "cart-b"
    assert hold.expires_at == start + timedelta(minutes=20, seconds=1)
    assert claims(se.event.id) == [(seat, "cart-b", HoldStatus.HELD)]


def test_expire_holds_releases_only_what_is_due(seat_map_event):
    se = seat_map_event(hold_minutes=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        seating.hold_seats(se.event, se.row("A")[:3], "early")
        seating.block_seats(se.event, [se.seat("E-1")], None)
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        seating.hold_seat(se.event, se.seat("B-1"), "late")
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert seating.expire_holds() == 3
        db.session.commit()
        assert seating.expire_holds() == 0
    assert [cart for _, cart, _ in claims(se.event.id)] == ["late", None]


def test_released_cart_frees_seats_and_general_admission(seat_map_event):
    se = seat_map_event(general_admission={"Standing": 50})
    seating.hold_seats(se.event, se.row("A")[:2], "cart-a")
    seating.hold_general_admission(se.event, se.ticket_types["Standing"].id, 3, "cart-a")
    seating.hold_seat(se.event, se.seat("A-9"), "cart-b")
    db.session.commit()
    assert seating.release_cart(se.event, "cart-a") == 3
    assert seating.release_cart(se.event, "cart-a") == 0
    db.session.commit()
    assert claims(se.event.id) == [(se.seat("A-9"), "cart-b", HoldStatus.HELD)]


def test_cart_summary_lines_and_total(seat_map_event):
    se = seat_map_event(general_admission={"Standing": 50})
    seating.hold_seats(se.event, [se.seat("A-1"), se.seat("C-2")], "cart-a")
    seating.hold_general_admission(se.event, se.ticket_types["Standing"].id, 2, "cart-a")
    db.session.commit()
    summary = seating.cart_summary(se.event, "cart-a")
    assert [(line.label, line.zone, line.quantity, line.amount) for line in summary.lines] == [
        ("A-1", "VIP", 1, Decimal("100.00")),
        ("C-2", "Standard", 1, Decimal("50.00")),
        ("Standing", None, 2, Decimal("40.00")),
    ]
    assert (summary.total, summary.currency, summary.ticket_count) == (
        Decimal("190.00"), "ZMW", 4)
    assert seating.cart_summary(se.event, "nobody").empty


def test_general_admission_capacity(seat_map_event):
    se = seat_map_event(general_admission={"Standing": 5}, max_seats_per_order=10)
    standing = se.ticket_types["Standing"].id
    seating.hold_general_admission(se.event, standing, 3, "cart-a")
    seating.hold_general_admission(se.event, standing, 1, "cart-a")
    db.session.commit()
    with pytest.raises(seating.NotEnoughSeats, match="Only 1 Standing places are left"):
        seating.hold_general_admission(se.event, standing, 2, "cart-b")
    hold = seating.hold_general_admission(se.event, standing, 1, "cart-b")
    db.session.commit()
    assert hold.quantity == 1
    assert db.session.scalar(select(func.sum(Hold.quantity))
                             .where(Hold.ticket_type_id == standing)) == 5
    assert [ga.available for ga in seating.general_admission(se.event)] == [0]
    with pytest.raises(DomainError):
        seating.hold_general_admission(se.event, standing, 0, "cart-c")
    with pytest.raises(seating.SeatUnavailable):
        seating.hold_general_admission(se.event, se.ticket_types["VIP"].id, 1, "cart-c")


def test_general_admission_respects_the_order_limit(seat_map_event):
    se = seat_map_event(general_admission={"Standing": 100}, max_seats_per_order=4)
    seating.hold_seats(se.event, se.row("B")[:2], "cart-a")
    with pytest.raises(seating.HoldLimitReached):
        seating.hold_general_admission(se.event, se.ticket_types["Standing"].id, 3, "cart-a")


def test_blocked_seats_cannot_be_held_until_unblocked(seat_map_event, make_user):
    se = seat_map_event()
    organizer = make_user()
    desk = [se.seat("E-5"), se.seat("E-6")]
    assert seating.block_seats(se.event, desk, organizer) == 2
    assert seating.block_seats(se.event, desk, organizer) == 0
    db.session.commit()
    assert seating.seat_status_for(se.event, desk, "cart-a") == dict.fromkeys(desk, "blocked")
    with pytest.raises(seating.SeatTaken):
        seating.hold_seat(se.event, desk[0], "cart-a")
    seating.hold_seat(se.event, se.seat("E-7"), "cart-a")
    db.session.commit()
    with pytest.raises(seating.SeatUnavailable, match="E-7 is held or sold"):
        seating.block_seats(se.event, [se.seat("E-7")], organizer)
    assert seating.unblock_seats(se.event, desk, organizer) == 2
    db.session.commit()
    seating.hold_seat(se.event, desk[0], "cart-a")


def test_extend_holds_moves_the_cart_into_the_payment_window(seat_map_event):
    se = seat_map_event(hold_minutes=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        seating.hold_seats(se.event, se.row("A")[:2], "cart-a")
        db.session.commit()
        until = start + timedelta(minutes=30)
        assert seating.extend_holds(se.event, "cart-a", until) == 2
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert seating.seat_status_for(se.event, se.row("A")[:2], "x") == dict.fromkeys(
            se.row("A")[:2], "held")
        assert seating.release_cart(se.event, "cart-a") == 0  # ordered: checkout owns it
        assert seating.expire_holds() == 0
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        with pytest.raises(seating.HoldExpired):
            seating.extend_holds(se.event, "cart-a", until)
        assert seating.expire_holds() == 2


def test_load_seat_map_statuses_for_one_cart(seat_map_event, make_user):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("A-1"), "me")
    seating.hold_seat(se.event, se.seat("A-2"), "other")
    seating.block_seats(se.event, [se.seat("A-3")], make_user())
    db.session.commit()
    view = seating.load_seat_map(se.event, "me")
    status = {seat.label: seat.status for seat in view.seats}
    assert [status[label] for label in ("A-1", "A-2", "A-3", "A-4")] == [
        "mine", "held", "blocked", "available"]
    assert len(view.seats) == 50
    assert view.sections == ["Stalls"]
    assert [(z.name, z.price) for z in view.zones] == [
        ("VIP", Decimal("100.00")), ("Standard", Decimal("50.00"))]
    assert [line.label for line in view.cart.lines] == ["A-1"]
    assert view.cart.expires_at is not None
    assert view.version == seating.current_version(se.event.id) == 3


def test_seat_views_and_zone_views_match_the_full_map(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("A-1"), "me")
    seating.hold_seat(se.event, se.seat("B-2"), "other")
    db.session.commit()
    view = seating.load_seat_map(se.event, "me")
    wanted = [se.seat("B-2"), se.seat("A-1"), se.seat("C-3")]
    expected = [seat for seat in view.seats if seat.id in wanted]
    assert seating.seat_views(se.event, wanted, "me") == expected
    assert [seat.status for seat in expected] == ["mine", "held", "available"]
    assert seating.zone_views(se.event) == view.zones
