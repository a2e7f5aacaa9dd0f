"""The buyer's return from a hosted payment page: settle the order at once when we can.

A hosted gateway sends the buyer back before its webhook arrives (the webhook is queued,
signed and retried on the gateway's side). Rather than show "waiting for the payment" until
then, the order page asks the provider how the checkout session ended (`retrieve`) and, when
the charge succeeded, applies it exactly as the webhook would. The webhook stays the backstop
(a delayed charge, a declined card, a buyer who closes the tab) and finds the charge already
applied. The buyer's browser carries nothing we trust: the outcome comes from the provider.

The caller commits.
"""

from __future__ import annotations

from datetime import datetime

from app.models.orders import Order
from app.models.types import utcnow
from app.services import payments
from app.services.orders import payment_state


def settle_on_return(order: Order, now: datetime | None = None) -> str | None:
    """Apply the order's succeeded charge, if the provider reports one; what happened (see
    `payment_state.payment_succeeded`), or None when there was nothing to apply."""
    if not order.is_open:
        return None
    data = payments.provider(order.payment_method.value).retrieve(order)
    if data is None:
        return None
    locked = payment_state.lock_order(order.id)
    if locked is None or not locked.is_open:
        return None
    return payment_state.apply_provider_event(locked, data, now or utcnow())
