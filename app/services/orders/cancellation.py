"""Organizers cancel orders: seats back on sale, tickets revoked, money returned or owed."""

from __future__ import annotations

from datetime import datetime

from app.models.accounts import User
from app.models.orders import Order, OrderStatus, PaymentMethod, PaymentStatus
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.orders import claims, notify
from app.services.orders.errors import OrderNotOpen
from app.services.orders.payment_state import lock_order, refund_payment
from app.services.orders.tickets_bridge import revoke_tickets

CANCELLABLE = (OrderStatus.PAID, OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_APPROVAL)


def cancel_order(order: Order, actor: User, reason: str,
                 now: datetime | None = None) -> Order:
    """Cancel the order with a reason (flushes; the caller commits).

    Card payments are refunded through their provider (the order becomes refunded); manual
    payments are recorded as a refund the organizer owes; free orders are just cancelled.
    """
    from app.services.organizations import record_audit

    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError("Please give a reason; the buyer will see it.", "reason")
    order = lock_order(order.id)
    if order.status not in CANCELLABLE:
        raise OrderNotOpen("Only open or paid orders can be cancelled.")
    was_paid = order.status == OrderStatus.PAID
    claims.release_seats(order)
    if was_paid:
        revoke_tickets(order, reason)
    note = _settle_money(order, now)
    order.cancelled_at, order.cancel_reason, order.expires_at = now, reason[:2000], None
    order.touch()
    record_audit(actor, order.event.organization, "order.cancelled", order, reason=reason)
    notify.order_cancelled(order, reason, note)
    return order


def _settle_money(order: Order, now: datetime) -> str:
    """Return the money (or record it as owed); sets the final status; the buyer's note."""
    taken = [p for p in order.payments if p.status == PaymentStatus.SUCCEEDED]
    if order.payment_method == PaymentMethod.SANDBOX and taken:
        for payment in taken:
            refund_payment(payment)
        order.status, order.refunded_at = OrderStatus.REFUNDED, now
        return "The full amount was refunded to your card."
    order.status = OrderStatus.CANCELLED
    if order.payment_method == PaymentMethod.MANUAL and (taken or order.proofs):
        order.refund_owed = True
        return ("The organizer will refund your payment by bank transfer or mobile money; "
                "contact them if you have not received it within a few days.")
    return "Nothing was charged."
