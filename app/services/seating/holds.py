"""Holding and releasing seats for a cart.

Every write takes the event's seating lock (see `live.lock_event`) before it logs its change
and commits: versions then commit in order. A hold takes it before its claim (see `_hold`),
and queues behind the cart's own lock first, so that per-cart limits cannot be raced by a
double click. The guarantee against double holds is not a lock but the unique
index on `(event_id, seat_id)`: a hold is one `INSERT … ON CONFLICT DO UPDATE … WHERE
holds.expires_at <= now`, so an expired claim is taken over in the same statement and a
live one is never overwritten.

A cart's holds share one expiry: it is set by the cart's first hold and later clicks do not
extend it (otherwise one person could keep seats forever by clicking). Releasing everything
and holding again starts a new hold period.

A refused operation undoes its own writes before raising (the claims it inserted, the version
it took), so nothing half-done can be committed by the caller afterwards, and work the caller
did before in the same transaction is left alone.

A seat click in a transaction of its own commits without waiting for PostgreSQL to flush it
to disk (`sql_batches.transaction(durable=False)`): the event's seating lock, which every
click on the event queues for, is then held for the click's own work, not for a disk write
too. A database crash can forget the last fraction of a second of holds (those seats are
free again, as after a release); it never loses a sale, an order or a payment, whose commits
wait for the disk and carry the holds before them along.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import and_, delete, select, update

from app import sql_batches
from app.extensions import db
from app.models.accounts import User
from app.models.events import Event, EventStatus
from app.models.seating import EventSeating, Hold, HoldStatus, Seat, TicketType
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.events import may_see
from app.services.seating import live
from app.services.seating.claims import (
    CART_LOCK,
    HOLDS,
    SEAT_CHANGE_LOG,
    SEAT_CLAIM,
    on_conflict,
)
from app.services.seating.errors import (
    HoldExpired,
    HoldLimitReached,
    NoSeatMap,
    SeatingError,
    SeatTaken,
    SeatUnavailable,
)
from app.services.seating.queries import (
    SEAT_STATES,
    SEATING_FACTS,
    cart_call,
    cart_from_rows,
    cart_view,
    seat_views_from_rows,
)
from app.services.seating.views import (
    CartSummary,
    HeldSeat,
    HoldOutcome,
    LiveView,
    SeatingSettings,
)
from app.upserts import session_insert

ACTIVE = (HoldStatus.HELD, HoldStatus.ORDERED)
CANCELLED = "This event is cancelled: its seats are not on sale."


@dataclass(frozen=True)
class CartState:
    seat_ids: frozenset[int]
    tickets: int
    expires_at: datetime | None


@dataclass(frozen=True)
class SeatForSale:
    id: int
    label: str
    ticket_type_id: int | None


def guard_disabled() -> bool:
    """Test-only: the naive SELECT-then-INSERT path, to show the race the guard prevents."""
    config = current_app.config
    return bool(config.get("TESTING") and config.get("SEAT_GUARD_DISABLED"))


def hold_time(hold_minutes: int) -> timedelta:
    """How long a new hold lasts: the event's minutes, or `SEAT_HOLD_SECONDS` in a TESTING app
    (so that browser tests can watch a hold run out)."""
    config = current_app.config
    seconds = config.get("SEAT_HOLD_SECONDS") if config.get("TESTING") else None
    return timedelta(seconds=seconds) if seconds else timedelta(minutes=hold_minutes)


def refuse(error: DomainError, lock: live.EventLock | None = None,
           inserted: Iterable[HeldSeat] = ()) -> DomainError:
    """Undo this operation's writes in the caller's transaction (claims it made and, with
    `lock`, the version it took); return `error`."""
    undo = [hold.id for hold in inserted]
    if undo:
        db.session.execute(delete(HOLDS).where(HOLDS.c.id.in_(undo)))
        if lock is not None:  # the claim may have logged its seats already
            live.forget_changes(lock)
    if lock is not None:
        live.unchanged(lock)
    return error


def cart_state(event_id: int, cart_id: str, now: datetime) -> CartState:
    """The cart's live holds: seats, ticket count and the shared expiry of its `held` holds."""
    rows = db.session.execute(
        select(Hold.seat_id, Hold.quantity, Hold.expires_at, Hold.status)
        .where(Hold.event_id == event_id, Hold.cart_id == cart_id, Hold.status.in_(ACTIVE),
               Hold.expires_at > now)
    ).all()
    held = [row.expires_at for row in rows if row.status == HoldStatus.HELD]
    return CartState(frozenset(r.seat_id for r in rows if r.seat_id is not None),
                     sum(r.quantity for r in rows), min(held) if held else None)


