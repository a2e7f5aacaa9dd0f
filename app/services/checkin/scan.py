"""Scanning at the gate: a verdict for a code, recorded as a `CheckIn` whatever it is.

Order of checks: the signature (organization's public key), then the ticket as it is now
(not revoked, current revision and secret, order paid), then the code's time window and the
session's grants, then the entries so far. The VALID row itself is written with
`INSERT ... ON CONFLICT DO NOTHING`: the partial unique indexes on `checkins` decide which of
two racing gates wins, and the loser answers ALREADY IN. The same statement makes uploads
idempotent: a nonce seen before inserts nothing and the original verdict is returned.

Every function here only flushes; the caller commits.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, select

from app import sql_batches
from app.extensions import db
from app.models.checkin import (
    CheckIn,
    CheckinSettings,
    CredentialKind,
    Direction,
    ScanResult,
    TicketTypeSession,
)
from app.models.events import Event
from app.models.orders import Order, OrderStatus
from app.models.seating import Seat, TicketType
from app.models.tickets import OrganizationKey, Ticket, TicketStatus
from app.models.types import utcnow
from app.services.checkin.vendor_passes import (
    judge_vendor_pass,
    looks_like_vendor_pass,
    vendor_named,
)
from app.services.checkin.verify import (
    Credential,
    UnreadableCredential,
    read_form,
    verify_signature,
)
from app.sql_batches import statement
from app.upserts import insert_for

LABELS = {
    ScanResult.VALID: "VALID", ScanResult.ALREADY_IN: "ALREADY IN",
    ScanResult.WRONG_DAY: "WRONG DAY", ScanResult.REVOKED: "REVOKED",
    ScanResult.NOT_PAID: "NOT PAID", ScanResult.UNKNOWN: "UNKNOWN",
    ScanResult.EXIT: "EXIT", ScanResult.NOT_INSIDE: "NOT INSIDE",
}


class GateEvent(Protocol):
    """What a scan needs of its event (an `Event`, or the gate's lean row)."""

    id: int
    organization_id: int
    timezone: str


@dataclass(frozen=True)
class ScanInput:
    """Where, when and by whom a scan was made; `offline_result` marks an offline upload."""

    event: Event | GateEvent
    nonce: str
    gate: str = ""
    device_id: str = ""
    session_id: int | None = None
    direction: Direction = Direction.IN
    scanner_user_id: int | None = None
    scanned_at: datetime | None = None
    offline_result: str | None = None
    manual_reason: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What the gate shows."""

    result: ScanResult
    detail: str = ""
    holder_name: str = ""
    ticket_type: str = ""
    seat: str = ""
    checkin_id: int | None = None
    conflict: bool = False
    replayed: bool = False
    kind: CredentialKind = CredentialKind.TICKET

    @property
    def label(self) -> str:
        return LABELS[self.result]

    @property
    def place(self) -> str:
        """Where the holder belongs, as the gate shows it: "Seat B-12", or a vendor's booth
        ("Booth A2", which names itself)."""
        if not self.seat:
            return ""
        return self.seat if self.kind == CredentialKind.VENDOR else f"Seat {self.seat}"

    @property
    def admits(self) -> bool:
        return self.result in (ScanResult.VALID, ScanResult.EXIT)

    def as_dict(self) -> dict:
        return {"result": self.result.value, "label": self.label, "detail": self.detail,
                "holder_name": self.holder_name, "ticket_type": self.ticket_type,
                "seat": self.seat, "place": self.place, "checkin_id": self.checkin_id,
                "conflict": self.conflict, "replayed": self.replayed}


@dataclass(frozen=True)
class _Outcome:
    result: ScanResult
    detail: str = ""
    ticket_id: int | None = None
    entry_number: int = 1
    holder_name: str = ""
    ticket_type: str = ""
    seat: str = ""
    kind: CredentialKind = CredentialKind.TICKET


def scan_code(code: str, scan: ScanInput) -> Verdict:
    """Judge and record one scanned `code` (see the module docstring).

    The organization's public key and the ticket's state come in one query; nothing of the
    ticket is used unless the signature verified with that key.
    """
    at = scan.scanned_at or utcnow()
    if looks_like_vendor_pass(code):
        return scan_vendor_pass(code, scan)
    try:
        claims = read_form(code)
        state = _ticket_state(claims.ticket_id, scan, key_id=claims.key_id)
        credential = verify_signature(code, state.public_key if state else None,
                                      scan.event.id)
    except UnreadableCredential as exc:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN, _unknown_detail(str(exc))))
    if state.id is None:
        return _record(scan, at, _Outcome(ScanResult.UNKNOWN, "No such ticket for this event"))
    return _record(scan, at, _judge(state, credential, scan, at))


def scan_vendor_pass(code: str, scan: ScanInput) -> Verdict:
    """Judge and record a vendor pass (see `vendor_passes`); the caller commits."""
    at = scan.scanned_at or utcnow()
    verdict = judge_vendor_pass(code, scan.event.id, scan.event.organization_id, at)
    return _record(scan, at, _Outcome(**verdict))


def check_in_ticket(ticket_id: int, scan: ScanInput) -> Verdict:
    """Manual check-in (found by search): the same rules, without a code to verify."""
    at = scan.scanned_at or utcnow()
    return _record(scan, at, _decide(ticket_id, scan, at))


def _unknown_detail(reason: str) -> str:
    if "another event" in reason:
        return "A ticket for another event"
    if "another organization" in reason:
        return "Not one of this organizer's tickets"
    return "Not a valid ticket code"


def _ticket_state(ticket_id: int, scan: ScanInput, key_id: int | None = None):
    """The ticket, its order's status, type, seat, session grants, re-entry and entries so
    far in this session: one query. With `key_id`, rooted at that key of the event's
    organization (no row: not its key; a row without ticket id: no such ticket)."""
    columns = state_columns(ticket_id, scan.session_id or 0)
    if key_id is None:
        query = select(*columns).select_from(Ticket).where(Ticket.id == ticket_id)
    else:
        query = (select(OrganizationKey.public_key, *columns).select_from(OrganizationKey)
                 .outerjoin(Ticket, Ticket.id == ticket_id)
                 .where(OrganizationKey.id == key_id,
                        OrganizationKey.organization_id == scan.event.organization_id))
    return db.session.execute(with_ticket_details(query)).one_or_none()


def state_columns(ticket_id: int, scope: int) -> list:
    """What a verdict needs of ticket `ticket_id` in session `scope` (a query selecting them
    joins `Ticket` and goes through `with_ticket_details`)."""
    grants = TicketTypeSession
    restricted = exists().where(grants.ticket_type_id == Ticket.ticket_type_id)
    granted = exists().where(grants.ticket_type_id == Ticket.ticket_type_id,
                             grants.session_id == scope)
    reentry = (select(CheckinSettings.allow_reentry)
               .where(CheckinSettings.event_id == Ticket.event_id).scalar_subquery())
    return [Ticket.id, Ticket.event_id, Ticket.status, Ticket.revision, Ticket.secret,
            Ticket.holder_name, Order.status.label("order_status"),
            TicketType.name.label("type_name"), Seat.label.label("seat_label"),
            restricted.label("restricted"), granted.label("granted"),
            reentry.label("allow_reentry"), *_entry_columns(ticket_id, scope)]


def with_ticket_details(query):
    """`query` (selecting `state_columns`) joined to the ticket's order, type and seat."""
    return (query.outerjoin(Order, Order.id == Ticket.order_id)
            .outerjoin(TicketType, TicketType.id == Ticket.ticket_type_id)
            .outerjoin(Seat, Seat.id == Ticket.seat_id))


def _entry_columns(ticket_id: int, scope: int) -> list:
    """The last entry number and the last exited entry number of a ticket in a session, and
    the gate and time of that last entry (for "ALREADY IN at 19:04 by Gate 2")."""
    mine = (CheckIn.ticket_id == ticket_id, CheckIn.session_scope == scope)

    def last(result: ScanResult):
        return (select(func.coalesce(func.max(CheckIn.entry_number), 0))
                .where(*mine, CheckIn.result == result).scalar_subquery())

    def of_last_entry(column):
        return (select(column).where(*mine, CheckIn.result == ScanResult.VALID)
                .order_by(CheckIn.entry_number.desc()).limit(1).scalar_subquery())
    return [last(ScanResult.VALID).label("last_entry"), last(ScanResult.EXIT).label("last_exit"),
            of_last_entry(CheckIn.gate).label("last_gate"),
            of_last_entry(CheckIn.scanned_at).label("last_at")]


def _refusal(state, credential: Credential | None, scan: ScanInput,
             at: datetime) -> tuple[ScanResult, str] | None:
    """Why this ticket may not pass at all (None: it may, subject to earlier entries)."""
    if state is None or state.event_id != scan.event.id:
        return ScanResult.UNKNOWN, "No such ticket for this event"
    if state.status != TicketStatus.VALID:
        return ScanResult.REVOKED, "This ticket was cancelled"
    if credential is not None:
        claims = credential.claims
        same_secret = hmac.compare_digest(claims.secret.hex(), state.secret)
        if claims.revision != state.revision or not same_secret:
            return ScanResult.REVOKED, "An old code of a reissued (transferred) ticket"
        if not claims.is_valid_at(at):
            return ScanResult.WRONG_DAY, "This code is not valid at this time"
    if state.order_status != OrderStatus.PAID:
        return ScanResult.NOT_PAID, "The order is not paid"
    if scan.session_id and state.restricted and not state.granted:
        return ScanResult.WRONG_DAY, "Not valid for this session"
    return None


def _decide(ticket_id: int, scan: ScanInput, at: datetime) -> _Outcome:
    state = _ticket_state(ticket_id, scan)
    if state is None:
        return _Outcome(ScanResult.UNKNOWN, "No such ticket for this event")
    return _judge(state, None, scan, at)


def _judge(state, credential: Credential | None, scan: ScanInput, at: datetime) -> _Outcome:
    refusal = _refusal(state, credential, scan, at)
    if state.event_id != scan.event.id:
        return _Outcome(*refusal)  # nothing about another event's ticket
    known = {"ticket_id": state.id, "holder_name": state.holder_name,
             "ticket_type": state.type_name, "seat": state.seat_label or ""}
    if refusal is not None:
        return _Outcome(*refusal, **known)
    result, detail, number = _entry_rules(
        state.id, scan, bool(state.allow_reentry),
        (state.last_entry, state.last_exit, state.last_gate, state.last_at))
    return _Outcome(result, detail, entry_number=number, **known)


def _entry_counts(ticket_id: int, scope: int) -> tuple:
    return tuple(db.session.execute(select(*_entry_columns(ticket_id, scope))).one())


def _entry_rules(ticket_id: int, scan: ScanInput, reentry: bool,
                 counts: tuple | None = None) -> tuple[ScanResult, str, int]:
    """(result, detail, entry number) from the ticket's last entry and exit numbers (and the
    last entry's gate and time)."""
    number, exited, gate, entered_at = counts or _entry_counts(ticket_id, scan.session_id or 0)
    inside = number > 0 and exited != number
    if scan.direction == Direction.OUT:
        if not reentry:
            return ScanResult.NOT_INSIDE, "Exit scans are off: no re-entry at this event", 0
        if not inside:
            return ScanResult.NOT_INSIDE, "Not checked in: nothing to exit", 0
        return ScanResult.EXIT, "Left; may come back in", number
    if number > 0 and (inside or not reentry):
        return ScanResult.ALREADY_IN, _already_in(scan, gate, entered_at), number
    return ScanResult.VALID, "", number + 1


def _already_in(scan: ScanInput, gate: str | None, entered_at: datetime | None) -> str:
    """"at 19:04 by Gate 2": when and where the last entry was let in."""
    if entered_at is None:
        return ""
    zone = ZoneInfo(scan.event.timezone or "UTC")
    when = entered_at.astimezone(zone).strftime("%H:%M")
    return f"at {when}" + (f" by {gate}" if gate else "")


@statement("checkin_insert")
def _checkin_insert(dialect: str):
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` into checkins, every column bound."""
    table = CheckIn.__table__
    values = {c.name: bindparam(c.name, type_=c.type) for c in table.c if c.name != "id"}
    return insert_for(dialect)(table).values(values).on_conflict_do_nothing().returning(table.c.id)


def _insert(values: dict) -> int | None:
    """Insert a check-in unless a unique index refuses it; its id, or None."""
    row = sql_batches.run([_checkin_insert(**values)])[0].one_or_none()
    return row.id if row else None


def _record(scan: ScanInput, at: datetime, outcome: _Outcome) -> Verdict:
    """Write the scan; on a lost race write ALREADY IN; on a seen nonce, the original."""
    checkin_id = _insert(_row(scan, at, outcome))
    if checkin_id is None:
        original = _by_nonce(scan.nonce)
        if original is not None:
            return replace(verdict_of(original), replayed=True)
        # Another gate's entry (or exit) won between our read and our write: judge again,
        # as if re-entry were off for an entry (they are in) and on for an exit (they left).
        result, detail, number = _entry_rules(outcome.ticket_id, scan,
                                              reentry=scan.direction == Direction.OUT)
        outcome = replace(outcome, result=result, detail=detail, entry_number=number)
        checkin_id = _insert(_row(scan, at, outcome))
    return Verdict(outcome.result, outcome.detail, outcome.holder_name, outcome.ticket_type,
                   outcome.seat, checkin_id, conflict=_conflict(scan, outcome) is not None,
                   kind=outcome.kind)


def _conflict(scan: ScanInput, outcome: _Outcome) -> str | None:
    """An offline device let someone in whom the server refuses: the organizer must know."""
    if scan.offline_result != ScanResult.VALID or outcome.result == ScanResult.VALID:
        return None
    return f"Let in offline, but {LABELS[outcome.result]} {outcome.detail}".strip()[:200]


def _row(scan: ScanInput, at: datetime, outcome: _Outcome) -> dict:
    return {
        "nonce": scan.nonce, "event_id": scan.event.id, "session_id": scan.session_id,
        "session_scope": scan.session_id or 0, "credential_kind": outcome.kind,
        "ticket_id": outcome.ticket_id, "direction": scan.direction,
        "entry_number": outcome.entry_number, "result": outcome.result,
        "detail": outcome.detail[:200], "gate": scan.gate[:60],
        "device_id": scan.device_id[:64], "scanner_user_id": scan.scanner_user_id,
        "scanned_at": at, "recorded_at": utcnow(),
        "offline": scan.offline_result is not None, "offline_result": scan.offline_result,
        "conflict": _conflict(scan, outcome) is not None,
        "conflict_reason": _conflict(scan, outcome), "manual_reason": scan.manual_reason,
        **_vendor_columns(outcome),
    }


def _vendor_columns(outcome: _Outcome) -> dict:
    """A vendor pass's business and booth, kept on the row (a ticket's are on the ticket)."""
    vendor = outcome.kind == CredentialKind.VENDOR
    return {"vendor_name": outcome.holder_name[:200] if vendor else "",
            "vendor_booth": outcome.seat[:60] if vendor else ""}


def _by_nonce(nonce: str) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.nonce == nonce))


def verdict_of(checkin: CheckIn) -> Verdict:
    """The verdict a recorded check-in gave (for replays and the plain-form result page)."""
    if checkin.credential_kind == CredentialKind.VENDOR:
        return Verdict(checkin.result, checkin.detail, checkin_id=checkin.id,
                       conflict=checkin.conflict, kind=CredentialKind.VENDOR,
                       **vendor_named(checkin.vendor_name, checkin.vendor_booth))
    ticket = checkin.ticket
    return Verdict(
        checkin.result, checkin.detail, ticket.holder_name if ticket else "",
        ticket.ticket_type.name if ticket else "",
        ticket.seat.label if ticket and ticket.seat else "", checkin.id, checkin.conflict,
        kind=checkin.credential_kind)
