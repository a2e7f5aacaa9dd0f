"""Emails to the buyer about their order, written to the outbox in the caller's transaction."""

from __future__ import annotations

from flask import current_app

from app.models.orders import Order
from app.services.outbox import queue_email


def order_link(order: Order) -> str:
    return f"{current_app.config['PUBLIC_URL']}/orders/{order.code}"


def _send(order: Order, template: str, subject: str, message: str) -> None:
    queue_email(order.buyer_email, template, f"{subject} · order {order.code}",
                user_id=order.user_id, related=("order", order.id), order=order,
                message=message, link=order_link(order))


def _booth_fee(order: Order) -> bool:
    """A vendor's booth fee: no ticket lines, tied to a booth application (the vendor model
    adds `booth_application`); its emails speak of the booth, never of seats."""
    return not order.lines and getattr(order, "booth_application", None) is not None



def order_expired(order: Order) -> None:
    if _booth_fee(order):
        message = ("We did not receive the booth fee for this order in time, so the order "
                   "expired and nothing was charged. Your application stays approved: you "
                   "can pay again from your booth application.")
    else:
        message = ("We did not receive a payment for this order in time, so its seats were "
                   "released and nothing was charged. You are welcome to choose seats again.")
    _send(order, "order_expired", "Payment not received", message)


def order_rejected(order: Order, reason: str) -> None:
    what = "no booth fee was recorded" if _booth_fee(order) else "its seats were released"
    _send(order, "order_rejected", "Payment not confirmed",
          f"The organizer could not confirm your payment, so the order was cancelled and "
          f"{what}.\n\nTheir reason: {reason}")


def order_refunded_late(order: Order) -> None:
    why = ("Your payment arrived after the order had expired" if _booth_fee(order) else
           "Your payment arrived after the order had expired, and its seats had already "
           "been sold to someone else")
    _send(order, "order_refunded", "Payment refunded",
          f"{why}. We refunded the full amount to your card; it can take a few days to show "
          "on your statement.")


def order_cancelled(order: Order, reason: str, refund_note: str) -> None:
    what = ("The organizer cancelled this booth fee order" if _booth_fee(order) else
            "The organizer cancelled this order and its tickets no longer work")
    _send(order, "order_cancelled", "Order cancelled",
          f"{what}.\n\nReason: {reason}\n\n{refund_note}")
