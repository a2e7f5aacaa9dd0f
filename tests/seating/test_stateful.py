"""Hypothesis drives hold / release / time passing / expiry / hold-again by several carts and
checks the service against a plain model after every step."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from app.extensions import db
from app.models.seating import Hold
from app.models.types import utcnow
from app.services import seating

CARTS = ("ann", "bob", "cy")
SEATS = 6
MAX_SEATS = 3
HOLD = timedelta(minutes=10)


def test_holds_keep_their_invariants(seat_map_event):
    class Holds(RuleBasedStateMachine):
        """Model: seat index → (cart, expires_at), exactly the rows the database should have."""

        @initialize()
        def setup(self):
            db.session.execute(delete(Hold))  # expire_holds sees every event's holds
            self.se = seat_map_event(rows=1, seats_per_row=SEATS, max_seats_per_order=MAX_SEATS)
            self.seats = self.se.row("A")
            self.now = utcnow().replace(microsecond=0)
            self.rows: dict[int, tuple[str, object]] = {}

        def live(self, cart: str | None = None) -> dict[int, tuple[str, object]]:
            return {seat: row for seat, row in self.rows.items()
                    if row[1] > self.now and cart in (None, row[0])}

        @rule(cart=st.sampled_from(CARTS),
              picks=st.lists(st.integers(0, SEATS - 1), min_size=1, max_size=3, unique=True))
        def hold(self, cart, picks):
            mine = self.live(cart)
            new = [seat for seat in picks if seat not in mine]
            taken = [seat for seat in new if seat in self.live()]
            expected = None
            if len(mine) + len(new) > MAX_SEATS:
                expected = seating.HoldLimitReached
            elif taken:
                expected = seating.SeatTaken
            try:
                seating.hold_seats(self.se.event, [self.seats[i] for i in picks], cart,
                                   now=self.now)
            except (seating.HoldLimitReached, seating.SeatTaken) as error:
                assert type(error) is expected
                if expected is seating.SeatTaken:
                    # The refused statement took over the expired claims among the free
                    # seats, then undid its claims: those expired rows are gone.
                    for seat in new:
                        if seat not in taken:
                            self.rows.pop(seat, None)
                return
            finally:
                db.session.commit()
            assert expected is None
            expires = min((row[1] for row in mine.values()), default=self.now + HOLD)
            for seat in new:
                self.rows[seat] = (cart, expires)

        @rule(cart=st.sampled_from(CARTS), seat=st.integers(0, SEATS - 1))
        def release(self, cart, seat):
            released = seating.release_seat(self.se.event, self.seats[seat], cart)
            db.session.commit()
            expected = self.rows.get(seat, (None,))[0] == cart
            assert released == expected
            if expected:
                del self.rows[seat]

        @rule(minutes=st.integers(1, 12))
        def time_passes(self, minutes):
            self.now += timedelta(minutes=minutes)

        @rule()
        def expire(self):
            released = seating.expire_holds(self.now)
            db.session.commit()
            due = [seat for seat, row in self.rows.items() if row[1] <= self.now]
            assert released == len(due)
            for seat in due:
                del self.rows[seat]

        @invariant()
        def database_matches_the_model(self):
            db.session.expire_all()
            claims = db.session.execute(
                select(Hold.seat_id, Hold.cart_id, Hold.expires_at)
                .where(Hold.event_id == self.se.event.id)).all()
            seat_index = {seat_id: i for i, seat_id in enumerate(self.seats)}
            assert len({seat_id for seat_id, _, _ in claims}) == len(claims)
            assert {seat_index[s]: (c, e) for s, c, e in claims} == self.rows

        @invariant()
        def every_cart_sees_what_the_model_says(self):
            for cart in CARTS:
                assert len(self.live(cart)) <= MAX_SEATS
                view = seating.load_seat_map(self.se.event, cart, now=self.now)
                live = self.live()
                expected = ["available" if i not in live else
                            "mine" if live[i][0] == cart else "held" for i in range(SEATS)]
                assert [seat.status for seat in view.seats] == expected
                assert view.cart.ticket_count == len(self.live(cart))

    run_state_machine_as_test(Holds, settings=settings(
        max_examples=60, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
