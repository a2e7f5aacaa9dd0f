"""Free orders: nothing to pay, the order is paid as it is placed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from app.models.orders import Order, Payment, PaymentMethod
from app.services.payments.base import InvalidCallback, NextStep, ProviderEventData


class FreeProvider:
    name = PaymentMethod.FREE.value
    label = "Free"

    def start(self, order: Order) -> NextStep:
        return NextStep("checkout.order_page", {"code": order.code})

    def handle_callback(self, raw_body: bytes,
                        headers: Mapping[str, str]) -> ProviderEventData:
        raise InvalidCallback("free orders have no callbacks")

    def retrieve(self, order: Order) -> ProviderEventData | None:
        return None  # paid as it is placed

    def refund(self, payment: Payment, amount: Decimal) -> str:
        return f"free-{payment.id}"  # nothing was paid, so nothing moves
