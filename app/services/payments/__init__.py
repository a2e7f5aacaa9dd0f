"""Payment providers behind one small interface, looked up by name.

Three now: `manual` (bank transfer / mobile money, approved by organizers), `sandbox` (the
built-in card gateway with a hosted page and signed webhooks) and `free`. Card gateways and
mobile-money push payments plug in later with `register()`.
"""

from __future__ import annotations

from flask import current_app

from app.services.payments.base import (
    InvalidCallback,
    NextStep,
    PaymentProvider,
    ProviderEventData,
    RefundNotPossible,
)
from app.services.payments.free import FreeProvider
from app.services.payments.manual import ManualProvider
from app.services.payments.sandbox import SandboxProvider

_PROVIDERS: dict[str, PaymentProvider] = {}


def register(provider: PaymentProvider) -> PaymentProvider:
    """Make `provider` available under `provider.name`."""
    _PROVIDERS[provider.name] = provider
    return provider


def provider(name: str) -> PaymentProvider:
    """The provider called `name`; KeyError for an unknown one."""
    return _PROVIDERS[name]


def is_enabled(name: str) -> bool:
    """Whether buyers may choose `name` (the sandbox only when its setting is on)."""
    if name == SandboxProvider.name:
        return bool(current_app.config.get("SANDBOX_GATEWAY_ENABLED"))
    return name in _PROVIDERS


for _provider in (ManualProvider(), SandboxProvider(), FreeProvider()):
    register(_provider)

__all__ = ["InvalidCallback", "NextStep", "PaymentProvider", "ProviderEventData",
           "RefundNotPossible", "is_enabled", "provider", "register"]
