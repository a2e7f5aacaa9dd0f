"""What a gate device keeps for working offline, and the upload of its offline scans.

The offline kit holds the organization's public keys, the revocation list (ticket ids and
current revisions: no personal data), an encrypted roster, and the event's vendors: each
assigned application's booth and business name (a trader's public name, as on the floor
plan), and the applications whose passes no longer admit. Each roster record (holder
name, ticket type, seat) is sealed with AES-256-GCM under a key derived by HKDF-SHA256 from
that ticket's own secret, which only its QR code carries (`signing`: bytes 21–36 of the
payload). The record is filed under an index derived from the same secret, so the roster
reveals neither names nor which ticket id a record belongs to; a lost phone leaks nothing
that the QR codes themselves do not already give. `scanner.js` derives the same 48 bytes
with WebCrypto: the first 16 are the index, the last 32 the AES key.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import or_, select

from app.extensions import db
from app.models.checkin import CheckIn, CheckinSettings, Direction, ScanResult
from app.models.events import Event
from app.models.orders import Order, OrderStatus
from app.models.seating import Seat, TicketType
from app.models.tickets import Ticket, TicketStatus
from app.models.types import utcnow
from app.models.vendors import ApplicationStatus, Booth, BoothApplication, VendorProfile
from app.services.checkin.scan import ScanInput, scan_code
from app.services.errors import DomainError
from app.services.tickets import keys

ROSTER_SALT = b"marquee/gate-roster/v1"
MAX_UPLOAD = 500
_NONCE = 12


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def roster_material(secret: bytes, event_id: int) -> tuple[str, bytes]:
    """(index, AES key) of the roster record of the ticket whose secret is `secret`."""
    derived = HKDF(algorithm=hashes.SHA256(), length=48, salt=ROSTER_SALT,
                   info=f"event:{event_id}".encode()).derive(secret)
    return derived[:16].hex(), derived[16:]


def seal_record(secret: bytes, event_id: int, record: dict) -> tuple[str, str]:
    """(index, sealed record): nonce + AES-GCM ciphertext, base64url; the index is the AAD."""
    index, key = roster_material(secret, event_id)
    nonce = os.urandom(_NONCE)
    plain = json.dumps(record, separators=(",", ":")).encode()
    return index, _b64(nonce + AESGCM(key).encrypt(nonce, plain, index.encode()))


def open_record(secret: bytes, event_id: int, sealed: str) -> dict:
    """The record sealed by `seal_record` (raises `InvalidTag` for any other secret)."""
    index, key = roster_material(secret, event_id)
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    return json.loads(AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], index.encode()))


def _roster(event_id: int) -> dict[str, str]:
    rows = db.session.execute(
        select(Ticket.id, Ticket.secret, Ticket.revision, Ticket.holder_name,
               TicketType.name, Seat.label)
        .join(Order, Order.id == Ticket.order_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .outerjoin(Seat, Seat.id == Ticket.seat_id)
        .where(Ticket.event_id == event_id, Ticket.status == TicketStatus.VALID,
               Order.status == OrderStatus.PAID))
    return dict(seal_record(bytes.fromhex(secret), event_id,
                            {"t": ticket_id, "r": revision, "n": name, "y": type_name,
                             "s": seat or ""})
                for ticket_id, secret, revision, name, type_name, seat in rows)


def _revocations(event_id: int) -> tuple[list[int], dict[str, int]]:
    """Ticket ids that must not pass, and current revisions of reissued tickets."""
    rows = db.session.execute(
        select(Ticket.id, Ticket.revision, Ticket.status, Order.status)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.event_id == event_id, or_(Ticket.status != TicketStatus.VALID,
                                                Order.status != OrderStatus.PAID,
                                                Ticket.revision > 1)))
    rows = rows.all()
    revoked = [tid for tid, _, status, paid in rows
               if status != TicketStatus.VALID or paid != OrderStatus.PAID]
    revisions = {str(tid): revision for tid, revision, _, _ in rows if revision > 1}
    return revoked, revisions


def _inside(event_id: int, session_id: int | None) -> list[str]:
    """Roster indexes of tickets already in this session (without re-entry)."""
    rows = db.session.execute(
        select(Ticket.secret).join(CheckIn, CheckIn.ticket_id == Ticket.id)
        .where(CheckIn.event_id == event_id, CheckIn.session_scope == (session_id or 0),
               CheckIn.result == ScanResult.VALID, CheckIn.direction == Direction.IN))
    return sorted({roster_material(bytes.fromhex(secret), event_id)[0] for (secret,) in rows})


def _vendors(event_id: int) -> tuple[dict[str, dict], list[int]]:
    """({application id: booth id "b", booth label "l", business name "n"} of the assigned
    applications, the ids of the others): a vendor pass admits only while its application
    is assigned to the booth it names (`app.services.checkin.vendor_passes`)."""
    rows = db.session.execute(
        select(BoothApplication.id, BoothApplication.status, BoothApplication.booth_id,
               Booth.label, VendorProfile.business_name)
        .join(VendorProfile, VendorProfile.id == BoothApplication.profile_id)
        .outerjoin(Booth, Booth.id == BoothApplication.booth_id)
        .where(BoothApplication.event_id == event_id))
    assigned, others = {}, []
    for application_id, status, booth_id, label, name in rows:
        if status == ApplicationStatus.ASSIGNED and booth_id is not None:
            assigned[str(application_id)] = {"b": booth_id, "l": label, "n": name}
        else:
            others.append(application_id)
    return assigned, sorted(others)


def offline_kit(event: Event, session_id: int | None) -> dict:
    """Everything a gate device caches to judge codes of `event` without the network."""
    revoked, revisions = _revocations(event.id)
    reentry = db.session.get(CheckinSettings, event.id)
    allow_reentry = bool(reentry and reentry.allow_reentry)
    vendors, vendors_revoked = _vendors(event.id)
    return {
        "event_id": event.id, "session_id": session_id,
        "generated_at": utcnow().isoformat(), "allow_reentry": allow_reentry,
        "keys": {str(kid): _b64(raw) for kid, raw in
                 keys.public_keys(event.organization_id).items()},
        "revoked": revoked, "revisions": revisions,
        "inside": [] if allow_reentry else _inside(event.id, session_id),
        "roster": _roster(event.id), "salt": ROSTER_SALT.decode(),
        "vendors": vendors, "vendors_revoked": vendors_revoked,
    }


def _scan_time(value) -> datetime:
    """A device's scan time (ISO 8601 or epoch milliseconds), never in the future."""
    now = utcnow()
    try:
        if isinstance(value, int | float):
            when = datetime.fromtimestamp(value / 1000, UTC)
        else:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(when, now) if when > now - timedelta(days=7) else now


