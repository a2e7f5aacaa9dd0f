"""Payments arriving in time, late, twice, wrong, or not at all."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models.orders import OrderStatus, Payment, PaymentStatus, ProviderEvent
from app.models.seating import HoldStatus
from app.models.types import utcnow
from app.services import orders, seating
from app.services.orders import claims
from tests.orders.conftest import deliver, hold, hold_rows, later, place, reload
from tests.statements import statements

CONFIRMATIONS = ("order_confirmation",)  # sent by the tickets service


def confirmations(outbox, email: str) -> int:
    return sum(1 for e in outbox(email) if e.template in CONFIRMATIONS)


def tickets_of(order) -> int:
    try:
        from app.models.tickets import Ticket
    except ImportError:  # without the tickets service, a paid order stands for its tickets
        return len(order.lines) if order.status == OrderStatus.PAID else 0
    return db.session.scalar(select(func.count()).select_from(Ticket)
                             .where(Ticket.order_id == order.id))


def test_payment_in_the_window_pays_the_order(app, seated, buyer, outbox):
    who = buyer()
    hold(seated, who, "A-1", "A-2")
    order = place(seated, who)
    version = seating.current_version(seated.event.id)

    assert deliver(app, order) == "paid"
    order = reload(order)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert order.expires_at is None
    assert {(h.status, h.expires_at) for h in hold_rows(order)} == {(HoldStatus.SOLD, None)}
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]
    assert tickets_of(order) == 2
    assert confirmations(outbox, who.user.email) == 1
    assert seating.current_version(seated.event.id) > version


def test_the_same_event_three_times_pays_once(app, seated, buyer, outbox):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    outcomes = [deliver(app, order, event_id="evt_same") for _ in range(3)]
    assert outcomes == ["paid", "duplicate", "duplicate"]
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert db.session.scalar(select(func.count()).select_from(ProviderEvent)) == 1
    assert tickets_of(reload(order)) == 1
    assert confirmations(outbox, who.user.email) == 1


def test_wrong_amount_or_currency_is_flagged_and_nothing_issued(app, seated, buyer, outbox):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    assert deliver(app, order, amount=Decimal("1.00")) == "flagged"
    assert deliver(app, order, event_id="evt_2", charge="ch_2", currency="USD") == "flagged"
    order = reload(order)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.payment_flagged
    assert {p.status for p in order.payments} == {PaymentStatus.FLAGGED}
    assert {h.status for h in hold_rows(order)} == {HoldStatus.ORDERED}
    assert tickets_of(order) == 0
    assert confirmations(outbox, who.user.email) == 0


def test_declined_payment_leaves_the_order_open(app, seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    version = order.version
    assert deliver(app, order, kind="payment.failed") == "failed"
    order = reload(order)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.version > version
    assert orders.card_declined(order)


def test_expiry_while_paying_releases_the_seats_and_emails_once(app, seated, buyer, outbox):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    deliver(app, order, kind="payment.failed")
    assert orders.due_order_ids() == []
    assert orders.due_order_ids(later(13)) == [order.id]
    assert orders.expire_order(order.id, later(13))
    db.session.commit()
    assert not orders.expire_order(order.id, later(14))
    order = reload(order)
    assert order.status == OrderStatus.EXPIRED and hold_rows(order) == []
    assert [e.template for e in outbox(who.user.email)] == ["order_expired"]
    other = buyer("Otto Other")
    hold(seated, other, "A-1", now=later(13))  # the seat is on sale again


def test_late_payment_with_the_seats_still_free_is_accepted(app, seated, buyer, outbox):
    who = buyer()
    hold(seated, who, "A-1", "A-2")
    order = place(seated, who)
    orders.expire_order(order.id, later(13))
    db.session.commit()
    assert deliver(app, order, now=later(14)) == "paid_late"
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert sorted(h.seat_id for h in hold_rows(order)) == sorted(
        [seated.seat("A-1"), seated.seat("A-2")])
    assert {(h.status, h.expires_at) for h in hold_rows(order)} == {(HoldStatus.SOLD, None)}
    assert all(line.hold_id for line in order.lines)
    assert confirmations(outbox, who.user.email) == 1


def test_late_payment_before_the_expiry_job_ran(app, seated, buyer):
    who = buyer()
    seating.hold_general_admission(seated.event, seated.ticket_types["Standing"].id, 2,
                                   who.cart_id, who.user.id)
    db.session.commit()
    hold(seated, who, "B-1")
    order = place(seated, who)
    assert deliver(app, order, now=later(13)) == "paid_late"
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert sorted(h.quantity for h in hold_rows(order)) == [1, 2]


def test_late_payment_with_a_seat_sold_meanwhile_is_refunded(app, seated, buyer, outbox):
    who, other = buyer(), buyer("Otto Other")
    hold(seated, who, "A-1", "A-2")
    order = place(seated, who)
    orders.expire_order(order.id, later(13))
    db.session.commit()
    hold(seated, other, "A-2", now=later(13))

    assert deliver(app, order, now=later(14)) == "refunded"
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED and order.refunded_at is not None
    assert [p.status for p in order.payments] == [PaymentStatus.REFUNDED]
    assert order.payments[0].refund_ref
    assert hold_rows(order) == []  # A-1 was not kept either: all or nothing
    assert seating.cart_summary(seated.event, other.cart_id, now=later(14)).seat_ids == {
        seated.seat("A-2")}
    assert [e.template for e in outbox(who.user.email)] == ["order_expired", "order_refunded"]


def test_late_general_admission_payment_refunded_when_sold_out(app, seated, buyer):
    who, other = buyer(), buyer("Otto Other")
    standing = seated.ticket_types["Standing"].id
    seating.hold_general_admission(seated.event, standing, 3, who.cart_id, who.user.id)
    db.session.commit()
    order = place(seated, who)
    orders.expire_order(order.id, later(13))
    db.session.commit()
    seating.hold_general_admission(seated.event, standing, 3, other.cart_id, other.user.id,
                                   now=later(13))
    db.session.commit()
    assert deliver(app, order, now=later(14)) == "refunded"
    assert reload(order).status == OrderStatus.REFUNDED


def test_a_second_charge_for_a_paid_order_is_refunded(app, seated, buyer):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    deliver(app, order)
    assert deliver(app, order, event_id="evt_other", charge="ch_other") == "refunded"
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert sorted(p.status for p in order.payments) == [PaymentStatus.REFUNDED,
                                                        PaymentStatus.SUCCEEDED]


def test_a_sale_changes_no_claim_when_one_of_them_expired(app, seated, buyer):
    """The sale is one all-or-nothing statement: with one claim gone, the other is not sold
    either (the payment then takes every seat again, or refunds)."""
    who = buyer()
    hold(seated, who, "A-1", "A-2")
    order = place(seated, who)
    first = min(hold_rows(order), key=lambda h: h.seat_id)
    first.expires_at = later(-1)
    db.session.commit()
    before = {(h.seat_id, h.status, h.expires_at) for h in hold_rows(order)}

    assert claims.sell(reload(order), utcnow()) is False
    assert {(h.seat_id, h.status, h.expires_at) for h in hold_rows(order)} == before
    assert {h.status for h in hold_rows(order)} == {HoldStatus.ORDERED}

    first.expires_at = later(5)
    db.session.commit()
    assert claims.sell(reload(order), utcnow()) is True
    assert {(h.status, h.expires_at) for h in hold_rows(order)} == {(HoldStatus.SOLD, None)}


def _first(seen: list[str], prefix: str) -> int:
    return next(i for i, sql in enumerate(seen) if sql.lstrip().startswith(prefix))


def test_in_the_window_the_event_lock_comes_after_the_tickets_and_late_first(app, seated,
                                                                             buyer):
    """In the window the order's claims are live: its tickets and mail are written before
    the event's seating lock, so holds and orders on the event do not wait for them. Late,
    the lock comes first: a seat gone is found before anything is issued. Either way the
    event's lock comes before the organization's invoice counter (no deadlock between the
    two paths)."""
    who, late = buyer(), buyer("Lou Late")
    hold(seated, who, "A-1")
    order = place(seated, who)
    with statements() as seen:
        assert deliver(app, order) == "paid"
    lock = _first(seen, "UPDATE event_seating")
    assert _first(seen, "INSERT INTO tickets") < lock
    assert _first(seen, "INSERT INTO outbound_emails") < lock
    assert lock < _first(seen, "INSERT INTO invoice_counters")

    hold(seated, late, "A-2")
    order = place(seated, late)
    orders.expire_order(order.id, later(13))
    db.session.commit()
    with statements() as seen:
        outcome = deliver(app, order, now=later(14), event_id="evt_late", charge="ch_late")
    assert outcome == "paid_late"
    lock = _first(seen, "UPDATE event_seating")
    assert lock < _first(seen, "INSERT INTO tickets")
    assert lock < _first(seen, "INSERT INTO invoice_counters")
