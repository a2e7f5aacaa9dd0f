"""Vendor passes: a PDF with a signed QR (its own kind of credential), load-in notes and
the booth drawn on the floor plan, rendered by a `documents` job and then emailed.

Code layout (big-endian, 25 bytes, then the 64-byte Ed25519 signature, base64url), signed
in its own context so a vendor code never verifies as a ticket or crew code:

    0 version · 1 key id · 5 application id · 9 event id · 13 booth id · 17 from · 21 until
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from app.extensions import db, jobs
from app.models.types import utcnow
from app.models.vendors import BoothApplication, VendorPass
from app.services.email_attachments import MailAttachment
from app.services.outbox import TemporaryEmailError
from app.services.tickets.credentials import (
    CredentialKind,
    InvalidCredentialCode,
    open_credential,
    sign_credential,
)
from app.services.tickets.documents import documents_root, html_to_pdf, write_atomically
from app.services.tickets.qr import qr_svg
from app.services.vendors import floorplan, notify
from app.services.vendors.errors import VendorError

KIND = CredentialKind("vendor", b"marquee/vendor/v1\x00", struct.Struct(">BIIIIII"))
JOB = "app.jobs_vendors.render_vendor_pass"


class InvalidVendorCode(VendorError):
    """Not a vendor code of this organization, or its signature does not verify."""


@dataclass(frozen=True)
class VendorClaims:
    key_id: int
    application_id: int
    event_id: int
    booth_id: int
    valid_from: datetime
    valid_until: datetime


def vendor_code(application: BoothApplication) -> str:
    """The signed code of the vendor's QR (valid from the day before load-in)."""
    event = application.event
    return sign_credential(KIND, event.organization_id, application.id, event.id,
                           application.booth_id,
                           int((event.starts_at - timedelta(days=2)).timestamp()),
                           int((event.ends_at + timedelta(hours=12)).timestamp()))


def verify_vendor_code(code: str, organization_id: int) -> VendorClaims:
    """The claims of a vendor code signed by one of the organization's keys."""
    try:
        key_id, application_id, event_id, booth_id, start, end = open_credential(
            KIND, code, organization_id)
    except InvalidCredentialCode as exc:
        raise InvalidVendorCode(str(exc)) from exc
    return VendorClaims(key_id, application_id, event_id, booth_id,
                        datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))


def pass_for(application: BoothApplication) -> VendorPass | None:
    return db.session.scalar(select(VendorPass).where(
        VendorPass.application_id == application.id))


def request_pass(application: BoothApplication) -> VendorPass:
    """Sign the code and ask for the PDF after commit (a new revision per booth change)."""
    found = pass_for(application)
    if found is None:
        found = VendorPass(application_id=application.id, revision=0)
        db.session.add(found)
    found.revision += 1
    found.code, found.status, found.path = vendor_code(application), "pending", None
    found.requested_at, found.error = utcnow(), None
    db.session.flush()
    jobs.after_commit(db.session(), JOB, found.id, found.revision, queue="documents",
                      job_id=f"vendor-pass-{found.id}-r{found.revision}")
    return found


def render_pass(pass_id: int, revision: int) -> str:
    """Render the PDF and email the vendor once (the job's body; idempotent)."""
    found = db.session.get(VendorPass, pass_id, with_for_update=True, populate_existing=True)
    if found is None or found.revision != revision:
        db.session.rollback()
        return "superseded"
    if found.status == "ready" and pass_file(found) is not None:
        db.session.rollback()
        return "ready"
    application = found.application
    spots = floorplan.plan(application.event, application)
    html = render_template("pdf/vendor_pass.html", application=application,
                           settings=floorplan.settings_for(application.event),
                           qr=qr_svg(found.code, label="Vendor pass QR code"), spots=spots,
                           size=floorplan.plan_size(spots), issued_at=utcnow())
    relative = f"vendor-passes/{found.id}/pass-r{revision}.pdf"
    write_atomically(documents_root() / relative, html_to_pdf(html))
    found.status, found.path = "ready", relative
    if not found.emailed:
        found.emailed = True
        notify.pass_email(application, found)
    db.session.commit()
    return "rendered"


def pass_attachment(spec: dict) -> MailAttachment | None:
    """The pass PDF for its email (resolved at send time): None once the pass is gone; a
    pass being re-rendered (booth changed) is retried until the new file is ready."""
    # Its own app context, so reading here never flushes the caller's session (see tickets).
    with current_app.app_context():
        found = db.session.get(VendorPass, int(spec["id"]))
        if found is None:
            return None
        path = pass_file(found)
        if path is None:
            raise TemporaryEmailError(f"vendor pass {found.id} is not ready")
        return MailAttachment(f"vendor-pass-{found.application_id}.pdf", "application", "pdf",
                              path.read_bytes())


def pass_file(found: VendorPass | None) -> Path | None:
    if found is None or found.status != "ready" or not found.path:
        return None
    path = documents_root() / found.path
    return path if path.is_file() else None
