"""Order and payment refusals; each message is fit to show the person as it is."""

from __future__ import annotations

from app.services.errors import DomainError


class OrderError(DomainError):
    """Base class of every order refusal."""


class CartEmpty(OrderError):
    def __init__(self, message: str = "Your held seats have expired or were released, so "
                                      "there is nothing to check out. Please choose again."):
        super().__init__(message, "cart")


class CartChanged(OrderError):
    def __init__(self):
        super().__init__("Your held tickets changed since this page was opened. Please check "
                         "the tickets below and place the order again.", "cart")


class EventNotOnSale(OrderError):
    def __init__(self):
        super().__init__("This event is cancelled: its tickets are not on sale any more.")


class PaymentMethodUnavailable(OrderError):
    def __init__(self, message: str = "That payment method is not available for this event."):
        super().__init__(message, "payment_method")


class OrderNotOpen(OrderError):
    def __init__(self, message: str = "This order can no longer be changed."):
        super().__init__(message)


class ReceiptRejected(OrderError):
    def __init__(self, message: str):
        super().__init__(message, "receipt")


class ReceiptTooLarge(ReceiptRejected):
    """The receipt is over the size limit (answered with 413)."""


class SeatsGone(OrderError):
    def __init__(self):
        super().__init__("The seats of this order were sold to someone else after it expired.")
