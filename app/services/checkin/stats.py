"""Check-in figures for the gate and the organizer: counts, recent scans, conflicts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.models.checkin import CheckIn, CredentialKind, ScanResult
from app.models.events import Event, EventSession
from app.models.orders import Order, OrderStatus
from app.models.tickets import Ticket, TicketStatus


@dataclass(frozen=True)
class GateCount:
    """One session and gate: tickets' entries and exits (a ticket holder is counted once
    inside), vendor passes admitted (vendors come and go: every scan admits, so these are
    scans, not people), and refusals of either."""

    session: str
    gate: str
    entered: int
    exited: int
    refused: int
    vendor_scans: int = 0


@dataclass(frozen=True)
class GateCounts:
    """The counts of every session and gate (iterate over it), with the event's totals."""

    gates: tuple[GateCount, ...]

    def __iter__(self):
        return iter(self.gates)

    def __len__(self) -> int:
        return len(self.gates)

    @property
    def inside(self) -> int:
        """Ticket holders inside now: entries less exits."""
        return sum(c.entered for c in self.gates) - sum(c.exited for c in self.gates)

    @property
    def vendor_scans(self) -> int:
        return sum(c.vendor_scans for c in self.gates)


def checkin_version(event_id: int) -> int:
    """The newest check-in's id: a poll with this version has seen everything (one query)."""
    return db.session.scalar(
        select(func.max(CheckIn.id)).where(CheckIn.event_id == event_id)) or 0


def gate_counts(event: Event) -> GateCounts:
    """Entries, exits, refusals and vendor passes admitted, per session and gate."""
    ticket = CheckIn.credential_kind == CredentialKind.TICKET

    def count(*conditions):
        return func.sum(case((and_(*conditions), 1), else_=0))

    rows = db.session.execute(
        select(EventSession.name, CheckIn.gate,
               count(ticket, CheckIn.result == ScanResult.VALID),
               count(ticket, CheckIn.result == ScanResult.EXIT),
               count(CheckIn.result.not_in([ScanResult.VALID, ScanResult.EXIT])),
               count(CheckIn.credential_kind == CredentialKind.VENDOR,
                     CheckIn.result == ScanResult.VALID))
        .outerjoin(EventSession, EventSession.id == CheckIn.session_id)
        .where(CheckIn.event_id == event.id)
        .group_by(EventSession.name, CheckIn.gate).order_by(EventSession.name, CheckIn.gate))
    return GateCounts(tuple(
        GateCount(session or "Whole event", gate or "(no gate name)", int(a), int(b), int(c),
                  int(d)) for session, gate, a, b, c, d in rows))


def tickets_sold(event_id: int) -> int:
    """Valid tickets of paid orders: how many people may come."""
    return db.session.scalar(
        select(func.count(Ticket.id)).join(Order, Order.id == Ticket.order_id)
        .where(Ticket.event_id == event_id, Ticket.status == TicketStatus.VALID,
               Order.status == OrderStatus.PAID)) or 0


def recent_scans(event_id: int, limit: int = 25) -> list[CheckIn]:
    """The latest scans, newest first."""
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.event_id == event_id)
        .order_by(CheckIn.id.desc()).limit(limit)))


def conflicts(event_id: int) -> list[CheckIn]:
    """Offline scans that let someone in whom the server refused."""
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.event_id == event_id, CheckIn.conflict.is_(True))
        .order_by(CheckIn.id.desc())))
