"""Reading seat maps and carts, as plain tuples (no ORM objects per seat)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String, and_, bindparam, func, or_, select, true

from app import sql_batches
from app.extensions import db
from app.models.events import Event
from app.models.seating import (
    EventSeating,
    Hold,
    HoldStatus,
    PriceZone,
    Seat,
    SeatMap,
    Section,
    TicketKind,
    TicketType,
)
from app.models.types import UTCDateTime, utcnow
from app.services.seating.views import (
    CartLine,
    CartSummary,
    GeneralAdmissionView,
    LiveView,
    SeatMapView,
    SeatStatus,
    SeatView,
    ZoneView,
)
from app.sql_batches import among, statement


def event_seating(event: Event) -> EventSeating | None:
    """The event's seating settings, or None when it has no seat map."""
    return db.session.get(EventSeating, event.id)


def _live_claim(event_id, now):
    """Join condition: the live claim on a seat for this event (expired claims are free);
    `event_id` and `now` are values, or bound parameters of a batch statement."""
    return and_(Hold.seat_id == Seat.id, Hold.event_id == event_id,
                or_(Hold.expires_at.is_(None), Hold.expires_at > now))


def status_of(status: HoldStatus | None, cart_id: str | None, claim_cart: str | None) -> str:
    """A seat's status as seen by `cart_id`, from its live claim (None: no claim)."""
    if status is None:
        return SeatStatus.AVAILABLE
    if status in (HoldStatus.HELD, HoldStatus.ORDERED):
        return SeatStatus.MINE if cart_id and claim_cart == cart_id else SeatStatus.HELD
    return SeatStatus.SOLD if status == HoldStatus.SOLD else SeatStatus.BLOCKED


def seat_status_for(event: Event, seat_ids: Iterable[int], cart_id: str | None,
                    *, now: datetime | None = None) -> dict[int, str]:
    """Each seat's status as `cart_id` sees it: available, mine, held, sold or blocked."""
    ids = list(seat_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Seat.id, Hold.status, Hold.cart_id)
        .outerjoin(Hold, _live_claim(event.id, now or utcnow()))
        .where(Seat.id.in_(ids))
    ).all()
    return {seat_id: status_of(status, cart_id, cart) for seat_id, status, cart in rows}


_SEAT_COLUMNS = (Seat.id, Seat.label, Section.name, Seat.row_label, Seat.number, Seat.x, Seat.y,
                 Seat.price_zone_id, Seat.wheelchair, Seat.companion, Seat.restricted_view,
                 Seat.aisle)


@statement("seat_states")
def SEAT_STATES(dialect: str):
    """The seats of the list `seat_ids` that are on the event's map, in display order, each
    with its live claim, zone and the event's ticket type for the zone: Core columns, bound
    parameters (`seat_views_from_rows` reads them).

    On PostgreSQL each seat's claim is looked up by the (event, seat) index, one seat at a
    time (a LATERAL subquery): joined as a whole instead, a plan made while the event had few
    claims reads all of them for every refused click once it has thousands."""
    s, sec, es = Seat.__table__.c, Section.__table__.c, EventSeating.__table__.c
    pz, tt, h = PriceZone.__table__.c, TicketType.__table__.c, Hold.__table__.c
    event_id = bindparam("event_id", type_=Integer)
    live = _live_claim(event_id, bindparam("now", type_=UTCDateTime()))
    if dialect == "postgresql":
        claim = select(h.status, h.cart_id).where(live).limit(1).lateral("claim")
        claims, on, (status, cart) = claim, true(), (claim.c.status, claim.c.cart_id)
    else:
        claims, on, (status, cart) = Hold.__table__, live, (h.status, h.cart_id)
    return (
        select(s.id, s.label, sec.name.label("section"), s.row_label, s.number, s.x, s.y,
               s.price_zone_id, s.wheelchair, s.companion, s.restricted_view, s.aisle,
               status.label("claim_status"), cart.label("claim_cart"),
               pz.name.label("zone"), pz.colour_index, tt.id.label("ticket_type_id"),
               tt.name.label("ticket_type"), tt.price, tt.currency)
        .select_from(Seat.__table__)
        .join(Section.__table__, sec.id == s.section_id)
        .join(EventSeating.__table__, and_(es.seat_map_id == s.seat_map_id,
                                           es.event_id == event_id))
        .join(PriceZone.__table__, pz.id == s.price_zone_id)
        .outerjoin(TicketType.__table__, and_(tt.price_zone_id == pz.id, tt.event_id == event_id))
        .outerjoin(claims, on)
        .where(among(s.id, "seat_ids", dialect))
        .order_by(sec.sort_order, s.section_id, s.row_label, s.number)
    )


