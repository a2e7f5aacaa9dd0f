"""Orders, their lines, payments and the records that make payment callbacks trustworthy.

An `Order` is born from a cart's holds at checkout. Its seats stay claimed by `Hold` rows
whose `cart_id` is the order's own `hold_key` (so the buyer's cart and the order never share
claims). `version` increases with every change of the order: the order page polls with it,
and document jobs use it in their ids (one PDF per order version).

`ProviderEvent` makes callbacks idempotent: a provider's event id is inserted before anything
else is done with it, and the unique key turns a second delivery into a no-op.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organization, User
from app.models.events import Event
from app.models.seating import Seat, TicketType
from app.models.types import UTCDateTime, str_enum, utcnow


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    AWAITING_APPROVAL = "awaiting_approval"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"


# Orders whose seats are still claimed and whose payment may still arrive in time.
OPEN_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_APPROVAL)


class PaymentMethod(enum.StrEnum):
    MANUAL = "manual"      # bank transfer or mobile money, approved by the organizer
    SANDBOX = "sandbox"    # the built-in card gateway (hosted page + signed webhooks)
    FREE = "free"          # nothing to pay


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    FLAGGED = "flagged"    # amount or currency did not match the order: nothing issued


class ProofDecision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Order(db.Model):
    """One purchase by one buyer for one event."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index("ix_orders_status_expires", "status", "expires_at"),
        Index("ix_orders_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    buyer_email: Mapped[str] = mapped_column(String(254))
    buyer_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus),
                                                default=OrderStatus.PENDING_PAYMENT)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Money the organizer still owes the buyer (manual payments cannot be refunded by us).
    refund_owed: Mapped[bool] = mapped_column(Boolean, default=False)
    # A payment arrived that did not match the order (amount/currency): someone must look.
    payment_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once the "payment did not arrive" email went out, so it is sent exactly once.
    expiry_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", order_by="Payment.id", cascade="all, delete-orphan"
    )
    proofs: Mapped[list[ManualPaymentProof]] = relationship(
        back_populates="order", order_by="ManualPaymentProof.id", cascade="all, delete-orphan"
    )

    @property
    def hold_key(self) -> str:
        """The `Hold.cart_id` under which this order's seats are claimed."""
        return f"order:{self.code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def touch(self) -> None:
        """Record a change: pollers and document jobs see a new version."""
        self.version = (self.version or 0) + 1


class OrderLine(db.Model):
    """One ticket of an order (quantity is always 1: one line, one ticket, one holder)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity = 1", name="one_ticket_per_line"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id",
                                                           ondelete="RESTRICT"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="RESTRICT"))
    # The claim this line came from; holds are deleted when they expire, hence SET NULL.
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # What the buyer saw at checkout, kept even if the seat map changes later.
    description: Mapped[str] = mapped_column(String(160))
    attendee_name: Mapped[str] = mapped_column(String(120))
    attendee_email: Mapped[str] = mapped_column(String(254))
    requirements: Mapped[str] = mapped_column(Text, default="")
    requirement_choices: Mapped[list] = mapped_column(JSON, default=list)

    order: Mapped[Order] = relationship(back_populates="lines")
    ticket_type: Mapped[TicketType] = relationship()
    seat: Mapped[Seat | None] = relationship()


class Payment(db.Model):
    """Money received (or refused, or refunded) for an order, as a provider reported it."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "provider_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus))
    refund_ref: Mapped[str | None] = mapped_column(String(120))
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")


class ProviderEvent(db.Model):
    """A callback already received: the unique key is the webhook idempotency key."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class ManualPaymentProof(db.Model):
    """What a buyer submitted for a bank transfer or mobile money payment, and the verdict."""

    __tablename__ = "manual_payment_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    channel: Mapped[str] = mapped_column(String(20), default="bank")
    reference: Mapped[str] = mapped_column(String(120))
    # Relative to the uploads folder under the instance path (never under static/).
    receipt_path: Mapped[str | None] = mapped_column(String(255))
    receipt_content_type: Mapped[str | None] = mapped_column(String(60))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[ProofDecision | None] = mapped_column(str_enum(ProofDecision))
    reason: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="proofs")
    reviewed_by: Mapped[User | None] = relationship()


class OrganizationPaymentSettings(db.Model):
    """How an organization is paid by hand, and how long seats wait for payment."""

    __tablename__ = "organization_payment_settings"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    bank_instructions: Mapped[str] = mapped_column(Text, default="")
    mobile_money_instructions: Mapped[str] = mapped_column(Text, default="")
    payment_minutes: Mapped[int] = mapped_column(Integer, default=12)
    approval_hours: Mapped[int] = mapped_column(Integer, default=48)

    organization: Mapped[Organization] = relationship()

    @property
    def manual_enabled(self) -> bool:
        return bool(self.bank_instructions.strip() or self.mobile_money_instructions.strip())


class SandboxCharge(db.Model):
    """The sandbox gateway's own record of a checkout session (the "remote" side).

    Our side learns the outcome from the gateway, like with a real one: by retrieving the
    session when the buyer comes back, and from the signed webhook.
    """

    __tablename__ = "sandbox_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    merchant: Mapped[str] = mapped_column(String(160))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="open")
    card_last4: Mapped[str | None] = mapped_column(String(4))
    charge_ref: Mapped[str | None] = mapped_column(String(64))
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    charged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship()
