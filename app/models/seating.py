"""Seat maps, ticket types and the inventory of claims on seats (holds, sales, blocks).

The one rule the database itself enforces: a seat carries at most one claim per event. A claim
is a `Hold` row whose status says what it is (held by a cart, ordered, sold, blocked). The
partial unique index `uq_holds_event_seat` makes a second claim on the same seat impossible,
whatever the code above it does.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Event, Venue
from app.models.types import UTCDateTime, str_enum, utcnow


class SeatMap(db.Model):
    """A venue's seating plan, in SVG user units (`width` × `height`, stage rectangle)."""

    __tablename__ = "seat_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    stage_x: Mapped[float] = mapped_column(Float, default=0.0)
    stage_y: Mapped[float] = mapped_column(Float, default=0.0)
    stage_width: Mapped[float] = mapped_column(Float, default=0.0)
    stage_height: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    venue: Mapped[Venue] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="seat_map", order_by="Section.sort_order", cascade="all, delete-orphan"
    )
    zones: Mapped[list[PriceZone]] = relationship(
        back_populates="seat_map", order_by="PriceZone.colour_index", cascade="all, delete-orphan"
    )

    @property
    def stage_centre(self) -> tuple[float, float]:
        return (self.stage_x + self.stage_width / 2, self.stage_y + self.stage_height / 2)


class Section(db.Model):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("seat_map_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_map_id: Mapped[int] = mapped_column(ForeignKey("seat_maps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    seat_map: Mapped[SeatMap] = relationship(back_populates="sections")


class PriceZone(db.Model):
    """A set of seats sold at one price; `colour_index` picks the legend colour (0-based)."""

    __tablename__ = "price_zones"
    __table_args__ = (UniqueConstraint("seat_map_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_map_id: Mapped[int] = mapped_column(ForeignKey("seat_maps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    colour_index: Mapped[int] = mapped_column(Integer, default=0)

    seat_map: Mapped[SeatMap] = relationship(back_populates="zones")


class Seat(db.Model):
    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("section_id", "row_label", "number"),
        # Loading a whole map reads seats by map in display order.
        Index("ix_seats_map_order", "seat_map_id", "section_id", "row_label", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_map_id: Mapped[int] = mapped_column(ForeignKey("seat_maps.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    price_zone_id: Mapped[int] = mapped_column(
        ForeignKey("price_zones.id", ondelete="RESTRICT"), index=True
    )
    row_label: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(24))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    wheelchair: Mapped[bool] = mapped_column(Boolean, default=False)
    companion: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_view: Mapped[bool] = mapped_column(Boolean, default=False)
    aisle: Mapped[bool] = mapped_column(Boolean, default=False)

    section: Mapped[Section] = relationship()
    price_zone: Mapped[PriceZone] = relationship()


class TicketKind(enum.StrEnum):
    SEATED = "seated"
    GENERAL_ADMISSION = "general_admission"


class TicketType(db.Model):
    """What a person buys: a seat in a price zone, or a place in a general-admission area."""

    __tablename__ = "ticket_types"
    __table_args__ = (
        UniqueConstraint("event_id", "price_zone_id"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "(kind = 'seated' AND price_zone_id IS NOT NULL) OR "
            "(kind = 'general_admission' AND capacity IS NOT NULL AND capacity >= 0)",
            name="kind_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[TicketKind] = mapped_column(str_enum(TicketKind), default=TicketKind.SEATED)
    price_zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("price_zones.id", ondelete="RESTRICT")
    )
    capacity: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()
    price_zone: Mapped[PriceZone | None] = relationship()


class EventSeating(db.Model):
    """An event's seating settings and its live version counter.

    `version` increases with every change of a seat's state (in the same transaction, under
    this row's lock, so versions commit in order). `next_expiry_at` is the earliest expiry of
    any hold, so a poll can tell cheaply whether holds are due to be released.
    `changes_pruned_through`: seat changes up to this version were deleted from the log.
    """

    __tablename__ = "event_seating"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    seat_map_id: Mapped[int] = mapped_column(
        ForeignKey("seat_maps.id", ondelete="RESTRICT"), index=True
    )
    hold_minutes: Mapped[int] = mapped_column(Integer, default=10)
    max_seats_per_order: Mapped[int] = mapped_column(Integer, default=10)
    # Minutes an order placed for an online payment keeps its seats; None: the
    # organization's payment window.
    payment_minutes: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    next_expiry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changes_pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)

    event: Mapped[Event] = relationship()
    seat_map: Mapped[SeatMap] = relationship()


class HoldStatus(enum.StrEnum):
    HELD = "held"          # in a cart, expires
    ORDERED = "ordered"    # in checkout's payment window, expires
    SOLD = "sold"          # never expires
    BLOCKED = "blocked"    # taken out of sale by the organizer, never expires


class Hold(db.Model):
    """A claim on a seat (or on `quantity` places of a general-admission ticket type)."""

    __tablename__ = "holds"
    __table_args__ = (
        Index("uq_holds_event_seat", "event_id", "seat_id", unique=True,
              postgresql_where=text("seat_id IS NOT NULL"),
              sqlite_where=text("seat_id IS NOT NULL")),
        Index("ix_holds_event_cart", "event_id", "cart_id"),
        Index("ix_holds_expires_at", "expires_at"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("seat_id IS NULL OR quantity = 1", name="one_per_seat"),
        CheckConstraint("seat_id IS NOT NULL OR ticket_type_id IS NOT NULL", name="what_held"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    ticket_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_types.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    cart_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[HoldStatus] = mapped_column(str_enum(HoldStatus), default=HoldStatus.HELD)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    seat: Mapped[Seat | None] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()


class SeatChange(db.Model):
    """Which seats changed at which version: polling sends only those seats."""

    __tablename__ = "seat_changes"
    __table_args__ = (Index("ix_seat_changes_event_version", "event_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(BigInteger)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