def seat_views_from_rows(rows, cart_id: str | None) -> tuple[list[SeatView], list[ZoneView]]:
    """The seats of `SEAT_STATES` rows as `cart_id` sees them, and their zones."""
    seats, zones = [], {}
    for row in rows:
        seats.append(SeatView(*row[:12], status_of(row[12], cart_id, row[13])))
        zones.setdefault(row[7], ZoneView(row[7], row[14], row[15], *row[16:20]))
    return seats, list(zones.values())


def seat_views(event: Event, seat_ids: Iterable[int], cart_id: str | None, *,
               now: datetime | None = None) -> list[SeatView]:
    """Some seats of this event's map as `cart_id` sees them (for swapping changed seats),
    in one query; seats of other maps are left out."""
    return live_seats(event, seat_ids, cart_id, now=now)[0]


def live_seats(event: Event, seat_ids: Iterable[int], cart_id: str | None, *,
               now: datetime | None = None) -> tuple[list[SeatView], list[ZoneView]]:
    """`seat_views` with the zones of those seats (their names and colours), in one query."""
    ids = list(seat_ids)
    if not ids:
        return [], []
    rows = sql_batches.run([SEAT_STATES(event_id=event.id, seat_ids=ids, now=now or utcnow())])
    return seat_views_from_rows(rows[0].rows, cart_id)


def live_view(event: Event, seat_ids: Iterable[int], cart_id: str | None, *,
              now: datetime | None = None) -> LiveView:
    """What a fragment answer draws: the seats asked for (this map only) and the cart, in
    two queries."""
    now = now or utcnow()
    seats, zones = live_seats(event, seat_ids, cart_id, now=now)
    return LiveView(seats, zones, cart_summary(event, cart_id, now=now))


def zone_views(event: Event) -> list[ZoneView]:
    """The event's price zones with their ticket types (legend, labels), in one query."""
    rows = db.session.execute(
        select(PriceZone, TicketType)
        .join(EventSeating, and_(EventSeating.seat_map_id == PriceZone.seat_map_id,
                                 EventSeating.event_id == event.id))
        .outerjoin(TicketType, and_(TicketType.price_zone_id == PriceZone.id,
                                    TicketType.event_id == event.id))
        .order_by(PriceZone.colour_index)
    ).all()
    return [ZoneView(zone.id, zone.name, zone.colour_index, tt and tt.id, tt and tt.name,
                     tt and tt.price, tt and tt.currency) for zone, tt in rows]


