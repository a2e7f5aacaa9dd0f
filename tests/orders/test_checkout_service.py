"""Placing orders: holds become an order's claims in one transaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.orders import OrderStatus, PaymentMethod
from app.models.seating import HoldStatus
from app.models.types import utcnow
from app.services import orders, seating
from app.services.orders import AttendeeInput
from app.services.orders.codes import ALPHABET, new_order_code
from tests.orders.conftest import attendees_for, hold, hold_rows, place


def test_place_order_moves_holds_into_the_payment_window(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1", "C-3")
    version = seating.current_version(seated.event.id)
    now = utcnow()
    order = place(seated, who, "sandbox", now=now)

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.total == Decimal("150.00") and order.currency == "ZMW"
    assert [line.price for line in order.lines] == [Decimal("100.00"), Decimal("50.00")]
    assert order.expires_at == now + timedelta(minutes=12)
    holds = hold_rows(order)
    assert {h.status for h in holds} == {HoldStatus.ORDERED}
    assert {h.expires_at for h in holds} == {order.expires_at}
    assert seating.current_version(seated.event.id) > version  # seat maps hear of it
    # the cart is empty now:
    with pytest.raises(orders.CartEmpty):
        orders.checkout_view(seated.event, who.cart_id)


def test_manual_orders_get_the_approval_window(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    now = utcnow()
    order = place(seated, who, "manual", now=now)
    assert order.payment_method == PaymentMethod.MANUAL
    assert order.expires_at == now + timedelta(hours=48)


def test_one_line_per_ticket_with_attendees_and_requirements(seated, buyer):
    who = buyer()
    seating.hold_general_admission(seated.event, seated.ticket_types["Standing"].id, 2,
                                   who.cart_id, who.user.id)
    db.session.commit()
    slots = orders.checkout_view(seated.event, who.cart_id).slots
    assert len(slots) == 2
    people = [AttendeeInput(slots[0].key, "Ann One", "ANN@example.com", "  Nut allergy ",
                            ["vegan", "not-a-choice"]),
              AttendeeInput(slots[1].key, "", "")]
    order = orders.place_order(seated.event, who.cart_id, who.user, people, "sandbox")
    db.session.commit()
    first, second = order.lines
    assert (first.attendee_name, first.attendee_email) == ("Ann One", "ann@example.com")
    assert first.requirements == "Nut allergy" and first.requirement_choices == ["vegan"]
    assert (second.attendee_name, second.attendee_email) == (who.user.name, who.user.email)
    assert {line.quantity for line in order.lines} == {1}
    assert sum(h.quantity for h in hold_rows(order)) == 2


def test_expired_cart_gives_a_clear_message_and_no_order(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1", now=utcnow() - timedelta(minutes=11))
    with pytest.raises(orders.CartEmpty, match="expired"):
        orders.place_order(seated.event, who.cart_id, who.user, [], "sandbox")


def test_cart_changed_since_the_page_was_opened(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    people = attendees_for(seated, who)
    hold(seated, who, "A-2")
    with pytest.raises(orders.CartChanged):
        orders.place_order(seated.event, who.cart_id, who.user, people, "sandbox")
    db.session.rollback()
    assert seating.cart_summary(seated.event, who.cart_id).ticket_count == 2  # still held


def test_unavailable_method_is_refused(seated, buyer, app):
    who = buyer()
    hold(seated, who, "A-1")
    app.config["SANDBOX_GATEWAY_ENABLED"] = False
    try:
        with pytest.raises(orders.PaymentMethodUnavailable):
            orders.place_order(seated.event, who.cart_id, who.user,
                               attendees_for(seated, who), "sandbox")
    finally:
        app.config["SANDBOX_GATEWAY_ENABLED"] = True
    db.session.rollback()
    with pytest.raises(orders.PaymentMethodUnavailable):
        orders.place_order(seated.event, who.cart_id, who.user, attendees_for(seated, who),
                           "free")


def test_free_order_is_paid_at_once(seat_map_event, buyer, outbox):
    seated = seat_map_event(prices={"VIP": Decimal("0"), "Standard": Decimal("0")})
    who = buyer()
    hold(seated, who, "B-5")
    order = place(seated, who, "free")
    assert order.status == OrderStatus.PAID and order.total == 0
    assert {h.status for h in hold_rows(order)} == {HoldStatus.SOLD}
    assert {h.expires_at for h in hold_rows(order)} == {None}


def test_a_second_order_from_the_same_cart_leaves_the_first_alone(seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    first = place(seated, who)
    hold(seated, who, "A-2")
    second = place(seated, who, "manual")
    assert [h.seat_id for h in hold_rows(first)] == [seated.seat("A-1")]
    assert {h.expires_at for h in hold_rows(first)} == {first.expires_at}
    assert [h.seat_id for h in hold_rows(second)] == [seated.seat("A-2")]


def test_order_codes_are_unambiguous_and_unique(app):
    codes = {new_order_code() for _ in range(300)}
    assert len(codes) == 300
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("0O1lI") & set(ALPHABET)


def test_an_event_payment_window_overrides_the_organizations(seated, buyer):
    seating.update_sales_settings(seated.event, seating.SalesSettings(10, 10, 25), None)
    db.session.commit()
    who = buyer()
    hold(seated, who, "A-1")
    assert orders.checkout_view(seated.event, who.cart_id).payment_minutes == 25
    now = utcnow()
    card = place(seated, who, "sandbox", now=now)
    assert card.expires_at == now + timedelta(minutes=25)
    assert {h.expires_at for h in hold_rows(card)} == {card.expires_at}
    hold(seated, who, "A-2")
    manual = place(seated, who, "manual", now=now)
    assert manual.expires_at == now + timedelta(hours=48)  # approval keeps its own window


def test_seats_held_before_the_event_was_cancelled_cannot_be_bought(seated, buyer):
    from app.models.events import EventStatus

    who = buyer()
    hold(seated, who, "A-1")
    people = attendees_for(seated, who)
    seated.event.status = EventStatus.CANCELLED
    db.session.commit()
    with pytest.raises(orders.EventNotOnSale, match="cancelled"):
        orders.checkout_view(seated.event, who.cart_id)
    with pytest.raises(orders.EventNotOnSale):
        orders.place_order(seated.event, who.cart_id, who.user, people, "sandbox")
    db.session.rollback()
    assert seating.cart_summary(seated.event, who.cart_id).ticket_count == 1  # no order
