"""Where orders meet tickets: issuing them when an order is paid, revoking them on cancel.

The tickets service (`app.services.tickets`) owns tickets, their PDFs and the confirmation
email with the tickets attached. It is called inside the transaction that marks the order
paid, so there is never a paid order without tickets nor tickets without payment.
"""

from __future__ import annotations

from collections.abc import Callable

from app.models.orders import Order
from app.services import tickets


def issue_tickets_and_confirm(order: Order, *,
                              before_invoice: Callable[[], None] | None = None) -> None:
    """Issue the order's tickets (the tickets service then sends the confirmation); see
    `tickets.issue_tickets` for `before_invoice`."""
    tickets.issue_tickets(order, before_invoice=before_invoice)


def revoke_tickets(order: Order, reason: str) -> None:
    """Revoke every valid ticket of the order (their QR codes stop working)."""
    tickets.revoke_order_tickets(order, reason)
