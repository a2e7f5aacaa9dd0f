"""The claim statement of a hold: one INSERT … SELECT … ON CONFLICT that does the whole
check-and-write of the common case, and the change log of what it claimed.

The claim's SELECT reads the seat facts (on this event's map, with this event's ticket type)
and the cart (its shared expiry, and whether the seats asked for keep it within the limit per
order); ON CONFLICT takes over an expired claim and leaves a live one alone. Both are
statements of `app.sql_batches` (prepared once, sent in one message with the rest of a
hold). A seat that comes back missing is explained by the caller, which reads the seats'
states only then.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    true,
)

from app.models.events import Event, EventStatus
from app.models.seating import EventSeating, Hold, HoldStatus, Seat, SeatChange, TicketType
from app.models.types import UTCDateTime
from app.sql_batches import among, statement
from app.upserts import insert_for

HOLDS = Hold.__table__
SEATS = Seat.__table__
SEAT_CHANGES = SeatChange.__table__
TICKET_TYPES = TicketType.__table__
EVENTS = Event.__table__
SEATING = EventSeating.__table__
RETURNED = (HOLDS.c.id, HOLDS.c.seat_id, HOLDS.c.cart_id, HOLDS.c.status, HOLDS.c.expires_at)
CART_LOCKS = 7301  # the advisory lock namespace of carts (the first of the two keys)
COLUMNS = ("event_id", "seat_id", "ticket_type_id", "quantity", "cart_id", "user_id", "status",
           "expires_at", "created_at")


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


def _seats_asked(dialect: str):
    """(FROM, WHERE) for the seats of the list parameter `seat_ids`. On PostgreSQL the list
    drives the join (`unnest`, then the seats' primary key), so that a prepared statement's
    generic plan never scans a map's seats by zone, whatever the statistics say."""
    if dialect != "postgresql":
        return SEATS, SEATS.c.id.in_(bindparam("seat_ids", expanding=True))
    asked = func.unnest(bindparam("seat_ids", type_=ARRAY(Integer))).table_valued(
        "id").render_derived(name="asked")
    return asked.join(SEATS, SEATS.c.id == asked.c.id), true()


@statement("cart_lock")
def CART_LOCK(dialect: str):
    """Queue this cart's holds one behind the other (a double click): PostgreSQL's
    transaction-scoped advisory lock on the cart; SQLite serializes its writers anyway."""
    cart = bindparam("cart_id", type_=String)
    if dialect != "postgresql":
        return select(cart)
    return select(func.pg_advisory_xact_lock(CART_LOCKS, func.hashtext(cart)))


@statement("seat_claim")
def SEAT_CLAIM(dialect: str):
    """Claim every seat of `seat_ids` that is on the map and on sale, if the cart stays
    within `limit` tickets; new claims share the cart's expiry (or `first_expiry` for its
    first). Answers the claims made, as `RETURNED`.

    The event's facts the caller decided on (its slug, status, organization, seat map,
    hold time and limit: what the caller may know from an earlier click, see
    `holds._hold`) are checked against the rows: when any of them changed, or the event is
    cancelled, nothing is claimed."""
    h, s, tt = HOLDS.c, SEATS.c, TICKET_TYPES.c
    live = h.status.in_([HoldStatus.HELD, HoldStatus.ORDERED])
    shared = select(func.min(h.expires_at)).where(
        *_cart_holds(h.status == HoldStatus.HELD)).scalar_subquery()
    # The tickets the cart holds besides the seats asked for (a seat it already holds is
    # asked for again, not added): one pass over the cart's holds, found by the cart's index.
    others = select(func.coalesce(func.sum(
        case((among(h.seat_id, "seat_ids", dialect), 0), else_=h.quantity)), 0)).where(
        *_cart_holds(live)).scalar_subquery()
    seats, asked = _seats_asked(dialect)
    source = (
        select(bindparam("event_id", type_=Integer), s.id, tt.id, 1,
               bindparam("cart_id", type_=String), bindparam("user_id", type_=Integer),
               bindparam("status", type_=h.status.type),
               func.coalesce(shared, bindparam("first_expiry", type_=UTCDateTime())),
               bindparam("now", type_=UTCDateTime()))
        .select_from(seats)
        .join(TICKET_TYPES, and_(tt.price_zone_id == s.price_zone_id,
                                 tt.event_id == bindparam("event_id")))
        .where(asked, s.seat_map_id == bindparam("seat_map_id", type_=Integer),
               others + bindparam("asked", type_=Integer) <= bindparam("limit", type_=Integer),
               _facts_hold())
        .order_by(s.id)  # every claim takes seats in one order: racing claims never deadlock
    )
    insert_stmt = insert_for(dialect)(HOLDS)
    return on_conflict(insert_stmt.from_select(COLUMNS, source),
                       bindparam("now", type_=UTCDateTime()))


def _facts_hold():
    """The event and its seating settings are still as the caller read them."""
    e, es = EVENTS.c, SEATING.c
    event_id = bindparam("event_id", type_=Integer)
    return exists().select_from(EVENTS.join(SEATING, es.event_id == e.id)).where(
        e.id == event_id, e.slug == bindparam("slug", type_=String),
        e.status == bindparam("event_status", type_=e.status.type),
        e.status != EventStatus.CANCELLED,
        e.organization_id == bindparam("organization_id", type_=Integer),
        es.seat_map_id == bindparam("seat_map_id", type_=Integer),
        es.hold_minutes == bindparam("hold_minutes", type_=Integer),
        es.max_seats_per_order == bindparam("limit", type_=Integer))


@statement("seat_change_log")
def SEAT_CHANGE_LOG(dialect: str):
    """Log as changed, at the version this transaction took (`live.SEAT_LOCK` ran before),
    the seats the cart claimed at `now` (the claim writes `created_at = now` on the claims it
    makes, and on no other). The claims are found by the cart's index, whatever the
    statistics of a new event's claims: nothing here may let the (event, seat) index serve,
    as a plan made on it while the event had few claims reads all of them later (hence
    "seat or 0", which the planner cannot read as "a seat")."""
    h = HOLDS.c
    version = select(SEATING.c.version).where(SEATING.c.event_id == h.event_id)
    return insert(SEAT_CHANGES).from_select(
        ["event_id", "version", "seat_id", "created_at"],
        select(h.event_id, version.scalar_subquery(), h.seat_id, h.created_at)
        .where(h.event_id == bindparam("event_id", type_=Integer),
               h.cart_id == bindparam("cart_id", type_=String),
               h.created_at == bindparam("now", type_=UTCDateTime()),
               func.coalesce(h.seat_id, 0) != 0))