def upload_offline_scans(event: Event, scans: list, session_ids: set[int],
                         user_id: int | None) -> list[dict]:
    """Record scans made offline (idempotent by nonce); each one's server verdict.

    A scan the device let in that the server refuses (already in elsewhere, revoked since)
    is recorded with its conflict flag set, for the organizer's screen.
    """
    if not isinstance(scans, list) or len(scans) > MAX_UPLOAD:
        raise DomainError(f"Upload a list of at most {MAX_UPLOAD} scans.")
    answers = []
    for item in scans:
        if not isinstance(item, dict) or not str(item.get("nonce") or "").strip():
            raise DomainError("Every scan needs its nonce.")
        session_id = item.get("session_id") if item.get("session_id") in session_ids else None
        scan = ScanInput(
            event=event, nonce=str(item["nonce"])[:64], gate=str(item.get("gate") or ""),
            device_id=str(item.get("device_id") or ""), session_id=session_id,
            direction=Direction.OUT if item.get("direction") == "out" else Direction.IN,
            scanner_user_id=user_id, scanned_at=_scan_time(item.get("scanned_at")),
            offline_result=str(item.get("offline_result") or "unknown")[:20])
        verdict = scan_code(str(item.get("code") or ""), scan)
        answers.append({"nonce": scan.nonce, **verdict.as_dict()})
    return answers
