"""Orders: checkout, payment state, manual approval, expiry and cancellation.

Routes and jobs call these functions with plain arguments and commit once afterwards.
Functions that write only flush; refusals raise an `OrderError` (or a seating error) whose
message is fit to show as it is.
"""

from app.services.orders.cancellation import cancel_order
from app.services.orders.checkout import (
    METHOD_CHOICES,
    REQUIREMENT_CHOICES,
    AttendeeInput,
    CheckoutView,
    TicketSlot,
    checkout_view,
    place_order,
)
from app.services.orders.errors import (
    CartChanged,
    CartEmpty,
    EventNotOnSale,
    OrderError,
    OrderNotOpen,
    PaymentMethodUnavailable,
    ReceiptRejected,
    ReceiptTooLarge,
    SeatsGone,
)
from app.services.orders.expiry import due_order_ids, expire_order
from app.services.orders.gateway_return import settle_on_return
from app.services.orders.manual import (
    CHANNELS,
    approval_queue,
    approve,
    bulk_approve,
    org_order,
    reject,
    submit_proof,
)
from app.services.orders.payment_state import mark_paid, payment_succeeded
from app.services.orders.queries import (
    OrderState,
    PaymentStep,
    buyer_order,
    card_declined,
    order_state,
    payment_step,
    receipt_for,
)
from app.services.orders.settings import payment_settings, update_payment_settings
from app.services.orders.webhooks import receive_webhook

__all__ = [
    "CHANNELS", "METHOD_CHOICES", "REQUIREMENT_CHOICES", "AttendeeInput", "CartChanged",
    "CartEmpty",
    "CheckoutView", "EventNotOnSale", "OrderError", "OrderNotOpen", "OrderState",
    "PaymentMethodUnavailable", "PaymentStep",
    "ReceiptRejected", "ReceiptTooLarge", "SeatsGone", "TicketSlot", "approval_queue",
    "approve", "bulk_approve", "buyer_order", "cancel_order", "card_declined",
    "checkout_view", "due_order_ids", "expire_order", "mark_paid", "order_state",
    "org_order", "payment_settings", "payment_step", "payment_succeeded", "place_order",
    "receipt_for", "receive_webhook", "reject", "settle_on_return", "submit_proof",
    "update_payment_settings",
]
