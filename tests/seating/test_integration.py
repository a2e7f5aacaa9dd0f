"""Seating where it meets the rest of the app: login keeps the cart, links from the event
pages, general admission on the seat page, the test-only hold time, seats of one map only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.seating import Hold
from app.models.types import utcnow
from app.services import seating


@pytest.fixture
def hold_seconds(app):
    saved = app.config.get("SEAT_HOLD_SECONDS")
    app.config["SEAT_HOLD_SECONDS"] = 3
    yield
    app.config["SEAT_HOLD_SECONDS"] = saved
    app.config["TESTING"] = True


def test_a_test_setting_shortens_the_hold_time_only_when_testing(app, hold_seconds,
                                                                  seat_map_event):
    se = seat_map_event(hold_minutes=10)
    start = utcnow()
    hold = seating.hold_seat(se.event, se.seat("A-1"), "cart-a", now=start)
    assert hold.expires_at == start + timedelta(seconds=3)
    app.config["TESTING"] = False  # a production app ignores it
    other = seating.hold_seat(se.event, se.seat("A-2"), "cart-b", now=start)
    assert other.expires_at == start + timedelta(minutes=10)


def test_seat_views_leave_out_seats_of_other_maps(seat_map_event):
    se, other = seat_map_event(), seat_map_event()
    seats = seating.seat_views(se.event, [se.seat("A-1"), other.seat("A-2")], None)
    assert [seat.id for seat in seats] == [se.seat("A-1")]


def test_logging_in_keeps_the_cart_and_makes_its_holds_yours(client, make_user, password,
                                                             seat_map_event):
    se = seat_map_event()
    user = make_user(password=password)
    seat = se.seat("B-3")
    assert client.post(f"/events/{se.event.slug}/seats/{seat}/hold").status_code == 303
    with client.session_transaction() as session:
        cart = session["cart_id"]
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session["cart_id"] == cart
        assert session.get("_user_id")
    db.session.expire_all()
    assert db.session.execute(select(Hold.cart_id, Hold.user_id).where(Hold.seat_id == seat)
                              ).one() == (cart, user.id)
    page = client.get(f"/events/{se.event.slug}/seats").get_data(as_text=True)
    assert "B-3" in re.search(r'<div id="cart-lines".*?</div>', page, re.S).group(0)


def test_the_event_page_offers_seats_only_when_the_event_has_a_map(client, make_event,
                                                                   seat_map_event):
    se, plain = seat_map_event(), make_event()
    seated = client.get(f"/events/{se.event.slug}").get_data(as_text=True)
    assert f'href="/events/{se.event.slug}/seats">Choose seats</a>' in seated
    assert "Choose seats" not in client.get(f"/events/{plain.slug}").get_data(as_text=True)


def test_the_organizers_event_page_links_to_seating(client_for, world):
    event = world.event
    html = client_for("organizer").get(f"/orgs/{world.org.slug}/events/{event.slug}"
                                       ).get_data(as_text=True)
    assert f'href="/orgs/{world.org.slug}/events/{event.slug}/seating">Seating</a>' in html


def _places_left(html: str) -> str:
    return re.search(r"(\d+ of \d+) places left", html).group(1)


def test_general_admission_places_are_held_from_the_seat_page(htmx_client, seat_map_event):
    se = seat_map_event(general_admission={"Standing": 5})
    standing = se.ticket_types["Standing"].id
    page = htmx_client.get(f"/events/{se.event.slug}/seats",
                           headers={"HX-Request": "false"}).get_data(as_text=True)
    assert _places_left(page) == "5 of 5"
    url = f"/events/{se.event.slug}/seats/general/{standing}/hold"
    assert f'action="{url}"' in page and 'name="ga' in page

    response = htmx_client.post(url, data={f"ga{standing}-quantity": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith('<span class="msg-ok">3 Standing places held. You hold 3 seats')
    assert '<div id="general-admission" hx-swap-oob="true">' in html
    assert _places_left(html) == "2 of 5"
    assert re.search(r'<div id="cart-lines" hx-swap-oob="true">.*Standing.*× 3', html, re.S)

    refused = htmx_client.post(url, data={f"ga{standing}-quantity": "3"})
    assert refused.status_code == 409
    assert "Only 2 Standing places are left." in refused.get_data(as_text=True)
    invalid = htmx_client.post(url, data={f"ga{standing}-quantity": "0"})
    assert invalid.status_code == 422
    assert "Choose between 1 and 50 places." in invalid.get_data(as_text=True)

    released = htmx_client.post(f"/events/{se.event.slug}/seats/general/{standing}/release")
    assert "Standing places released. You hold no seats now." in released.get_data(True)
    assert seating.cart_summary(se.event, _cart(htmx_client)).empty


def test_general_admission_of_another_event_is_not_found(htmx_client, seat_map_event):
    se = seat_map_event()
    other = seat_map_event(general_admission={"Standing": 5})
    standing = other.ticket_types["Standing"].id
    response = htmx_client.post(f"/events/{se.event.slug}/seats/general/{standing}/hold",
                                data={f"ga{standing}-quantity": "1"})
    assert response.status_code == 404


def _cart(client) -> str:
    with client.session_transaction() as session:
        return session["cart_id"]
