"""Gate check-in: every scan (`CheckIn`), gate staff for one event, and re-entry settings.

The first entry of a ticket into a session is guarded by the database, not only by code: a
partial unique index allows one VALID entry per (ticket, session, entry number). Without
re-entry the entry number is always 1; with re-entry, entry n + 1 is only possible after the
exit of entry n (exits are unique per entry too). Two gates racing on one ticket therefore
get exactly one VALID, whatever the application servers do.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event, EventSession
from app.models.seating import TicketType
from app.models.tickets import Ticket
from app.models.types import UTCDateTime, str_enum, utcnow


class ScanResult(enum.StrEnum):
    VALID = "valid"            # let in
    ALREADY_IN = "already_in"  # entered before (and not out, with re-entry)
    WRONG_DAY = "wrong_day"    # not valid for this session or at this time
    REVOKED = "revoked"        # cancelled, refunded, or an old code of a reissued ticket
    NOT_PAID = "not_paid"      # the order is not paid
    UNKNOWN = "unknown"        # malformed, forged, another organization's or event's code
    EXIT = "exit"              # left (re-entry events only)
    NOT_INSIDE = "not_inside"  # an exit scan of someone who is not inside


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class CredentialKind(enum.StrEnum):
    """What was scanned: a ticket or a vendor pass (crew check in at the crew desk)."""

    TICKET = "ticket"
    VENDOR = "vendor"


class CheckIn(db.Model):
    """One scan at a gate, whatever its result (online, offline upload, or manual)."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("uq_checkins_entry", "ticket_id", "session_scope", "entry_number", unique=True,
              postgresql_where=text("result = 'valid' AND direction = 'in'"),
              sqlite_where=text("result = 'valid' AND direction = 'in'")),
        Index("uq_checkins_exit", "ticket_id", "session_scope", "entry_number", unique=True,
              postgresql_where=text("result = 'exit'"), sqlite_where=text("result = 'exit'")),
        Index("ix_checkins_event_recent", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)  # made by the scanning device
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="SET NULL"))
    # session_id or 0: the guard's index needs a value that is never NULL.
    session_scope: Mapped[int] = mapped_column(Integer, default=0)
    credential_kind: Mapped[CredentialKind] = mapped_column(str_enum(CredentialKind),
                                                            default=CredentialKind.TICKET)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                                  index=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction), default=Direction.IN)
    entry_number: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[ScanResult] = mapped_column(str_enum(ScanResult))
    detail: Mapped[str] = mapped_column(String(200), default="")
    gate: Mapped[str] = mapped_column(String(60), default="")
    device_id: Mapped[str] = mapped_column(String(64), default="")
    scanner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    offline_result: Mapped[str | None] = mapped_column(String(20))  # what the device showed
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_reason: Mapped[str | None] = mapped_column(String(200))
    manual_reason: Mapped[str | None] = mapped_column(String(200))  # manual check-in
    # A vendor pass's business and booth as the verdict named them (a ticket's holder and
    # seat are read from the ticket): for the organizer's lists and a replayed verdict.
    vendor_name: Mapped[str] = mapped_column(String(200), default="")
    vendor_booth: Mapped[str] = mapped_column(String(60), default="")

    ticket: Mapped[Ticket | None] = relationship()
    session: Mapped[EventSession | None] = relationship()
    scanner: Mapped[User | None] = relationship()

    @property
    def who(self) -> str:
        """Whom the scan was of, as the organizer's lists name it."""
        if self.ticket is not None:
            return self.ticket.holder_name
        if self.credential_kind == CredentialKind.VENDOR:
            return self.vendor_name or "Vendor pass"
        return "Unknown code"


class EventGateAssignment(db.Model):
    """Gate staff for one event only (the organization-wide gate role is a Membership)."""

    __tablename__ = "event_gate_assignments"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()


class CheckinSettings(db.Model):
    """An event's gate settings; an event without a row allows no re-entry."""

    __tablename__ = "checkin_settings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    allow_reentry: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketTypeSession(db.Model):
    """A session (day) a ticket type grants. A type with no rows grants every session."""

    __tablename__ = "ticket_type_sessions"

    ticket_type_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_types.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True)

    ticket_type: Mapped[TicketType] = relationship()
