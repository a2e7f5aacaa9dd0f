"""Manual payments: bank transfer or mobile money, confirmed by an organizer.

There is no callback: the buyer submits a reference (and maybe a receipt) on the order page
and an organizer approves it (see `app.services.orders.manual`). Money cannot be sent back by
us, so a refund is recorded as owed by the organizer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from app.models.orders import Order, Payment, PaymentMethod
from app.services.payments.base import (
    InvalidCallback,
    NextStep,
    ProviderEventData,
    RefundNotPossible,
)


class ManualProvider:
    name = PaymentMethod.MANUAL.value
    label = "Bank transfer or mobile money"

    def start(self, order: Order) -> NextStep:
        return NextStep("checkout.order_page", {"code": order.code})

    def handle_callback(self, raw_body: bytes,
                        headers: Mapping[str, str]) -> ProviderEventData:
        raise InvalidCallback("manual payments have no callbacks")

    def retrieve(self, order: Order) -> ProviderEventData | None:
        return None  # an organizer settles it, not a provider

    def refund(self, payment: Payment, amount: Decimal) -> str:
        raise RefundNotPossible("Manual payments are refunded by the organizer; the refund "
                                "is recorded as owed.")
