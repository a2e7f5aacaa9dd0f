"""The claim statement of a hold: one INSERT … SELECT … ON CONFLICT that does the whole
check-and-write of the common case in a single round trip.

Its SELECT reads the seat facts (on this event's map, with this event's ticket type) and the
cart (its shared expiry, and whether the seats asked for keep it within the limit per order);
ON CONFLICT takes over an expired claim and leaves a live one alone. The statement is built
once per dialect with bound parameters and reused (Core: plain rows, no ORM objects).
On PostgreSQL the same statement also writes the change log of the seats it claimed (a
data-modifying WITH), one round trip less while the event's lock is held.
A seat that comes back missing is explained by the caller, which reads the facts again only
then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, and_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models.seating import Hold, HoldStatus, Seat, SeatChange, TicketType
from app.models.types import UTCDateTime
from app.services.seating.views import HeldSeat

HOLDS = Hold.__table__
SEATS = Seat.__table__
SEAT_CHANGES = SeatChange.__table__
TICKET_TYPES = TicketType.__table__
RETURNED = (HOLDS.c.id, HOLDS.c.seat_id, HOLDS.c.cart_id, HOLDS.c.status, HOLDS.c.expires_at)
COLUMNS = ("event_id", "seat_id", "ticket_type_id", "quantity", "cart_id", "user_id", "status",
           "expires_at", "created_at")
_STATEMENTS: dict[str, object] = {}


def upsert_insert():
    """The dialect's INSERT that supports ON CONFLICT (PostgreSQL and SQLite)."""
    name = db.session.get_bind().dialect.name
    return pg_insert if name == "postgresql" else sqlite_insert


def on_conflict(insert_stmt, now):
    """ON CONFLICT on the seat's claim: an expired claim is taken over, a live one is left."""
    takeover = {name: getattr(insert_stmt.excluded, name) for name in
                ("cart_id", "user_id", "ticket_type_id", "status", "expires_at", "created_at")}
    return insert_stmt.on_conflict_do_update(
        index_elements=[HOLDS.c.event_id, HOLDS.c.seat_id],
        index_where=HOLDS.c.seat_id.is_not(None),
        set_=takeover,
        where=and_(HOLDS.c.expires_at.is_not(None), HOLDS.c.expires_at <= now),
    ).returning(*RETURNED)


def _cart_holds(*conditions):
    h = HOLDS.c
    return (h.event_id == bindparam("event_id"), h.cart_id == bindparam("cart_id"),
            h.expires_at > bindparam("now", type_=UTCDateTime()), *conditions)


def logs_changes() -> bool:
    """True when the claim statement writes the change log itself (PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _with_change_log(claim):
    """The claim, plus an INSERT of its seats into the change log at the lock's version."""
    claimed = claim.cte("claimed")
    log = insert(SEAT_CHANGES).from_select(
        ["event_id", "version", "seat_id", "created_at"],
        select(bindparam("event_id", type_=Integer), bindparam("version", type_=BigInteger),
               claimed.c.seat_id, bindparam("now", type_=UTCDateTime())))
    return select(*claimed.c).add_cte(log.cte("logged"))


def _build():
    h, s, tt = HOLDS.c, SEATS.c, TICKET_TYPES.c
    live = h.status.in_([HoldStatus.HELD, HoldStatus.ORDERED])
    shared = select(func.min(h.expires_at)).where(
        *_cart_holds(h.status == HoldStatus.HELD)).scalar_subquery()
    tickets = select(func.coalesce(func.sum(h.quantity), 0)).where(
        *_cart_holds(live)).scalar_subquery()
    kept = select(func.count()).where(
        *_cart_holds(live, h.seat_id.in_(bindparam("kept_ids", expanding=True)))
    ).scalar_subquery()
    source = (
        select(bindparam("event_id"), s.id, tt.id, 1, bindparam("cart_id"),
               bindparam("user_id", type_=h.user_id.type),
               bindparam("status", type_=h.status.type),
               func.coalesce(shared, bindparam("first_expiry", type_=UTCDateTime())),
               bindparam("now", type_=UTCDateTime()))
        .select_from(SEATS)
        .join(TICKET_TYPES, and_(tt.price_zone_id == s.price_zone_id,
                                 tt.event_id == bindparam("event_id")))
        .where(s.id.in_(bindparam("seat_ids", expanding=True)),
               s.seat_map_id == bindparam("seat_map_id"),
               tickets - kept + bindparam("asked") <= bindparam("limit"))
    )
    claim = on_conflict(upsert_insert()(HOLDS).from_select(COLUMNS, source),
                        bindparam("now", type_=UTCDateTime()))
    return _with_change_log(claim) if logs_changes() else claim


def claim_seats(event_id: int, seat_map_id: int, version: int, ids: list[int], cart_id: str,
                user_id: int | None, limit: int, first_expiry: datetime,
                now: datetime) -> list[HeldSeat]:
    """Claim every seat of `ids` that is on the map and on sale, if the cart stays within
    `limit` tickets; new claims share the cart's expiry (or `first_expiry` for its first).
    Where `logs_changes()`, the claimed seats are logged as changed at `version`."""
    dialect = db.session.get_bind().dialect.name
    stmt = _STATEMENTS.get(dialect)
    if stmt is None:
        stmt = _STATEMENTS[dialect] = _build()
    rows = db.session.execute(stmt, {
        "event_id": event_id, "cart_id": cart_id, "user_id": user_id, "now": now,
        "status": HoldStatus.HELD, "first_expiry": first_expiry, "seat_ids": ids,
        "kept_ids": ids, "seat_map_id": seat_map_id, "asked": len(ids), "limit": limit,
        "version": version})
    return [HeldSeat(*row) for row in rows]
