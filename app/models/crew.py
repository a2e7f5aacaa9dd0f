"""Crew: roles, shifts, assignments, briefings, reminders sent, feeds and hour certificates.

Headcount rule: the places of a shift are taken by assignments that hold one, i.e. those
`confirmed`, `checked_in`, `completed` or `no_show` (a no-show still occupied the place when
the shift ran). An invitation does not reserve a place: organizers may invite more people than
needed, and the first to confirm get the places; confirming a full shift is refused.
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
from app.models.types import UTCDateTime, str_enum, utcnow


class AssignmentStatus(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Statuses that occupy one of the shift's places (see the module docstring).
HOLDS_PLACE = (AssignmentStatus.CONFIRMED, AssignmentStatus.CHECKED_IN,
               AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW)
# Statuses that put the person on the shift's time (for the overlap rule).
ON_SHIFT = (AssignmentStatus.CONFIRMED, AssignmentStatus.CHECKED_IN, AssignmentStatus.COMPLETED)


class CrewSettings(db.Model):
    """An organization's crew rules (one row, made on first use)."""

    __tablename__ = "crew_settings"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    second_reminder_hours: Mapped[int] = mapped_column(Integer, default=2)
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer, default=30)
    night_multiplier: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.00"))
    night_starts_hour: Mapped[int] = mapped_column(Integer, default=22)
    night_ends_hour: Mapped[int] = mapped_column(Integer, default=6)
    contact: Mapped[str | None] = mapped_column(String(254))


class CrewRole(db.Model):
    """A job such as usher or bar; `requirements` are qualification names a person needs."""

    __tablename__ = "crew_roles"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    requirements: Mapped[list] = mapped_column(JSON, default=list)

    organization: Mapped[Organization] = relationship()


class CrewProfile(db.Model):
    """A person in an organization's crew pool, with their qualifications.

    `qualifications` are those the organization confirmed: only they count for the roles'
    requirements. `declared_qualifications` are what the person says they hold on their crew
    profile; a declared one waits for an organizer to confirm it. `share_phone` is the
    person's own consent to show their phone number to the crew of their shifts.
    """

    __tablename__ = "crew_profiles"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualifications: Mapped[list] = mapped_column(JSON, default=list)
    declared_qualifications: Mapped[list] = mapped_column(JSON, default=list)
    share_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    organization: Mapped[Organization] = relationship()


class Shift(db.Model):
    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      CheckConstraint("headcount > 0", name="headcount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("crew_roles.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(160), default="")
    headcount: Mapped[int] = mapped_column(Integer)
    instructions: Mapped[str] = mapped_column(Text, default="")
    self_signup: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    role: Mapped[CrewRole] = relationship()
    assignments: Mapped[list[CrewAssignment]] = relationship(back_populates="shift",
                                                             order_by="CrewAssignment.id")

    @property
    def hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600


class CrewAssignment(db.Model):
    """A person (or, until they accept, an email address) on a shift."""

    __tablename__ = "crew_assignments"
    __table_args__ = (UniqueConstraint("shift_id", "email"),
                      Index("ix_crew_assignments_user_status", "user_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[AssignmentStatus] = mapped_column(str_enum(AssignmentStatus),
                                                     default=AssignmentStatus.INVITED)
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    version: Mapped[int] = mapped_column(Integer, default=1)

    shift: Mapped[Shift] = relationship(back_populates="assignments")
    user: Mapped[User | None] = relationship()


class CrewReminder(db.Model):
    """A reminder that was sent; the unique key makes each one go out at most once."""

    __tablename__ = "crew_reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("crew_assignments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))   # "before_24h", "before_2h", "unanswered"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Briefing(db.Model):
    """Setup notes for an event (or one of its shifts), with an optional attachment."""

    __tablename__ = "crew_briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_path: Mapped[str | None] = mapped_column(String(300))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    shift: Mapped[Shift | None] = relationship()


class CrewFeed(db.Model):
    """A person's iCal feed: its token is derived from `version`; revoking bumps it."""

    __tablename__ = "crew_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HoursCertificate(db.Model):
    """A PDF of a person's hours at one event, rendered by a `documents` job."""

    __tablename__ = "crew_hours_certificates"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/ready/failed
    path: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
