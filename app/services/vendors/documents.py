"""Vendor documents: checked by content (the receipts' detector), size-capped, stored
outside static/ and handed only to their vendor and to organizers of an event the vendor
applied to."""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.accounts import ORGANIZER_ROLES, Membership, User
from app.models.events import Event
from app.models.vendors import (
    ApplicationStatus,
    BoothApplication,
    VendorDocument,
    VendorProfile,
)
from app.services.orders.errors import ReceiptRejected
from app.services.orders.receipts import TYPES, detect_type, store_upload, stored_upload
from app.services.vendors.errors import DocumentRejected, DocumentTooLarge, VendorError

KINDS = {"licence": "Business licence", "hygiene": "Food-hygiene certificate",
         "insurance": "Insurance", "logo": "Logo", "other": "Other document",
         "answer": "Answer to a question"}
NOT_ACCEPTED = "Documents must be a PDF, a JPEG or a PNG."


def vendor_folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "vendors"


def check_document(data: bytes) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload, decided by its bytes.
    Raises DocumentTooLarge or DocumentRejected (SVG, HTML, anything else)."""
    limit = current_app.config.get("VENDOR_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)
    if len(data) > limit:
        raise DocumentTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB. "
                               "Please upload a smaller PDF or image.", "file")
    if not data:
        raise DocumentRejected("The file is empty.", "file")
    try:
        return TYPES[detect_type(data)]
    except ReceiptRejected as exc:
        raise DocumentRejected(NOT_ACCEPTED, "file") from exc


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", Path(name or "document").stem).strip(" .")
    return f"{(stem or 'document')[:100]}{extension}"


def add_document(profile: VendorProfile, kind: str, filename: str,
                 data: bytes) -> VendorDocument:
    """Store an upload for the profile (flushes). The stored name ends with the detected
    type's extension whatever the vendor called the file."""
    if kind not in KINDS:
        raise VendorError("Choose what kind of document this is.", "kind")
    content_type, extension = check_document(data)
    path = store_upload(data, extension, vendor_folder())
    document = VendorDocument(profile_id=profile.id, kind=kind, path=path, size=len(data),
                              original_name=_safe_name(filename, extension),
                              content_type=content_type)
    db.session.add(document)
    db.session.flush()
    return document


def remove_document(document: VendorDocument) -> None:
    """Delete the document and its file (flushes)."""
    path = stored_upload(vendor_folder(), document.path)
    db.session.delete(document)
    db.session.flush()
    if path is not None:
        path.unlink(missing_ok=True)


def own_document(document_id: int, user: User) -> VendorDocument | None:
    """The document if it belongs to `user`'s profile."""
    return db.session.scalar(select(VendorDocument).join(VendorProfile).where(
        VendorDocument.id == document_id, VendorProfile.user_id == user.id))


def readable_document(document_id: int, user: User) -> VendorDocument | None:
    """The document if `user` may download it: its vendor, a site admin, or an organizer
    of an event the vendor submitted an application to. Anyone else: None (404)."""
    document = db.session.get(VendorDocument, document_id)
    if document is None:
        return None
    if document.profile.user_id == user.id or user.is_site_admin:
        return document
    organizes = db.session.scalar(
        select(BoothApplication.id).join(Event, Event.id == BoothApplication.event_id)
        .join(Membership, Membership.organization_id == Event.organization_id)
        .where(BoothApplication.profile_id == document.profile_id,
               BoothApplication.status != ApplicationStatus.DRAFT,
               Membership.user_id == user.id, Membership.role.in_(ORGANIZER_ROLES))
        .limit(1))
    return document if organizes else None


def document_file(document: VendorDocument) -> Path | None:
    return stored_upload(vendor_folder(), document.path)
