"""Payment callbacks: verify, deduplicate, apply, in that order.

1. The provider verifies the signature on the raw body; nothing is read from or written to
   the database before that (a forgery changes nothing).
2. The provider's event id is inserted into `provider_events` first (ON CONFLICT DO
   NOTHING): the unique key turns a second delivery (even a concurrent one) into
   "duplicate".
3. The order is locked and the payment applied (see `payment_state`), unless the buyer's
   return from the gateway applied the same charge first (`gateway_return`): then the
   webhook is a "duplicate" too.

The caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.extensions import db
from app.models.orders import ProviderEvent
from app.models.types import utcnow
from app.services import payments
from app.services.orders import payment_state
from app.services.payments import InvalidCallback, ProviderEventData
from app.upserts import session_insert


def receive_webhook(provider_name: str, raw_body: bytes, headers: Mapping[str, str],
                    now: datetime | None = None) -> str:
    """Handle one callback; returns the outcome. Raises InvalidCallback (answer 400)."""
    try:
        provider = payments.provider(provider_name)
    except KeyError as exc:
        raise InvalidCallback(f"unknown provider {provider_name!r}") from exc
    data = provider.handle_callback(raw_body, headers)
    if not first_delivery(data):
        return "duplicate"
    return apply_event(data, now or utcnow())


def first_delivery(data: ProviderEventData) -> bool:
    """Record the provider event; False when it was already recorded (a redelivery). One
    `INSERT … ON CONFLICT DO NOTHING`: a concurrent second delivery waits for the first's
    transaction and then inserts nothing."""
    table = ProviderEvent.__table__
    stmt = (session_insert()(table).values(provider=data.provider, event_id=data.event_id,
                                           payload=data.raw, received_at=utcnow())
            .on_conflict_do_nothing().returning(table.c.id))
    return db.session.execute(stmt).first() is not None


def apply_event(data: ProviderEventData, now: datetime) -> str:
    """Apply a first-time, verified event to its order."""
    order = payment_state.lock_order_by_code(data.order_code)
    if order is None:
        return "unknown_order"
    return payment_state.apply_provider_event(order, data, now)
