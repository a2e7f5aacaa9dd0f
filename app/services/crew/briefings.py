"""Briefings: setup notes (text + optional attachment) sent to the confirmed crew of an event
or a shift, each email carrying the roster of the recipient's own shift and the briefing's
file (attached when the email is built, as a `briefing_file` outbox attachment).

Attachments are stored under the documents folder (never under static) and served only to
the organizers and to the crew the briefing was for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Membership, User
from app.models.accounts import ORGANIZER_ROLES
from app.models.crew import ON_SHIFT, Briefing, CrewAssignment, Shift
from app.models.types import utcnow
from app.services.crew import roles
from app.services.crew.notify import send_assignment_email
from app.services.email_attachments import MailAttachment
from app.services.errors import DomainError
from app.services.tickets.documents import documents_root
from app.services.tickets.mail import public_url

MAX_ATTACHMENT = 5 * 1024 * 1024
ALLOWED = {".pdf": ("application/pdf", b"%PDF"), ".png": ("image/png", b"\x89PNG"),
           ".jpg": ("image/jpeg", b"\xff\xd8\xff"), ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
           ".txt": ("text/plain", b"")}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class RosterLine:
    name: str
    role: str
    phone: str | None = None


def roster_for(shift: Shift) -> list[RosterLine]:
    """Who is on the shift: names and roles, a phone only where the person agreed to share."""
    rows = db.session.execute(
        select(User, CrewAssignment).join(CrewAssignment, CrewAssignment.user_id == User.id)
        .where(CrewAssignment.shift_id == shift.id, CrewAssignment.status.in_(ON_SHIFT))
        .order_by(User.name))
    lines = []
    for user, _ in rows.all():
        profile = roles.profile_of(shift.event.organization_id, user.id)
        phone = user.phone if profile is not None and profile.share_phone else None
        lines.append(RosterLine(user.name, shift.role.name, phone))
    return lines


def _checked_attachment(upload: Upload) -> tuple[str, str]:
    """(safe file name, media type) of an acceptable attachment, else DomainError."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(upload.filename)).strip(".-")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED or not name:
        raise DomainError("Attach a PDF, PNG, JPEG or text file.", "attachment")
    if len(upload.data) > MAX_ATTACHMENT:
        raise DomainError("The attachment is larger than 5 MB.", "attachment")
    media_type, magic = ALLOWED[suffix]
    if not upload.data.startswith(magic):
        raise DomainError("The file's content does not match its type.", "attachment")
    return name, media_type


def create_briefing(event: Event, shift: Shift | None, title: str, body: str,
                    upload: Upload | None = None) -> Briefing:
    """Save a briefing (and its attachment, checked for size and type)."""
    if shift is not None and shift.event_id != event.id:
        raise DomainError("That shift belongs to another event.", "shift")
    briefing = Briefing(event_id=event.id, shift_id=shift.id if shift else None,
                        title=title.strip(), body=body.strip())
    db.session.add(briefing)
    db.session.flush()
    if upload is not None and upload.filename:
        name, media_type = _checked_attachment(upload)
        relative = f"crew-briefings/{briefing.id}/{name}"
        path = documents_root() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(upload.data)
        briefing.attachment_name, briefing.attachment_path = name, relative
        briefing.attachment_type = media_type
    return briefing


def recipients(briefing: Briefing) -> list[CrewAssignment]:
    """The confirmed crew the briefing is for."""
    query = select(CrewAssignment).join(Shift).where(
        Shift.event_id == briefing.event_id, CrewAssignment.status.in_(ON_SHIFT))
    if briefing.shift_id is not None:
        query = query.where(Shift.id == briefing.shift_id)
    return list(db.session.scalars(query.order_by(Shift.starts_at, CrewAssignment.id)))


def send_briefing(briefing: Briefing) -> int:
    """Email the briefing to its recipients, each with their shift's roster; how many."""
    people = recipients(briefing)
    link = public_url("crew.portal")
    files = [{"kind": "briefing_file", "id": briefing.id}] if briefing.attachment_path else []
    for assignment in people:
        email = send_assignment_email(
            assignment, "crew_briefing", f"Briefing: {briefing.title}", briefing=briefing,
            roster=roster_for(assignment.shift),
            attachment_link=link if briefing.attachment_path else None)
        email.attachments = files
    briefing.sent_at = utcnow()
    db.session.flush()
    return len(people)


def briefings_for(shift: Shift) -> list[Briefing]:
    """Briefings that concern a shift: the event's general ones and the shift's own."""
    return list(db.session.scalars(select(Briefing).where(
        Briefing.event_id == shift.event_id, Briefing.sent_at.is_not(None),
        (Briefing.shift_id.is_(None)) | (Briefing.shift_id == shift.id))
        .order_by(Briefing.created_at)))


def attachment_path(briefing: Briefing) -> Path | None:
    if not briefing.attachment_path:
        return None
    path = documents_root() / briefing.attachment_path
    return path if path.is_file() else None


def may_read(briefing: Briefing, user: User) -> bool:
    """The organizers of the event may read a briefing; a crew member one sent to them
    (confirmed on its event or shift)."""
    if user.is_site_admin or db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.role.in_(ORGANIZER_ROLES),
            Membership.organization_id == briefing.event.organization_id)) is not None:
        return True
    if briefing.sent_at is None:
        return False
    return any(a.user_id == user.id for a in recipients(briefing))


def briefing_file_attachment(spec: dict) -> MailAttachment | None:
    """The briefing's file for its email (resolved at send time); None once it is gone."""
    # Its own app context, so reading here never flushes the caller's session (see tickets).
    with current_app.app_context():
        briefing = db.session.get(Briefing, int(spec["id"]))
        path = attachment_path(briefing) if briefing is not None else None
        if path is None:
            return None
        maintype, subtype = briefing.attachment_type.split("/", 1)
        return MailAttachment(briefing.attachment_name, maintype, subtype, path.read_bytes())
