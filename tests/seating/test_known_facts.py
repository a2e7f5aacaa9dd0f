"""A seat click decides on the event's facts this process read at an earlier click (its
visibility, status, seat map, limit per order and hold time), and the claim checks them
against the rows (`seating.holds._hold`). Here another process changes them between two
clicks (the writes below go straight to the database, as an organizer's would in another
worker): the next click must follow the new facts, never the remembered ones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EventStatus
from app.models.seating import Hold
from app.models.types import utcnow
from tests.statements import round_trips


def _hold(client, se, label: str):
    return client.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold")


def _holds(event_id: int) -> list[Hold]:
    db.session.expire_all()
    return db.session.scalars(select(Hold).where(Hold.event_id == event_id)).all()


def test_a_lowered_limit_per_order_applies_to_the_next_click(htmx_client, seat_map_event):
    se = seat_map_event()
    assert _hold(htmx_client, se, "A-1").status_code == 200  # the facts: 10 per order
    se.settings.max_seats_per_order = 1
    db.session.commit()
    url = f"/events/{se.event.slug}/seats/{se.seat('A-2')}/hold"
    with round_trips() as sent:
        response = htmx_client.post(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "You can hold at most 1 tickets in one order." in html
    assert "Up to 1 tickets per order." in html  # the answer shows the new setting
    assert [h.seat_id for h in _holds(se.event.id)] == [se.seat("A-1")]
    if db.engine.dialect.name == "postgresql":  # the guess, the try with the new facts,
        assert len(sent) == 3 and not sent.statements, sent  # and the refusal's states


def test_an_event_taken_off_sale_refuses_the_next_click(htmx_client, seat_map_event):
    se = seat_map_event()
    assert _hold(htmx_client, se, "A-1").status_code == 200
    se.event.status = EventStatus.DRAFT
    db.session.commit()
    assert _hold(htmx_client, se, "A-2").status_code == 404  # nobody may see it now
    se.event.status = EventStatus.CANCELLED
    db.session.commit()
    response = _hold(htmx_client, se, "A-3")
    assert response.status_code == 409
    assert "This event is cancelled" in response.get_data(as_text=True)
    assert [h.seat_id for h in _holds(se.event.id)] == [se.seat("A-1")]


def test_a_new_hold_time_applies_to_the_next_cart(app, htmx_client, seat_map_event):
    se = seat_map_event(hold_minutes=10)
    assert _hold(htmx_client, se, "A-1").status_code == 200
    se.settings.hold_minutes = 3
    db.session.commit()
    other = app.test_client()
    other.environ_base["HTTP_HX_REQUEST"] = "true"
    before = utcnow()
    response = _hold(other, se, "B-1")
    assert response.status_code == 200
    assert "Seats are held for 3 minutes." in response.get_data(as_text=True)
    new = next(h for h in _holds(se.event.id) if h.seat_id == se.seat("B-1"))
    assert new.expires_at - before < timedelta(minutes=3, seconds=5)


def test_a_slug_given_to_another_event_holds_on_that_event(htmx_client, seat_map_event):
    first, second = seat_map_event(), seat_map_event()
    slug = first.event.slug
    assert _hold(htmx_client, first, "A-1").status_code == 200  # remembers slug → first
    first.event.slug, second.event.slug = f"{slug}-old", slug
    db.session.commit()
    seat = second.seat("A-1")
    response = htmx_client.post(f"/events/{slug}/seats/{seat}/hold")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [h.seat_id for h in _holds(second.event.id)] == [seat]
    assert re.search(rf'<use id="spot-{seat}"[^>]*fp-mine', response.get_data(as_text=True))


@pytest.fixture
def trusting_claim(monkeypatch):
    """The claim with its check of the facts made always true (its parameters kept), for
    this test only: the statement is built and prepared again on fresh connections, before
    and after."""
    from sqlalchemy import literal_column, or_

    from app.services.seating import claims

    checked = claims._facts_hold
    monkeypatch.setattr(claims, "_facts_hold",
                        lambda: or_(checked(), literal_column("1") == 1))
    monkeypatch.setattr(claims.SEAT_CLAIM, "_compiled", {})
    monkeypatch.setattr(claims.SEAT_CLAIM, "_constructs", {})
    db.session.remove()
    db.engine.dispose()
    yield
    db.session.remove()
    db.engine.dispose()


@pytest.mark.parametrize("change", ["limit", "status"])
def test_without_the_check_the_remembered_facts_would_decide(trusting_claim, htmx_client,
                                                             seat_map_event, change):
    """What the check in the claim prevents: the same sequence with a claim that trusts
    the facts it is given holds the seat."""
    se = seat_map_event()
    assert _hold(htmx_client, se, "A-1").status_code == 200
    if change == "limit":
        se.settings.max_seats_per_order = 1
    else:
        se.event.status = EventStatus.DRAFT
    db.session.commit()
    assert _hold(htmx_client, se, "A-2").status_code == 200
    assert len(_holds(se.event.id)) == 2