def load_seat_map(event: Event, cart_id: str | None, *,
                  now: datetime | None = None) -> SeatMapView | None:
    """Everything the seat map page needs for this cart, in three or four queries.

    The version is read first: a change that lands while the seats are read is then also
    reported by the next poll, never lost. None when the event has no seat map.
    """
    now = now or utcnow()
    head = db.session.execute(
        select(EventSeating, SeatMap).join(SeatMap, SeatMap.id == EventSeating.seat_map_id)
        .where(EventSeating.event_id == event.id)
    ).one_or_none()
    if head is None:
        return None
    settings, seat_map = head
    rows = db.session.execute(
        select(*_SEAT_COLUMNS, Hold.status, Hold.cart_id, Hold.id, Hold.ticket_type_id,
               Hold.expires_at)
        .join(Section, Section.id == Seat.section_id)
        .outerjoin(Hold, _live_claim(event.id, now))
        .where(Seat.seat_map_id == seat_map.id)
        .order_by(Section.sort_order, Seat.section_id, Seat.row_label, Seat.number)
    ).all()
    zones, general = _zones(event, now)
    seats, sections, mine = [], [], []
    for row in rows:
        status = status_of(row[12], cart_id, row[13])
        seats.append(SeatView(*row[:12], status))
        if not sections or sections[-1] != row[2]:
            sections.append(row[2])
        if status == SeatStatus.MINE:
            mine.append(row)
    cart = _cart(event, cart_id, mine, zones, general, now)
    return SeatMapView(
        event_id=event.id, seat_map_id=seat_map.id, name=seat_map.name, width=seat_map.width,
        height=seat_map.height, stage=(seat_map.stage_x, seat_map.stage_y,
                                       seat_map.stage_width, seat_map.stage_height),
        seats=seats, zones=zones, sections=list(dict.fromkeys(sections)),
        general_admission=general, version=settings.version, cart=cart,
        max_seats_per_order=settings.max_seats_per_order, hold_minutes=settings.hold_minutes)


def _zones(event: Event, now: datetime) -> tuple[list[ZoneView], list[GeneralAdmissionView]]:
    return zone_views(event), general_admission(event, now)


def _live_places(now: datetime):
    """Places of general-admission claims that count: live holds, orders and sales."""
    return and_(Hold.seat_id.is_(None), or_(Hold.expires_at.is_(None), Hold.expires_at > now))


