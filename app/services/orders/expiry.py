"""Orders whose payment (or approval) window ended: expired, seats released, buyer told once.

Each order is expired in its own short transaction by the job (`app.jobs_orders`), so the
job never holds one event's seating lock while waiting for another order's row lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models.orders import OPEN_STATUSES, Order, OrderStatus
from app.models.types import utcnow
from app.services.orders import claims, notify
from app.services.orders.payment_state import lock_order


def due_order_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open orders whose window has ended, oldest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Order.id).where(Order.status.in_(OPEN_STATUSES), Order.expires_at <= now)
        .order_by(Order.expires_at, Order.id).limit(limit)))


def expire_order(order_id: int, now: datetime | None = None) -> bool:
    """Expire one order if it is still open and due (flushes; the caller commits).

    Its claims are deleted (seats back on sale, seat maps told) and the buyer gets one
    email. False when a payment or decision settled it first.
    """
    now = now or utcnow()
    order = lock_order(order_id)
    if order is None or not order.is_open or order.expires_at is None \
            or order.expires_at > now:
        return False
    claims.release_seats(order)
    order.status = OrderStatus.EXPIRED
    order.touch()
    if not order.expiry_notified:
        order.expiry_notified = True
        notify.order_expired(order)
    db.session.flush()
    return True
