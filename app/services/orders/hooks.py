"""Extension point: other domains act when an order is paid, in the same transaction.

The tickets bridge issues tickets for an order's lines; an order may also pay for
something else (a vendor's booth fee). Such a domain registers a handler once at import:

    hooks.on_paid(booth_order_paid)

Each handler is called with every paid order and ignores the ones that are not its own.
Handlers only flush; a handler that raises rolls the whole payment back.
"""

from __future__ import annotations

from collections.abc import Callable

from app.models.orders import Order

PaidHandler = Callable[[Order], None]
_PAID: dict[str, PaidHandler] = {}


def on_paid(handler: PaidHandler) -> PaidHandler:
    """Register `handler` (once, by its qualified name: re-imports do not duplicate it)."""
    _PAID[f"{handler.__module__}.{handler.__qualname__}"] = handler
    return handler


def order_paid(order: Order) -> None:
    """Run every registered handler for a freshly paid order."""
    for handler in list(_PAID.values()):
        handler(order)
