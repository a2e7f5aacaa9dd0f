"""Statement budgets of the hot seat paths, counted with a cursor event: counts, not times.

A hold request is one event lookup plus the hold itself: lock and version bump; the claim,
an INSERT … SELECT that reads the seat facts and checks the cart in the same statement,
returning plain rows; the cart lines the answer shows; the change log. The event's next
expiry is written only when the hold lowers it (the event's first hold).
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from app.services import seating
from app.services.seating import live

HOLD_SERVICE_BUDGET = 4   # lock, claim (seat facts and cart checks inside), cart, change log
HOLD_REQUEST_BUDGET = 5   # + the event lookup; drawing the answer reads nothing more


@contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_hold_request_stays_within_its_statement_budget(app, htmx_client, seat_map_event):
    se = seat_map_event()
    other = app.test_client()
    other.environ_base["HTTP_HX_REQUEST"] = "true"
    other.post(f"/events/{se.event.slug}/seats/{se.seat('E-1')}/hold")  # sets the next expiry
    db.session.remove()
    with statements() as seen:
        response = htmx_client.post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")
    assert response.status_code == 200
    assert "fp-mine" in response.get_data(as_text=True)
    assert len(seen) <= HOLD_REQUEST_BUDGET, seen
    assert seen.count("SELECT") <= 2, seen  # the event, the cart lines: no N+1, no reload


def test_the_first_hold_of_an_event_adds_only_the_next_expiry(htmx_client, seat_map_event):
    se = seat_map_event()
    db.session.remove()
    with statements() as seen:
        response = htmx_client.post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")
    assert response.status_code == 200
    assert len(seen) <= HOLD_REQUEST_BUDGET + 1, seen


def test_the_hold_service_costs_the_same_for_one_seat_or_several(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("E-1"), "cart-0")
    db.session.commit()
    for cart, seats in (("cart-a", se.row("A")[:1]), ("cart-b", se.row("B")[:4])):
        db.session.refresh(se.event)  # the caller has its event loaded
        with statements() as seen:
            outcome = seating.hold_for_cart(se.event, seats, cart)
        assert [hold.seat_id for hold in outcome.holds] == seats
        assert outcome.live.cart.seat_ids == {s.id for s in outcome.live.seats} == set(seats)
        assert len(seen) <= HOLD_SERVICE_BUDGET, seen
    db.session.commit()


def test_an_unchanged_poll_reads_once_then_not_at_all_while_cached(client, seat_map_event):
    se = seat_map_event()
    version = seating.current_version(se.event.id)
    url = f"/events/{se.event.slug}/seats/changes?v={version}"
    assert client.get(url).status_code == 204  # the event's id is now cached by slug
    live._STATES.clear()
    with statements() as first:
        assert client.get(url).status_code == 204
    with statements() as second:
        assert client.get(url).status_code == 204
    assert len(first) == 1 and second == []
