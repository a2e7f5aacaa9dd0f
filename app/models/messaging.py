"""The email outbox: every message, its delivery state, and what it is about."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, str_enum, utcnow


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"       # waiting for (another) delivery attempt
    SENT = "sent"
    FAILED = "failed"       # permanent error or attempts exhausted
    KEPT = "kept"           # development without SMTP: kept here, readable at /dev/mail


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_status_next", "status", "next_attempt_at"),
        Index("ix_outbound_emails_related", "related_type", "related_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(250))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus),
        default=EmailStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    related_type: Mapped[str | None] = mapped_column(String(40))
    related_id: Mapped[int | None] = mapped_column(Integer)
    # Specs of files resolved when the message is built, e.g. {"kind": "ticket_pdf",
    # "id": 12}; see `outbox.ATTACHMENT_RESOLVERS`. Inline images carry a "cid".
    attachments: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(db.Model):
    """An in-app notice for one person."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