def places_taken(ticket_type_id: int, now: datetime) -> int:
    """Places of a general-admission type in live holds, orders and sales."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Hold.quantity), 0))
        .where(Hold.ticket_type_id == ticket_type_id, _live_places(now))
    )


def general_admission(event: Event, now: datetime | None = None) -> list[GeneralAdmissionView]:
    """The event's general-admission ticket types with the places still available (one
    query for all of them)."""
    now = now or utcnow()
    taken = (select(func.coalesce(func.sum(Hold.quantity), 0))
             .where(Hold.ticket_type_id == TicketType.id, _live_places(now))
             .correlate(TicketType).scalar_subquery())
    rows = db.session.execute(
        select(TicketType.id, TicketType.name, TicketType.price, TicketType.currency,
               TicketType.capacity, taken)
        .where(TicketType.event_id == event.id,
               TicketType.kind == TicketKind.GENERAL_ADMISSION)
        .order_by(TicketType.sort_order, TicketType.id)
    ).all()
    return [GeneralAdmissionView(*row[:5], max(row[4] - row[5], 0)) for row in rows]


@statement("seat_cart")
def SEAT_CART(dialect: str):
    """The cart's live holds with prices, and each seat line's spot (so that an answer draws
    the cart's seats from here): Core columns, bound parameters."""
    h, s, sec = Hold.__table__.c, Seat.__table__.c, Section.__table__.c
    pz, tt = PriceZone.__table__.c, TicketType.__table__.c
    return (
        select(h.id, h.seat_id, h.quantity, h.expires_at, h.status, s.label, sec.name, pz.name,
               tt.id, tt.name, tt.price, tt.currency, s.row_label, s.number, s.x, s.y,
               s.price_zone_id, s.wheelchair, s.companion, s.restricted_view, s.aisle,
               pz.colour_index)
        .select_from(Hold.__table__)
        .outerjoin(Seat.__table__, s.id == h.seat_id)
        .outerjoin(Section.__table__, sec.id == s.section_id)
        .outerjoin(PriceZone.__table__, pz.id == s.price_zone_id)
        .outerjoin(TicketType.__table__, tt.id == h.ticket_type_id)
        .where(h.event_id == bindparam("event_id"), h.cart_id == bindparam("cart_id"),
               h.status.in_([HoldStatus.HELD, HoldStatus.ORDERED]),
               h.expires_at > bindparam("now", type_=UTCDateTime()))
        .order_by(h.seat_id.is_(None), sec.name, s.row_label, s.number, h.id)
    )


@statement("seating_facts")
def SEATING_FACTS(dialect: str):
    """What a seat click needs of the event called `slug` with a seat map: its facts (enough
    to draw the answer: id, slug, title, status, timezone, currency...) and its seating
    settings. No row: no such event, or no seat map."""
    e, es = Event.__table__.c, EventSeating.__table__.c
    return (select(e.id, e.slug, e.title, e.status, e.organization_id, e.timezone, e.currency,
                   es.seat_map_id, es.hold_minutes, es.max_seats_per_order)
            .select_from(Event.__table__.join(EventSeating.__table__, es.event_id == e.id))
            .where(e.slug == bindparam("slug", type_=String)))


def cart_call(event_id: int, cart_id: str | None, now: datetime) -> sql_batches.Call:
    """The cart's rows as one statement of a batch (see `cart_from_rows`)."""
    return SEAT_CART(event_id=event_id, cart_id=cart_id or "", now=now)


def _cart_rows(event_id: int, cart_id: str | None, now: datetime):
    return sql_batches.run([cart_call(event_id, cart_id, now)])[0].rows


def cart_summary(event: Event, cart_id: str | None, *,
                 now: datetime | None = None) -> CartSummary:
    """The cart's live holds for this event: lines with prices, total and shared expiry."""
    return _cart_summary(event, _cart_rows(event.id, cart_id, now or utcnow()))


def cart_view(event: Event, cart_id: str | None, *, now: datetime | None = None) -> LiveView:
    """The cart with its seats drawn (all the cart's own) and their zones, in one query."""
    return cart_from_rows(event, _cart_rows(event.id, cart_id, now or utcnow()))


def cart_from_rows(event, rows) -> LiveView:
    """`cart_view` from the rows of `cart_call` (`event`: anything with `currency`)."""
    seats, zones = [], {}
    for r in rows:
        if r[1] is None:
            continue
        seats.append(SeatView(r[1], r[5], r[6], r[12], r[13], r[14], r[15], r[16], r[17],
                              r[18], r[19], r[20], SeatStatus.MINE))
        zones.setdefault(r[16], ZoneView(r[16], r[7], r[21], r[8], r[9], r[10], r[11]))
    return LiveView(seats, list(zones.values()), _cart_summary(event, rows))


def _cart_summary(event: Event, rows) -> CartSummary:
    lines = [CartLine(r[0], r[1], r[5] or r[9], r[6], r[7], r[8], r[2], r[10],
                      r[10] * r[2], r[11], r[4], r[3]) for r in rows]
    expiries = [r[3] for r in rows if r[4] == HoldStatus.HELD] or [r[3] for r in rows]
    return _summary(event, lines, min(expiries) if expiries else None)


def _summary(event: Event, lines: list[CartLine], expires_at: datetime | None) -> CartSummary:
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return CartSummary(lines, total, lines[0].currency if lines else event.currency, expires_at)


def _cart(event: Event, cart_id: str | None, mine: list, zones: list[ZoneView],
          general: list[GeneralAdmissionView], now: datetime) -> CartSummary:
    """The cart summary from rows already read; one more query only for general admission."""
    if general:
        return cart_summary(event, cart_id, now=now)
    if not mine:
        return _summary(event, [], None)
    by_zone = {zone.id: zone for zone in zones}
    lines = []
    for row in sorted(mine, key=lambda r: (r[2], r[3], r[4])):
        zone = by_zone[row[7]]
        price = zone.price or Decimal("0.00")
        lines.append(CartLine(row[14], row[0], row[1], row[2], zone.name, row[15], 1,
                              price, price, zone.currency or event.currency))
    expiries = [r[16] for r in mine if r[12] == HoldStatus.HELD] or [r[16] for r in mine]
    return _summary(event, lines, min(expiries))