def seats_for_sale(event_id: int, seat_map_id: int, seat_ids: Iterable[int],
                   lock: live.EventLock | None = None,
                   inserted: Iterable[HeldSeat] = ()) -> list[SeatForSale]:
    """The seats asked for with this event's ticket type; unknown seats are refused."""
    ids = list(seat_ids)
    rows = db.session.execute(
        select(Seat.id, Seat.label, TicketType.id)
        .outerjoin(TicketType, and_(TicketType.price_zone_id == Seat.price_zone_id,
                                    TicketType.event_id == event_id))
        .where(Seat.id.in_(ids), Seat.seat_map_id == seat_map_id)
    ).all()
    found = {row[0]: SeatForSale(*row) for row in rows}
    for seat_id in ids:
        if seat_id not in found:
            raise refuse(SeatUnavailable("That seat is not on this event's map.", seat_id),
                         lock, inserted)
    return [found[seat_id] for seat_id in ids]


def claim(event_id: int, rows: list[dict], now: datetime) -> list[HeldSeat]:
    """Insert claims; a seat whose claim expired is taken over, a live claim is left alone."""
    stmt = on_conflict(session_insert()(HOLDS).values(rows), now)
    return [HeldSeat(*row) for row in db.session.execute(stmt)]


def hold_seat(event: Event, seat_id: int, cart_id: str, user_id: int | None = None,
              *, now: datetime | None = None) -> HeldSeat:
    """Hold one seat for `cart_id`. Raises SeatTaken, SeatUnavailable or HoldLimitReached."""
    return hold_seats(event, [seat_id], cart_id, user_id, now=now)[0]


def hold_seats(event: Event, seat_ids: Iterable[int], cart_id: str, user_id: int | None = None,
               *, now: datetime | None = None) -> list[HeldSeat]:
    """Hold all of `seat_ids` for `cart_id`, or none of them (all-or-nothing).

    Seats the cart already holds are kept as they are. The cart's total (seats plus
    general-admission places) may not exceed the event's `max_seats_per_order`.
    """
    return hold_for_cart(event, seat_ids, cart_id, user_id, now=now).holds


def hold_for_cart(event: Event, seat_ids: Iterable[int], cart_id: str,
                  user_id: int | None = None, *, now: datetime | None = None) -> HoldOutcome:
    """`hold_seats`, answering also with the cart as it stands after the hold (its lines and
    its seats drawn) and the settings, so that the caller reads nothing more."""
    return _hold(event.slug, seat_ids, cart_id, user_id, now=now)


def hold_at(slug: str, seat_ids: Iterable[int], cart_id: str, viewer: User | None = None, *,
            now: datetime | None = None) -> HoldOutcome:
    """`hold_for_cart` at the event called `slug`, as `viewer` asks it (None: nobody
    logged in): an event they may not see, or without a seat map, raises NoSeatMap. The
    outcome carries the event's facts (`SEATING_FACTS`), enough to draw the answer."""
    user_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    return _hold(slug, seat_ids, cart_id, user_id, now=now, viewer=viewer, check_visible=True)


