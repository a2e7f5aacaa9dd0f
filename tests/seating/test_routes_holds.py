"""Holding and releasing seats through the page: plain forms (303) and htmx (fragments)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.seating import Hold
from app.services import seating


def spot(html: str, seat_id: int) -> str:
    """The <use> element of one seat in an answer."""
    found = re.search(rf'<use id="spot-{seat_id}"[^>]*>', html)
    assert found, f"seat {seat_id} is not in the answer"
    return found.group(0)


def cart_of(client) -> str:
    with client.session_transaction() as session:
        return session["cart_id"]


def holders(event_id: int) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(
        select(Hold.seat_id, Hold.cart_id).where(Hold.event_id == event_id)).all())


def test_plain_form_hold_redirects_back_and_the_seat_is_mine(client, seat_map_event):
    se = seat_map_event()
    seat = se.seat("C-4")
    response = client.post(f"/events/{se.event.slug}/seats/hold?view=list",
                           data={"seat_id": seat})
    assert response.status_code == 303
    assert response.location.endswith(f"/events/{se.event.slug}/seats?view=list"
                                      f"#seat-item-{seat}")
    assert holders(se.event.id) == {seat: cart_of(client)}

    page = client.get(f"/events/{se.event.slug}/seats?view=list").get_data(as_text=True)
    assert "Seat held. You hold 1 seat, total ZMW50.00." in page  # the flash
    item = re.search(rf'<li id="seat-item-{seat}"[^>]*>.*?</li>', page, re.S).group(0)
    assert 'class="zc1 mine"' in item and "Release Stalls, row C, seat 4" in item


def test_htmx_hold_answers_message_seat_and_cart_out_of_band(htmx_client, seat_map_event):
    se = seat_map_event()
    seat = se.seat("A-5")
    response = htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # main part: the message for the live region
    assert html.startswith('<span class="msg-ok">Seat held. You hold 1 seat, total ZMW100.00.')
    # the seat, parsed as SVG inside a template, swapped by id
    assert re.search(r"<template><svg>.*</svg></template>", html, re.S)
    tag = spot(html, seat)
    assert 'hx-swap-oob="true"' in tag and "fp-mine" in tag and 'href="#fp-round-tick"' in tag
    assert "held by you" in tag
    # cart lines and countdown out of band
    assert re.search(r'<div id="cart-lines" hx-swap-oob="true">.*A-5.*ZMW100.00', html, re.S)
    countdown = re.search(r'<div id="hold-countdown"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in countdown and "data-expires-at=" in countdown
    assert f"seat={seat}" in countdown  # the countdown asks about these seats at zero


def test_htmx_release_frees_the_seat(htmx_client, seat_map_event):
    se = seat_map_event()
    seat = se.seat("A-5")
    htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    response = htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/release")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Seat released. You hold no seats now." in html
    assert "fp-available" in spot(html, seat)
    assert holders(se.event.id) == {}
    assert '<div id="hold-countdown" class="countdown" hx-swap-oob="true"></div>' in html


def test_seat_someone_else_took_says_so_and_shows_its_true_state(app, htmx_client,
                                                                 seat_map_event):
    se = seat_map_event()
    seat = se.seat("B-2")
    other = app.test_client()
    other.environ_base["HTTP_HX_REQUEST"] = "true"
    assert other.post(f"/events/{se.event.slug}/seats/{seat}/hold").status_code == 200

    response = htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert '<span class="msg-error">Seat B-2 was just taken by someone else.</span>' in html
    tag = spot(html, seat)
    assert "fp-held" in tag and "held by someone else" in tag and 'aria-disabled="true"' in tag
    assert holders(se.event.id) == {seat: cart_of(other)}


def test_plain_form_on_a_taken_seat_flashes_the_reason(app, client, seat_map_event):
    se = seat_map_event()
    seat = se.seat("B-2")
    app.test_client().post(f"/events/{se.event.slug}/seats/{seat}/hold")
    response = client.post(f"/events/{se.event.slug}/seats/{seat}/hold",
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Seat B-2 was just taken by someone else." in response.get_data(as_text=True)


def test_the_limit_per_order_is_shown_in_the_message(htmx_client, seat_map_event):
    se = seat_map_event(max_seats_per_order=2)
    a, b, c = se.row("D")[:3]
    for seat in (a, b):
        assert htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold").status_code == 200
    response = htmx_client.post(f"/events/{se.event.slug}/seats/{c}/hold")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "You can hold at most 2 tickets in one order." in html
    assert "fp-available" in spot(html, c)
    assert len(holders(se.event.id)) == 2


def test_release_all_frees_every_seat_of_the_cart(htmx_client, seat_map_event):
    se = seat_map_event()
    seats = se.row("E")[:3]
    for seat in seats:
        htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    response = htmx_client.post(f"/events/{se.event.slug}/seats/release-all")
    html = response.get_data(as_text=True)
    assert "All your seats were released." in html
    assert all("fp-available" in spot(html, seat) for seat in seats)
    assert holders(se.event.id) == {}


def test_logged_in_holds_are_tied_to_the_user(login_as, make_user, seat_map_event):
    se = seat_map_event()
    user = make_user()
    client = login_as(user, htmx=True)
    seat = se.seat("A-1")
    client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    db.session.expire_all()
    assert db.session.scalar(select(Hold.user_id).where(Hold.seat_id == seat)) == user.id


def test_unknown_seat_is_refused_clearly(htmx_client, seat_map_event):
    se = seat_map_event()
    other = seat_map_event()
    stranger = other.seat("A-1")
    response = htmx_client.post(f"/events/{se.event.slug}/seats/{stranger}/hold")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "not on this event" in html
    assert f'id="spot-{stranger}"' not in html  # another map's seat is not drawn here


def test_event_without_seat_map_or_draft_is_not_found(client, make_event, seat_map_event):
    from app.models import EventStatus

    plain = make_event()
    assert client.get(f"/events/{plain.slug}/seats").status_code == 404
    draft = seat_map_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{draft.event.slug}/seats").status_code == 404
    assert client.post(f"/events/{draft.event.slug}/seats/hold",
                       data={"seat_id": draft.seat("A-1")}).status_code == 404
    assert seating.cart_summary(draft.event, None).empty


def test_a_seat_id_past_the_database_range_is_not_found(htmx_client, seat_map_event):
    """`<int:…>` in every route stops at the database's integer range: 404, not a query
    PostgreSQL refuses (a 500) or a search SQLite would run."""
    se = seat_map_event()
    base = f"/events/{se.event.slug}/seats"
    assert htmx_client.post(f"{base}/{2**31}/hold").status_code == 404
    assert htmx_client.post(f"{base}/{2**31 - 1}/hold").status_code == 409  # in range: refused


def test_a_cancelled_event_sells_no_seats(htmx_client, seat_map_event):
    """Its page stays up and says so, but holds are refused with a message: nothing is
    held, and the seat maps hear of no change."""
    from app.models.events import EventStatus

    se = seat_map_event(general_admission={"Standing": 10})
    version = seating.current_version(se.event.id)
    se.event.status = EventStatus.CANCELLED
    db.session.commit()
    page = htmx_client.get(f"/events/{se.event.slug}/seats", headers={"HX-Request": ""})
    assert "This event has been cancelled." in page.get_data(as_text=True)
    response = htmx_client.post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")
    assert response.status_code == 409
    assert "This event is cancelled: its seats are not on sale." in response.get_data(True)
    standing = se.ticket_types["Standing"].id
    response = htmx_client.post(f"/events/{se.event.slug}/seats/general/{standing}/hold",
                                data={f"ga{standing}-quantity": "2"})
    assert response.status_code == 409 and "cancelled" in response.get_data(as_text=True)
    assert holders(se.event.id) == {} and seating.current_version(se.event.id) == version
