"""Tickets, the keys that sign them, their documents (PDFs), transfers and invoices.

A `Ticket` is issued for one `OrderLine` (the unique key makes issuing idempotent). Its QR
code is a compact signed payload (see `app.services.tickets.signing`); `revision` grows each
time the code changes (a transfer), and the old code stops being accepted. `secret` is
random per revision: it is inside the QR code, and the gate derives the key of the holder's
offline roster record from it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organization, User
from app.models.events import Event
from app.models.orders import Order, OrderLine
from app.models.seating import Seat, TicketType
from app.models.types import UTCDateTime, str_enum, utcnow


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class OrganizationKey(db.Model):
    """An organization's Ed25519 key pair; the private half is encrypted with the app secret.

    At most one key per organization is `active` (signs new codes); older keys stay so that
    codes they signed can still be verified until those are reissued.
    """

    __tablename__ = "organization_keys"
    __table_args__ = (
        Index("uq_organization_keys_active", "organization_id", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship()


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        # A seat is in at most one valid ticket per event, whatever the code above does.
        Index("uq_tickets_event_seat_valid", "event_id", "seat_id", unique=True,
              postgresql_where=text("seat_id IS NOT NULL AND status = 'valid'"),
              sqlite_where=text("seat_id IS NOT NULL AND status = 'valid'")),
        Index("ix_tickets_holder_email", "holder_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id",
                                                           ondelete="RESTRICT"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="RESTRICT"))
    holder_name: Mapped[str] = mapped_column(String(120))
    holder_email: Mapped[str] = mapped_column(String(254))
    # Set when a transfer is accepted: from then on only this account controls the ticket.
    holder_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    secret: Mapped[str] = mapped_column(String(64), unique=True)  # hex, 128 bits or more
    key_id: Mapped[int] = mapped_column(ForeignKey("organization_keys.id",
                                                   ondelete="RESTRICT"))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus),
                                                 default=TicketStatus.VALID)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    qr_payload: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    order_line: Mapped[OrderLine] = relationship()
    order: Mapped[Order] = relationship()
    event: Mapped[Event] = relationship()
    ticket_type: Mapped[TicketType] = relationship()
    seat: Mapped[Seat | None] = relationship()
    holder_user: Mapped[User | None] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.status == TicketStatus.VALID


class DocumentKind(enum.StrEnum):
    TICKET_PDF = "ticket_pdf"
    ORDER_PDF = "order_pdf"
    INVOICE_PDF = "invoice_pdf"


class DocumentStatus(enum.StrEnum):
    PENDING = "pending"    # a render job is (or should be) on its way
    READY = "ready"        # `path` holds the PDF of `revision`
    FAILED = "failed"      # the job gave up; a new request renders again
    STALE = "stale"        # the subject was revoked: the file must not be handed out


class TicketDocument(db.Model):
    """The rendered PDF of a ticket, an order's tickets, or an invoice: one row per subject.

    `revision` is the subject's revision the row describes (the ticket's revision, the
    order's version, 1 for an invoice). A job renders only when its revision is still current.
    """

    __tablename__ = "ticket_documents"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    subject_id: Mapped[int] = mapped_column(Integer)  # ticket id, or order id
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus),
                                                   default=DocumentStatus.PENDING)
    path: Mapped[str | None] = mapped_column(String(300))  # relative to DOCUMENTS_PATH
    size: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class Transfer(db.Model):
    """A ticket offered to another email; accepted once, through an emailed link."""

    __tablename__ = "ticket_transfers"
    __table_args__ = (
        # One open offer per ticket at a time.
        Index("uq_ticket_transfers_pending", "ticket_id", unique=True,
              postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus),
                                                   default=TransferStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()
    from_user: Mapped[User | None] = relationship(foreign_keys=[from_user_id])


class InvoiceCounter(db.Model):
    """The last invoice number of an organization; locked while the next one is taken."""

    __tablename__ = "invoice_counters"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(db.Model):
    """A numbered invoice for a paid order; numbers are consecutive per organization."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    number: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"),
                                          unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A snapshot: an invoice does not change when the order or the organization does.
    seller_name: Mapped[str] = mapped_column(String(120))
    buyer_name: Mapped[str] = mapped_column(String(120))
    buyer_email: Mapped[str] = mapped_column(String(254))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship()
    organization: Mapped[Organization] = relationship()

    @property
    def display_number(self) -> str:
        return f"INV-{self.number:06d}"