def _hold(slug: str, seat_ids: Iterable[int], cart_id: str, user_id: int | None, *,
          now: datetime | None, viewer: User | None = None,
          check_visible: bool = False) -> HoldOutcome:
    """One message to the database, one round trip on PostgreSQL (`app.sql_batches`): BEGIN;
    this cart's lock (a double click waits here); the event's seating lock and version; the
    claim, which checks the seats, the cart's limit and the event's facts itself; the
    change log; the cart; the lowered next expiry; the version given back when nothing was
    claimed; the event's facts as they are now; and COMMIT when one seat is asked for (it
    is claimed or not: there is nothing half-done to undo).

    The facts the click decides on (visible to the viewer? cancelled? which map, limit and
    hold time?) are those this process last read for the slug (`_known_facts`); the claim
    claims nothing unless the rows still say the same, and the facts read at the end of
    the message replace a wrong guess, for one more try. The first click on an event in a
    process reads them first, in a message of its own.

    The event's lock comes before any claim row, as everywhere else that takes both (an
    expiry sweep, a release, placing an order): the claim locks a live seat's row even when
    it leaves it alone, so the other order could deadlock. For one seat in a transaction of
    its own, the lock is held only while the server runs this message; several seats keep
    it until the message that commits them (or the caller's commit, in its transaction).
    Several seats are all-or-nothing: a further message commits them, or a refusal undoes
    them (a transaction of its own rolls back; in the caller's transaction, the claims are
    deleted and the version given back).
    """
    ids = list(dict.fromkeys(seat_ids))
    if not ids:
        raise DomainError("Choose at least one seat.", "seat")
    now = now or utcnow()
    if guard_disabled():
        return _hold_unguarded(slug, ids, cart_id, user_id, now)
    facts = _known_facts.get(slug)
    guessed = facts is not None
    for last_try in (False, True):
        with sql_batches.transaction(durable=False) as tx:  # see the module's docstring
            refusal = _refusal(facts, viewer, check_visible) if facts is not None else None
            if facts is None or (refusal is not None and guessed):  # never refuse on a guess
                facts = _remember(slug, tx.run([SEATING_FACTS(slug=slug)],
                                               begin=False)[0].one_or_none())
                refusal = _refusal(facts, viewer, check_visible)
            if refusal is not None:
                raise refusal
            try:
                outcome = _claim(tx, facts, ids, cart_id, user_id, now, last_try=last_try)
            except _FactsChanged as changed:
                facts, guessed = changed.facts, False
                continue
            tx.commit()
        return outcome
    raise AssertionError("the last try does not raise _FactsChanged")


def _refusal(facts, viewer: User | None, check_visible: bool) -> SeatingError | None:
    """Why the event's facts forbid the hold (None: they do not); `check_visible`: whether
    `viewer` must be allowed to see the event (else the caller checked it)."""
    if facts is None or (check_visible and
                         not may_see(facts.status, facts.organization_id, viewer)):
        return NoSeatMap()
    if facts.status == EventStatus.CANCELLED:
        return SeatUnavailable(CANCELLED)
    return None


# The facts of the events seat clicks came for, by slug, as this process last read them
# (`SEATING_FACTS` rows): a guess the claim checks (see `_hold`).
_known_facts: dict[str, tuple] = {}
_KNOWN_FACTS_MAX = 1000


class _FactsChanged(Exception):
    """The event's facts were not as guessed, and nothing was claimed: try again with these."""

    def __init__(self, facts):
        super().__init__("the event's facts changed")
        self.facts = facts


def _remember(slug: str, facts):
    """Keep `facts` (None: forget the slug) as the guess for the next click on `slug`."""
    if facts is None:
        _known_facts.pop(slug, None)
        return None
    if len(_known_facts) >= _KNOWN_FACTS_MAX and slug not in _known_facts:
        _known_facts.clear()
    _known_facts[slug] = facts
    return facts


