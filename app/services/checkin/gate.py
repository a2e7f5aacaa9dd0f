"""The gate's hot path: a scan from a device, judged and recorded in two statements.

`scan_code` serves every kind of scan; a gate device that asks for JSON and names its
session takes this lean path instead, with the same rules and the same guarantees:

- The signature is checked first, with the organization's public key from a per-process
  cache (keys never change; a cached key that fails to verify is read again, so a stale
  entry can only cost a read, never admit a code).
- One SELECT then reads everything else: the signed-in person (id and session version, as
  the login loader checks them), whether they may scan at the event called `slug` (site
  admin, the organization's scanning roles, or this event's gate staff: checked on every
  scan, never cached), the chosen session, and the ticket's state with its entries so far.
- One `INSERT … ON CONFLICT DO NOTHING` records the scan: the partial unique indexes on
  `checkins` still decide which of two racing gates wins, and a nonce seen before still
  returns the original verdict.

Both are statements of `app.sql_batches`: on PostgreSQL each is one round trip to a plan the
connection keeps, and, the session having no transaction yet, each commits by itself (no
BEGIN or COMMIT of its own): a scan writes one row with one statement, and READ COMMITTED
gives each statement its own snapshot in a transaction anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, and_, bindparam, exists, or_, select, true

from app import sql_batches
from app.extensions import db
from app.models.accounts import Membership, User
from app.models.checkin import CredentialKind, Direction, EventGateAssignment, ScanResult
from app.models.events import Event, EventSession
from app.models.tickets import OrganizationKey, Ticket
from app.models.types import utcnow
from app.services.accounts import parse_login
from app.services.checkin.access import SCANNING_ROLES
from app.services.checkin.scan import (
    ScanInput,
    Verdict,
    _judge,
    _Outcome,
    _record,
    _unknown_detail,
    scan_vendor_pass,
    state_columns,
    with_ticket_details,
)
from app.services.checkin.vendor_passes import looks_like_vendor_pass
from app.services.checkin.verify import Credential, UnreadableCredential, read_form
from app.services.tickets import signing
from app.sql_batches import Statement

KEY_CACHE_SIZE = 1024


class NotSignedIn(Exception):
    """The session names no current login (unknown person or an old session version)."""


class NotAllowed(Exception):
    """No such event, the person may not scan there, or the session is not one of its own."""


@dataclass(frozen=True)
class GateScan:
    """One scan as a gate device sends it. `login` is the signed session's
    `<user id>:<session version>`."""

    login: str
    event_slug: str
    code: str
    nonce: str
    gate: str = ""
    device_id: str = ""
    session_id: int | None = None
    direction: Direction = Direction.IN


@dataclass(frozen=True)
class ScanningAt:
    """The event as a scan needs it (see `app.services.checkin.scan.GateEvent`)."""

    id: int
    organization_id: int
    timezone: str


@dataclass(frozen=True)
class _Key:
    organization_id: int
    public: object  # a loaded Ed25519 public key


_keys: dict[int, _Key] = {}


def scan_at_gate(request: GateScan) -> Verdict:
    """Judge and record one scan (see the module docstring); the caller commits.

    Raises `NotSignedIn` or `NotAllowed` (nothing is recorded then)."""
    user_id, version = _login(request.login)
    at = utcnow()
    try:
        organization_id, credential = _verified(request.code)
    except UnreadableCredential as exc:
        organization_id, credential, reason = None, None, str(exc)
    ticket_id = credential.subject_id if credential else 0
    row = _gate_state(user_id, version, request, ticket_id)
    if row is None or not row.allowed or not row.session_ok:
        raise NotSignedIn() if row is not None and not row.signed_in else NotAllowed()
    event = ScanningAt(row.scanning_event_id, row.organization_id, row.timezone or "UTC")
    scan = ScanInput(event=event, nonce=request.nonce, gate=request.gate,
                     device_id=request.device_id, session_id=request.session_id,
                     direction=request.direction, scanner_user_id=user_id)
    if credential is None and looks_like_vendor_pass(request.code):
        return scan_vendor_pass(request.code, scan)
    if credential is None:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN, _unknown_detail(reason)))
    if organization_id != event.organization_id:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN,
                                          _unknown_detail("another organization")))
    if credential.claims.event_id != event.id:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN, _unknown_detail("another event")))
    if row.id is None:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN, "No such ticket for this event"))
    return _record(scan, at, _judge(row, credential, scan, at))


def _login(login: str) -> tuple[int, int]:
    parsed = parse_login(login)
    if parsed is None:
        raise NotSignedIn()
    return parsed


def _verified(code: str) -> tuple[int, Credential]:
    """(the signing key's organization id, the credential) if a known key signed `code`."""
    claims = read_form(code)
    cached = _keys.get(claims.key_id)
    if cached is not None:
        try:
            return cached.organization_id, _credential(code, cached)
        except UnreadableCredential:
            pass  # a forgery, or a stale entry: the database decides
    key = _read_key(claims.key_id)
    credential = _credential(code, key)
    if len(_keys) >= KEY_CACHE_SIZE:
        _keys.clear()
    _keys[claims.key_id] = key
    return key.organization_id, credential


def _credential(code: str, key: _Key) -> Credential:
    try:
        return Credential(CredentialKind.TICKET, signing.verify_code(code.strip(), key.public))
    except signing.InvalidTicketCode as exc:
        raise UnreadableCredential(str(exc)) from exc


def _read_key(key_id: int) -> _Key:
    row = db.session.execute(select(OrganizationKey.organization_id, OrganizationKey.public_key)
                             .where(OrganizationKey.id == key_id)).one_or_none()
    if row is None:
        raise UnreadableCredential("signed by a key of another organization")
    return _Key(row.organization_id, signing.load_public_key(bytes(row.public_key)))


def _gate_state(user_id: int, version: int, request: GateScan, ticket_id: int):
    """The event called `request.event_slug` with the person's right to scan there, the
    session's fit, and ticket `ticket_id`'s state (`scan.state_columns`): one statement."""
    params = {"user_id": user_id, "version": version, "slug": request.event_slug,
              "ticket_id": ticket_id, "scope": request.session_id or 0}
    if request.session_id is None:
        return sql_batches.run([_GATE_STATE(**params)])[0].one_or_none()
    return sql_batches.run([_GATE_STATE_IN_SESSION(**params, session_id=request.session_id)]
                           )[0].one_or_none()


_GATE_STATE = Statement("gate_state", lambda dialect: _gate_state_query(False))
_GATE_STATE_IN_SESSION = Statement("gate_state_in_session",
                                   lambda dialect: _gate_state_query(True))


def _gate_state_query(names_session: bool):
    """`_gate_state`'s statement, with bound parameters."""
    user_id, version = bindparam("user_id", type_=Integer), bindparam("version", type_=Integer)
    ticket_id, scope = bindparam("ticket_id", type_=Integer), bindparam("scope", type_=Integer)
    person = (User.id == user_id, User.session_version == version)
    member = exists().where(Membership.user_id == user_id,
                            Membership.organization_id == Event.organization_id,
                            Membership.role.in_(SCANNING_ROLES))
    assigned = exists().where(EventGateAssignment.event_id == Event.id,
                              EventGateAssignment.user_id == user_id)
    allowed = and_(exists().where(*person),
                   or_(exists().where(*person, User.is_site_admin), member, assigned))
    session_ok = exists().where(
        EventSession.id == bindparam("session_id", type_=Integer),
        EventSession.event_id == Event.id) if names_session else true()
    query = (select(Event.id.label("scanning_event_id"), Event.organization_id,
                    Event.timezone, exists().where(*person).label("signed_in"),
                    allowed.label("allowed"), session_ok.label("session_ok"),
                    *state_columns(ticket_id, scope))
             .select_from(Event).outerjoin(Ticket, Ticket.id == ticket_id)
             .where(Event.slug == bindparam("slug", type_=String)))
    return with_ticket_details(query)
