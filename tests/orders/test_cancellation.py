"""Organizers cancel orders: seats back on sale, tickets revoked, refund or refund owed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.orders import OrderStatus, PaymentStatus, SandboxCharge
from app.services import orders, payments
from app.services.errors import DomainError
from tests.orders.conftest import deliver, hold, hold_rows, place, reload


def valid_tickets(order) -> int | None:
    try:
        from app.models.tickets import Ticket, TicketStatus
    except ImportError:
        return None
    return len(db.session.scalars(select(Ticket).where(
        Ticket.order_id == order.id, Ticket.status == TicketStatus.VALID)).all())


def test_cancelling_a_card_order_refunds_it_through_the_gateway(app, seated, buyer,
                                                                make_user, outbox):
    who = buyer()
    hold(seated, who, "A-1", "A-2")
    order = place(seated, who)
    payments.provider("sandbox").start(order)
    charge = db.session.scalars(select(SandboxCharge)).one()
    charge.charge_ref = "ch_test"
    db.session.commit()
    deliver(app, order)
    assert valid_tickets(reload(order)) in (None, 2)

    with pytest.raises(DomainError, match="reason"):
        orders.cancel_order(reload(order), make_user(), "")
    orders.cancel_order(reload(order), make_user(), "The show moved to a smaller hall")
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED and order.cancelled_at is not None
    assert [p.status for p in order.payments] == [PaymentStatus.REFUNDED]
    assert db.session.get(SandboxCharge, charge.id).status == "refunded"
    assert hold_rows(order) == []
    assert valid_tickets(order) in (None, 0)
    cancelled = [e for e in outbox(who.user.email) if e.template == "order_cancelled"]
    assert len(cancelled) == 1 and "refunded to your card" in cancelled[0].text_body
    hold(seated, buyer("Next Person"), "A-1", "A-2")  # the seats are on sale again


def test_cancelling_a_manual_order_records_the_refund_as_owed(seated, buyer, make_user):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who, "manual")
    orders.submit_proof(order, "bank", "FT123456", None)
    orders.approve(order, make_user())
    db.session.commit()
    orders.cancel_order(reload(order), make_user(), "Duplicate booking")
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED and order.refund_owed
    assert order.cancel_reason == "Duplicate booking"


def test_cancelling_an_unpaid_order_releases_its_seats(seated, buyer, make_user):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    orders.cancel_order(order, make_user(), "Suspicious order")
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED and not order.refund_owed
    assert hold_rows(order) == []
    with pytest.raises(orders.OrderNotOpen):
        orders.cancel_order(order, make_user(), "Again")