def _claim(tx, facts, ids: list[int], cart_id: str, user_id: int | None,
           now: datetime, *, last_try: bool) -> HoldOutcome:
    expiry = now + hold_time(facts.hold_minutes)
    event_id = facts.id
    _, locked, claimed, _, cart, _, _, fresh = tx.run([
        CART_LOCK(cart_id=cart_id),
        live.SEAT_LOCK(event=event_id),
        SEAT_CLAIM(event_id=event_id, cart_id=cart_id, user_id=user_id, now=now,
                   status=HoldStatus.HELD, first_expiry=expiry, seat_ids=ids,
                   seat_map_id=facts.seat_map_id, asked=len(ids),
                   limit=facts.max_seats_per_order, slug=facts.slug,
                   event_status=facts.status, organization_id=facts.organization_id,
                   hold_minutes=facts.hold_minutes),
        SEAT_CHANGE_LOG(event_id=event_id, cart_id=cart_id, now=now),
        cart_call(event_id, cart_id, now),
        live.SEAT_NEXT_EXPIRY(event=event_id, expiry=expiry),
        live.SEAT_VERSION_BACK(event=event_id),
        SEATING_FACTS(slug=facts.slug),
    ], commit=len(ids) == 1)
    inserted = [HeldSeat(*row) for row in claimed.rows]
    now_facts = _remember(facts.slug, fresh.one_or_none())
    if now_facts is None:  # the event, or its seat map, is gone
        raise NoSeatMap()
    if now_facts != facts:
        if not inserted and not last_try:  # perhaps refused for a wrong guess: try again
            raise _FactsChanged(now_facts)
        facts = now_facts  # claimed under the facts guessed; the answer shows the new ones
        if not inserted and facts.status == EventStatus.CANCELLED:
            raise SeatUnavailable(CANCELLED)
    if not locked.rows:  # the seat map was taken off the event since its facts were read
        raise NoSeatMap()
    taken, next_expiry = locked.rows[0]
    version = taken if inserted else taken - 1  # nothing claimed: the version went back
    view = cart_from_rows(facts, cart.rows)
    settings = SeatingSettings(version, facts.hold_minutes, facts.max_seats_per_order)
    if len(inserted) < len(ids):
        # Why not: the seats' states, in one more statement. Nothing claimed: nothing to
        # undo, and the refusal carries what was read (`seen`: the answer reads nothing
        # more). Some seats claimed: a transaction of its own rolls them back when the
        # refusal leaves it; in the caller's transaction they are deleted and the version
        # given back.
        states = tx.run([SEAT_STATES(event_id=event_id, seat_ids=ids, now=now)],
                        begin=False)[0].rows
        undo = None
        if inserted and not tx.owns:
            undo = live.EventLock(event_id, taken, facts.seat_map_id, facts.hold_minutes,
                                  facts.max_seats_per_order, next_expiry)
        try:
            _refuse_unless_held(ids, inserted, view.cart, {row[0]: row for row in states},
                                facts.max_seats_per_order, undo)
        except SeatingError as error:
            if not inserted:
                seats, zones = seat_views_from_rows(states, cart_id)
                error.seen = HoldOutcome([], LiveView(seats, zones, view.cart), settings, facts)
            raise
    if inserted and (next_expiry is None or expiry < next_expiry):
        next_expiry = expiry
    tx.after_commit(partial(live.mirror_now, event_id, version, next_expiry))
    return HoldOutcome(_in_order(ids, inserted, view.cart, cart_id), view, settings, facts)


def _hold_unguarded(slug: str, ids: list[int], cart_id: str, user_id: int | None,
                    now: datetime) -> HoldOutcome:
    from app.services.seating.unguarded import hold_seats_unguarded

    event = db.session.scalars(select(Event).where(Event.slug == slug)).one()
    holds = hold_seats_unguarded(event, ids, cart_id, user_id, now)
    return HoldOutcome(holds, cart_view(event, cart_id, now=now), _settings(event.id), event)


def _refuse_unless_held(ids: list[int], claimed: list[HeldSeat], cart: CartSummary,
                        states: dict, limit: int, lock: live.EventLock | None) -> None:
    """Refuse unless every seat asked for is now the cart's: unknown seats first, then the
    limit per order, then seats not on sale, then taken seats. `states`: `SEAT_STATES` rows
    by seat. With `lock`, the refusal undoes the claims and gives the version back (see
    `refuse`)."""
    got = {hold.seat_id for hold in claimed}
    inserted = claimed if lock is not None else []  # what `refuse` deletes
    new = [seat_id for seat_id in ids if seat_id in got or seat_id not in cart.seat_ids]
    missing = [seat_id for seat_id in new if seat_id not in got]
    for seat_id in missing:
        if seat_id not in states:
            raise refuse(SeatUnavailable("That seat is not on this event's map.", seat_id),
                         lock, inserted)
    if cart.ticket_count - len(claimed) + len(new) > limit:
        raise refuse(HoldLimitReached(limit), lock, inserted)
    for seat_id in missing:
        if states[seat_id].ticket_type_id is None:
            raise refuse(SeatUnavailable(f"Seat {states[seat_id].label} is not on sale.",
                                         seat_id), lock, inserted)
    for seat_id in missing:
        raise refuse(SeatTaken(states[seat_id].label, seat_id), lock, inserted)


