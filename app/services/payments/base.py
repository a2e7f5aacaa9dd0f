"""The small interface every payment provider implements, and what it hands back.

- `start(order) -> NextStep`: what the buyer does next (go to a hosted page, or stay on the
  order page and follow its instructions). Called before the checkout transaction commits.
- `handle_callback(raw_body, headers) -> ProviderEventData`: verify and parse a callback.
  It must not touch the database: verification comes before anything is written.
- `refund(payment, amount) -> str`: give money back; returns the provider's refund reference.
- `retrieve(order) -> ProviderEventData | None`: ask the provider how the order's latest
  checkout session ended, when the buyer comes back from its hosted page; None while it is
  not known to have succeeded (or when the provider has no such thing). What it returns is
  applied like a webhook, and the webhook that follows finds it already applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from app.models.orders import Order, Payment
from app.services.errors import DomainError


class InvalidCallback(Exception):
    """A callback whose signature, timestamp or body cannot be trusted: answer 400."""


class RefundNotPossible(DomainError):
    """The provider cannot send money back by itself (manual payments)."""


@dataclass(frozen=True)
class NextStep:
    """Where the buyer goes after placing the order: a URL endpoint with its values."""

    endpoint: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderEventData:
    """A verified provider callback, in the provider's own words made plain."""

    provider: str
    event_id: str
    kind: str                  # "payment.succeeded" or "payment.failed"
    order_code: str
    provider_ref: str          # the provider's charge/transaction id
    amount: Decimal
    currency: str
    raw: dict

    @property
    def succeeded(self) -> bool:
        return self.kind == "payment.succeeded"


class PaymentProvider(Protocol):
    name: str
    label: str

    def start(self, order: Order) -> NextStep: ...

    def handle_callback(self, raw_body: bytes,
                        headers: Mapping[str, str]) -> ProviderEventData: ...

    def refund(self, payment: Payment, amount: Decimal) -> str: ...

    def retrieve(self, order: Order) -> ProviderEventData | None: ...
