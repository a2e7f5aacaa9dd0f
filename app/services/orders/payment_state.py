"""What a payment does to an order: paid in time, paid late, flagged, refunded.

Everything here runs in the caller's transaction (flush only). The order row is locked
first (`lock_order`), then the event's seating lock, then the organization's invoice counter
(`mark_paid`): every path takes them in that order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models.events import Event
from app.models.orders import Order, OrderLine, OrderStatus, Payment, PaymentStatus
from app.models.seating import Seat
from app.services import payments
from app.services.orders import claims, hooks, notify
from app.services.orders.errors import SeatsGone
from app.services.orders.tickets_bridge import issue_tickets_and_confirm
from app.services.payments import ProviderEventData
from app.services.seating import live


def lock_order(order_id: int) -> Order | None:
    """The order, re-read and locked for this transaction (FOR UPDATE on PostgreSQL), with
    its event (see `_locked`)."""
    return _locked(Order.id == order_id)


def lock_order_by_code(code: str) -> Order | None:
    """`lock_order` for the order with `code`."""
    return _locked(Order.code == code)


# What reading an order to pay it loads with it (built once: loader options are reused).
_WITH_EVENT = (joinedload(Order.event, innerjoin=True).joinedload(Event.venue),
               joinedload(Order.event, innerjoin=True)
               .joinedload(Event.organization, innerjoin=True))
_WITH_PLACES = (joinedload(OrderLine.seat).joinedload(Seat.section),
                joinedload(OrderLine.ticket_type, innerjoin=True))


def _locked(where) -> Order | None:
    """The order with its event, the event's venue and organization, in one statement that
    locks only the order's row (the tickets a payment issues show all of them)."""
    return db.session.scalars(
        select(Order).where(where).options(*_WITH_EVENT).with_for_update(of=Order)
        .execution_options(populate_existing=True)).one_or_none()


def _load_lines_with_places(order: Order) -> None:
    """Read the order's lines, unless they are loaded, with their seats, sections and ticket
    types, in one statement: paying the order sells the lines' seats, and the tickets it
    issues show all of these."""
    if "lines" not in inspect(order).unloaded:
        return
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
        .options(*_WITH_PLACES)).all()
    set_committed_value(order, "lines", lines)


def in_window(order: Order, now: datetime) -> bool:
    return order.is_open and order.expires_at is not None and order.expires_at > now


def mark_paid(order: Order, now: datetime, *, late: bool = False) -> None:
    """Sell the order's seats, mark it paid, issue its tickets, in one transaction.

    In the window its claims become sales; late (or when a claim is gone) every seat is
    taken again, all or nothing: SeatsGone when any of them was sold to someone else (the
    caller rolls back: the payment is written already).

    In the window, the order's claims are live, and no one else can take its seats: the
    event's seating lock, which every hold and order on the event waits for, is then taken
    once the tickets and their mail are written (signing codes and drawing mail take the
    longest), for the sale, the invoice and the documents alone. A late payment takes the
    lock first: two late payments for one seat queue there, and the second finds the seat
    gone before it issues anything. Either way the event's lock comes before the invoice
    counter's (which every paid order of the organization waits for), never after it.
    """
    _load_lines_with_places(order)
    if late:
        _sell(order, now, late=True)
        _mark(order, now)
        issue_tickets_and_confirm(order)
    else:
        _mark(order, now)
        issue_tickets_and_confirm(order, before_invoice=partial(_sell, order, now, late=False))
    hooks.order_paid(order)


def _mark(order: Order, now: datetime) -> None:
    order.status, order.paid_at, order.expires_at = OrderStatus.PAID, now, None
    order.touch()
    db.session.flush()


def _sell(order: Order, now: datetime, *, late: bool) -> None:
    """Under the event's seating lock, the order's claims become sales, or (late, or a
    claim gone) its seats are taken again; SeatsGone when one was taken by someone else."""
    if not order.lines:  # a line-less order (a booth fee) claims no seats
        return
    lock = live.lock_event(order.event_id)
    if late or not claims.sell(order, now):
        if not claims.reclaim(order, now):
            live.unchanged(lock)
            raise SeatsGone()
    claims.record(lock, order)


def apply_provider_event(order: Order, data: ProviderEventData, now: datetime) -> str:
    """Apply a verified provider event to the (locked) order; returns what happened.

    A charge already applied (by the buyer's return or an earlier event about it) is a
    "duplicate": the return and the webhook both report a successful charge, and whichever
    comes second must not pay for the same seats twice, nor refund them.
    """
    if data.kind not in ("payment.succeeded", "payment.failed"):
        return "ignored"
    known = _payment(data.provider, data.provider_ref)
    if known is not None and known.status != PaymentStatus.FAILED:
        return "duplicate"
    status = PaymentStatus.SUCCEEDED if data.succeeded else PaymentStatus.FAILED
    payment = _save_payment(known, order, data.provider, data.provider_ref, data.amount,
                            data.currency, data.raw, status)
    if not data.succeeded:
        order.touch()
        return "failed"
    return payment_succeeded(order, payment, now)


def _payment(provider: str, provider_ref: str) -> Payment | None:
    return db.session.scalars(select(Payment).where(
        Payment.provider == provider, Payment.provider_ref == provider_ref)).one_or_none()


def record_payment(order: Order, provider: str, provider_ref: str, amount: Decimal,
                   currency: str, raw: dict, status: PaymentStatus) -> Payment:
    """The Payment row for this provider reference (one per charge, whatever the retries)."""
    return _save_payment(_payment(provider, provider_ref), order, provider, provider_ref,
                         amount, currency, raw, status)


def _save_payment(payment: Payment | None, order: Order, provider: str, provider_ref: str,
                  amount: Decimal, currency: str, raw: dict, status: PaymentStatus) -> Payment:
    if payment is None:
        payment = Payment(order=order, provider=provider, provider_ref=provider_ref,
                          amount=amount, currency=currency, raw=raw, status=status)
        db.session.add(payment)
    else:
        payment.status, payment.raw = status, raw
    db.session.flush()
    return payment


def refund_payment(payment: Payment) -> None:
    """Send the money back through the payment's provider."""
    payment.refund_ref = payments.provider(payment.provider).refund(payment, payment.amount)
    payment.status = PaymentStatus.REFUNDED


def payment_succeeded(order: Order, payment: Payment, now: datetime) -> str:
    """Apply a successful payment to the (locked) order; returns what happened.

    "paid" in the window, "paid_late" when the seats could be taken again, "flagged" when
    amount or currency differ (nothing issued), "refunded" when the seats are gone or the
    order was already settled another way.
    """
    if payment.amount != order.total or payment.currency != order.currency:
        payment.status = PaymentStatus.FLAGGED
        order.payment_flagged = True
        order.touch()
        return "flagged"
    if order.status == OrderStatus.PAID and order.paid_at is not None:
        return _refund(order, payment, now, notify_buyer=False)
    if in_window(order, now):
        mark_paid(order, now)
        return "paid"
    if order.status == OrderStatus.EXPIRED or order.is_open:
        try:
            mark_paid(order, now, late=True)
            return "paid_late"
        except SeatsGone:
            pass
    return _refund(order, payment, now)


def _refund(order: Order, payment: Payment, now: datetime, *, notify_buyer: bool = True) -> str:
    refund_payment(payment)
    if order.status != OrderStatus.PAID:
        order.status, order.refunded_at, order.expires_at = OrderStatus.REFUNDED, now, None
        order.touch()
        if notify_buyer:
            notify.order_refunded_late(order)
    return "refunded"