def _settings(event_id: int) -> SeatingSettings:
    es = db.session.get(EventSeating, event_id, populate_existing=True)
    return SeatingSettings(es.version, es.hold_minutes, es.max_seats_per_order)


def _row(event_id: int, seat: SeatForSale, cart_id: str | None, user_id: int | None,
         expires: datetime | None, now: datetime,
         status: HoldStatus = HoldStatus.HELD) -> dict:
    return {"event_id": event_id, "seat_id": seat.id, "ticket_type_id": seat.ticket_type_id,
            "quantity": 1, "cart_id": cart_id, "user_id": user_id, "status": status,
            "expires_at": expires, "created_at": now}


def _in_order(ids: list[int], inserted: list[HeldSeat], cart: CartSummary,
              cart_id: str) -> list[HeldSeat]:
    """The claims in the order asked: new ones as written, kept ones from the cart read."""
    by_seat = {hold.seat_id: hold for hold in inserted}
    lines = {line.seat_id: line for line in cart.lines}
    for seat_id in ids:
        if seat_id not in by_seat:
            line = lines[seat_id]
            by_seat[seat_id] = HeldSeat(line.hold_id, seat_id, cart_id, line.status,
                                        line.expires_at)
    return [by_seat[seat_id] for seat_id in ids]


def release_seat(event: Event, seat_id: int, cart_id: str) -> bool:
    """Release the cart's hold on one seat. False when the cart did not hold it."""
    lock = live.lock_event(event.id)
    released = db.session.scalars(
        delete(Hold).where(Hold.event_id == event.id, Hold.seat_id == seat_id,
                           Hold.cart_id == cart_id, Hold.status == HoldStatus.HELD)
        .returning(Hold.seat_id)
    ).all()
    if not released:
        live.unchanged(lock)
        return False
    live.record_changes(lock, list(released))
    return True


def release_cart(event: Event, cart_id: str) -> int:
    """Release everything the cart holds (not what is already ordered); the seats freed."""
    lock = live.lock_event(event.id)
    released = db.session.execute(
        delete(Hold).where(Hold.event_id == event.id, Hold.cart_id == cart_id,
                           Hold.status == HoldStatus.HELD)
        .returning(Hold.seat_id)
    ).scalars().all()
    if not released:
        live.unchanged(lock)
        return 0
    live.record_changes(lock, [seat_id for seat_id in released if seat_id is not None])
    return len(released)


def extend_holds(event: Event, cart_id: str, until: datetime,
                 *, now: datetime | None = None) -> int:
    """Move the cart's live holds into checkout (`ordered`) until `until` (payment window).

    Raises HoldExpired when the cart holds nothing any more.
    """
    now = now or utcnow()
    moved = db.session.execute(
        update(Hold).where(Hold.event_id == event.id, Hold.cart_id == cart_id,
                           Hold.status.in_(ACTIVE), Hold.expires_at > now)
        .values(status=HoldStatus.ORDERED, expires_at=until)
        .returning(Hold.id)
    ).scalars().all()
    if not moved:
        raise HoldExpired()
    return len(moved)


def attach_user(event: Event, cart_id: str, user_id: int) -> int:
    """Tie the cart's holds to the person who just logged in."""
    result = db.session.execute(
        update(Hold).where(Hold.event_id == event.id, Hold.cart_id == cart_id,
                           Hold.user_id.is_(None)).values(user_id=user_id)
    )
    return result.rowcount


def attach_cart(cart_id: str | None, user_id: int) -> int:
    """Tie every hold of the cart, for any event, to the person who just logged in."""
    if not cart_id:
        return 0
    result = db.session.execute(
        update(HOLDS).where(HOLDS.c.cart_id == cart_id, HOLDS.c.user_id.is_(None))
        .values(user_id=user_id)
    )
    return result.rowcount
