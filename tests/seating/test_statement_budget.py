"""Statement budgets of the hot seat paths: counts, not times.

A hold request for a new visitor is two messages to PostgreSQL (`seating.hold_at`): the
event's facts and seating settings; then BEGIN, the cart's lock, the claim (an INSERT …
SELECT that reads the seat facts and checks the cart in the same statement), the event's
lock and version, the change log, the cart lines the answer shows, the next expiry and the
version given back if nothing changed, and COMMIT. On SQLite the same eight statements go
one by one.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import seating
from app.services.seating import live
from tests.statements import round_trips, statements

HOLD_STATEMENTS = 8   # facts, cart lock, claim, lock, change log, cart, next expiry, version
HOLD_ROUND_TRIPS = 2  # on PostgreSQL: two messages carry them, BEGIN and COMMIT included


def _hold(client, se, label: str):
    with round_trips() as sent:
        response = client.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold")
    assert response.status_code == 200
    assert "fp-mine" in response.get_data(as_text=True)
    return sent


def test_a_hold_request_stays_within_its_statement_budget(app, htmx_client, seat_map_event):
    se = seat_map_event()
    other = app.test_client()
    other.environ_base["HTTP_HX_REQUEST"] = "true"
    other.post(f"/events/{se.event.slug}/seats/{se.seat('E-1')}/hold")  # sets the next expiry
    db.session.remove()
    sent = _hold(htmx_client, se, "A-1")
    assert len(sent) <= HOLD_STATEMENTS, sent  # no N+1, nothing read again for the answer
    assert len(_hold(htmx_client, se, "A-2")) <= HOLD_STATEMENTS


@pytest.mark.postgres
def test_a_hold_request_is_two_round_trips_on_postgresql(app, htmx_client, seat_map_event):
    se = seat_map_event()
    db.session.remove()
    for label in ("A-1", "A-2"):  # the first hold of an event, and a later one
        sent = _hold(htmx_client, se, label)
        assert len(sent) == HOLD_ROUND_TRIPS and not sent.statements, sent
        facts, hold = sent.batches
        assert "BEGIN" not in facts and hold.startswith("BEGIN") and hold.endswith("COMMIT")


def test_the_hold_service_costs_the_same_for_one_seat_or_several(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("E-1"), "cart-0")
    db.session.commit()
    for cart, seats in (("cart-a", se.row("A")[:1]), ("cart-b", se.row("B")[:4])):
        db.session.refresh(se.event)  # the caller has its event loaded
        with round_trips() as sent:
            outcome = seating.hold_for_cart(se.event, seats, cart)
        assert [hold.seat_id for hold in outcome.holds] == seats
        assert outcome.live.cart.seat_ids == {s.id for s in outcome.live.seats} == set(seats)
        assert len(sent) <= HOLD_STATEMENTS, sent
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
