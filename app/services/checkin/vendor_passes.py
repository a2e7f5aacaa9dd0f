"""Vendor passes at the gate: their own verdict, recorded like every scan.

A vendor pass is signed in its own context (see `app.services.vendors.passes`), so it is
recognised by its form and never mistaken for a ticket. Vendors come and go during load-in
and trading, so a valid pass admits on every scan (no ALREADY IN); it stops admitting when
the application is no longer assigned, when a newer pass replaced it (another booth), or
outside its validity window.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from app.extensions import db
from app.models.checkin import CredentialKind, ScanResult
from app.models.vendors import ApplicationStatus, BoothApplication
from app.services.tickets.credentials import SIGNATURE_BYTES
from app.services.vendors.passes import KIND, InvalidVendorCode, verify_vendor_code

CREDENTIAL_LABEL = "Vendor pass"


def looks_like_vendor_pass(code: str) -> bool:
    """True when `code` has the form of a vendor pass (its signature is checked later)."""
    code = (code or "").strip()
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (binascii.Error, ValueError):
        return False
    return len(raw) == KIND.layout.size + SIGNATURE_BYTES and raw[0] == KIND.version


def judge_vendor_pass(code: str, event_id: int, organization_id: int,
                      at: datetime) -> dict:
    """The verdict for a vendor pass at this event: result, detail, holder, type and booth."""
    try:
        claims = verify_vendor_code(code, organization_id)
    except InvalidVendorCode as exc:
        return _verdict(ScanResult.UNKNOWN, f"Not a valid vendor pass: {exc}")
    if claims.event_id != event_id:
        return _verdict(ScanResult.UNKNOWN, "A vendor pass for another event")
    application = db.session.get(BoothApplication, claims.application_id)
    if application is None or application.event_id != event_id:
        return _verdict(ScanResult.UNKNOWN, "No such vendor application for this event")
    holder = application.profile.business_name
    booth = f"Booth {application.booth.label}" if application.booth else ""
    if application.status != ApplicationStatus.ASSIGNED:
        return _verdict(ScanResult.REVOKED, f"Application is {application.status.value}",
                        holder, booth)
    if application.booth_id != claims.booth_id:
        return _verdict(ScanResult.REVOKED, "Replaced by a newer pass (booth changed)",
                        holder, booth)
    if not claims.valid_from <= at <= claims.valid_until:
        return _verdict(ScanResult.WRONG_DAY, "Outside the pass's days", holder, booth)
    return _verdict(ScanResult.VALID, "Vendor: load-in and trading", holder, booth)


def vendor_named(holder: str = "", booth: str = "") -> dict:
    """How a verdict names a vendor: the business, "Vendor pass" (when the pass named one)
    and the booth; also for a verdict read back from its check-in."""
    return {"holder_name": holder, "ticket_type": CREDENTIAL_LABEL if holder else "",
            "seat": booth}


def _verdict(result: ScanResult, detail: str, holder: str = "", booth: str = "") -> dict:
    return {"kind": CredentialKind.VENDOR, "result": result, "detail": detail,
            **vendor_named(holder, booth)}
