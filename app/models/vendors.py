"""Vendors: profiles and documents, booth types and booths, questions, applications with
their history, waitlist offers, vendor passes and per-event settings.

One booth, one vendor: `booth_applications.booth_id` is set while an application holds a
booth (reserved on approval or by a waitlist offer, assigned once paid), and the unique key
`(event_id, booth_id)` makes a second holder impossible whatever the code does.
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
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.orders import Order
from app.models.types import UTCDateTime, str_enum, utcnow


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAID = "paid"
    ASSIGNED = "assigned"


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"
    FILE = "file"


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class VendorProfile(db.Model):
    """A vendor's business, reusable across events (one per user)."""

    __tablename__ = "vendor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    business_name: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(30), default="bazaar")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    documents: Mapped[list[VendorDocument]] = relationship(
        back_populates="profile", order_by="VendorDocument.id", cascade="all, delete-orphan")


class VendorDocument(db.Model):
    """An uploaded file (licence, certificate, insurance, logo, an answer), stored outside
    static/ under a random name; `path` is relative to the vendor uploads folder."""

    __tablename__ = "vendor_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("vendor_profiles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    original_name: Mapped[str] = mapped_column(String(160))
    path: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    profile: Mapped[VendorProfile] = relationship(back_populates="documents")


class VendorSettings(db.Model):
    """An event's booth rules: deadline, review and waitlist settings, load-in notes."""

    __tablename__ = "vendor_settings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_hours: Mapped[int] = mapped_column(Integer, default=48)
    require_documents: Mapped[bool] = mapped_column(Boolean, default=False)
    load_in: Mapped[str] = mapped_column(Text, default="")


class BoothType(db.Model):
    __tablename__ = "booth_types"
    __table_args__ = (UniqueConstraint("event_id", "name"),
                      CheckConstraint("price >= 0", name="price_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(80))
    size: Mapped[str] = mapped_column(String(40), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    power: Mapped[bool] = mapped_column(Boolean, default=False)
    water: Mapped[bool] = mapped_column(Boolean, default=False)
    tables: Mapped[int] = mapped_column(Integer, default=0)


class Booth(db.Model):
    """A spot on the event's floor plan (a rectangle in plan units)."""

    __tablename__ = "booths"
    __table_args__ = (UniqueConstraint("event_id", "label"),
                      CheckConstraint("w > 0 AND h > 0", name="positive_size"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    booth_type_id: Mapped[int] = mapped_column(ForeignKey("booth_types.id",
                                                          ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(20))
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    w: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    # Kept back by the organizer (sponsors, first aid): never offered nor assigned.
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)

    booth_type: Mapped[BoothType] = relationship()


class BoothQuestion(db.Model):
    __tablename__ = "booth_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    text: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BoothApplication(db.Model):
    """One vendor's application for one event (see the module docstring for `booth_id`)."""

    __tablename__ = "booth_applications"
    __table_args__ = (UniqueConstraint("event_id", "profile_id"),
                      UniqueConstraint("event_id", "booth_id", name="one_vendor_per_booth"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id",
                                                       ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    booth_type_id: Mapped[int | None] = mapped_column(ForeignKey("booth_types.id",
                                                                 ondelete="SET NULL"))
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus),
                                                      default=ApplicationStatus.DRAFT)
    preferences: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    products: Mapped[str] = mapped_column(Text, default="")
    power_amps: Mapped[int] = mapped_column(Integer, default=0)
    water: Mapped[bool] = mapped_column(Boolean, default=False)
    vehicle_size: Mapped[str] = mapped_column(String(60), default="")
    booth_id: Mapped[int | None] = mapped_column(ForeignKey("booths.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    pending_decision: Mapped[str | None] = mapped_column(String(20))
    pending_message: Mapped[str | None] = mapped_column(Text)
    pending_booth_id: Mapped[int | None] = mapped_column(ForeignKey("booths.id",
                                                                    ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    event: Mapped[Event] = relationship()
    profile: Mapped[VendorProfile] = relationship()
    user: Mapped[User] = relationship()
    booth_type: Mapped[BoothType | None] = relationship()
    booth: Mapped[Booth | None] = relationship(foreign_keys=[booth_id])
    pending_booth: Mapped[Booth | None] = relationship(foreign_keys=[pending_booth_id])
    # `order.booth_application` tells an order page or email that the order is a booth fee.
    order: Mapped[Order | None] = relationship(
        backref=backref("booth_application", uselist=False, viewonly=True))
    history: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id",
        cascade="all, delete-orphan")

    def touch(self) -> None:
        """Record a change: the vendor's status poll sees a new version."""
        self.version = (self.version or 0) + 1


class ApplicationEvent(db.Model):
    """One step of an application's history, with the message the vendor was sent."""

    __tablename__ = "booth_application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("booth_applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[BoothApplication] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


class WaitlistOffer(db.Model):
    """A freed booth offered to a waitlisted vendor until `expires_at`."""

    __tablename__ = "booth_waitlist_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("booth_applications.id", ondelete="CASCADE"), index=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.OPEN)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    application: Mapped[BoothApplication] = relationship()
    booth: Mapped[Booth] = relationship()


class VendorPass(db.Model):
    """The vendor pass PDF of an assigned application, rendered by a `documents` job."""

    __tablename__ = "vendor_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("booth_applications.id", ondelete="CASCADE"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    code: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/ready
    path: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[BoothApplication] = relationship()
