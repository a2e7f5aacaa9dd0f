"""Live updates (polling), best available and the countdown's cart refresh."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import time_machine

from app.models.types import utcnow


def version_of(html: str) -> int:
    return int(re.search(r'id="seat-version" data-version="(\d+)"', html).group(1))


def spots(html: str) -> dict[int, str]:
    return {int(i): tag for i, tag in
            ((m.group(1), m.group(0)) for m in re.finditer(r'<use id="spot-(\d+)"[^>]*>', html))}


def test_unchanged_poll_is_204(client, seat_map_event):
    se = seat_map_event()
    page = client.get(f"/events/{se.event.slug}/seats").get_data(as_text=True)
    version = version_of(page)
    response = client.get(f"/events/{se.event.slug}/seats/changes?v={version}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "HX-Request" in response.headers["Vary"]


def test_changed_poll_sends_only_the_changed_seats_and_the_new_version(app, htmx_client,
                                                                       seat_map_event):
    se = seat_map_event()
    version = version_of(htmx_client.get(f"/events/{se.event.slug}/seats").get_data(True))
    other = app.test_client()
    taken = [se.seat("C-5"), se.seat("C-6")]
    for seat in taken:
        other.post(f"/events/{se.event.slug}/seats/{seat}/hold")

    response = htmx_client.get(f"/events/{se.event.slug}/seats/changes?v={version}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    new_version = version_of(html)
    assert new_version > version
    assert f"changes?v={new_version}" in html and 'hx-trigger="every 1s"' in html
    changed = spots(html)
    assert sorted(changed) == sorted(taken)
    assert all("fp-held" in tag and 'hx-swap-oob="true"' in tag for tag in changed.values())
    # the next poll from the new version: nothing
    assert htmx_client.get(f"/events/{se.event.slug}/seats/changes?v={new_version}"
                           ).status_code == 204


def test_poll_in_list_view_sends_list_items(app, htmx_client, seat_map_event):
    se = seat_map_event()
    app.test_client().post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")
    html = htmx_client.get(f"/events/{se.event.slug}/seats/changes?v=0&view=list"
                           ).get_data(as_text=True)
    assert f'<li id="seat-item-{se.seat("A-1")}" class="zc0" hidden hx-swap-oob="true">' in html
    assert "<use" not in html


def test_poll_needs_a_version_and_a_visible_event(client, seat_map_event):
    se = seat_map_event()
    assert client.get(f"/events/{se.event.slug}/seats/changes").status_code == 400
    assert client.get("/events/nope/seats/changes?v=0").status_code == 404


def test_expired_holds_show_as_free_on_the_next_poll(app, htmx_client, seat_map_event):
    se = seat_map_event(hold_minutes=1)
    seat = se.seat("B-5")
    app.test_client().post(f"/events/{se.event.slug}/seats/{seat}/hold")
    version = version_of(htmx_client.get(f"/events/{se.event.slug}/seats").get_data(True))
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        html = htmx_client.get(f"/events/{se.event.slug}/seats/changes?v={version}"
                               ).get_data(as_text=True)
    assert "fp-available" in spots(html)[seat]


def test_best_available_holds_seats_together_and_highlights_them(htmx_client,
                                                                 seat_map_event):
    se = seat_map_event()
    vip = se.zones["VIP"].id
    response = htmx_client.post(f"/events/{se.event.slug}/seats/best",
                                data={"count": 4, "zone": vip})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form id=\"best-form\"")
    assert '<div id="seat-message" class="seat-message" role="status" hx-swap-oob="innerHTML">' \
           '<span class="msg-ok">We held 4 seats together in VIP.</span>' in html
    held = spots(html)
    assert len(held) == 4 and all("fp-mine fp-c0 fp-picked" in t for t in held.values())
    row_a = se.row("A")
    assert sorted(held) == sorted(row_a[3:7])  # the middle of the front row


def test_best_available_says_when_seats_are_not_together(app, htmx_client, seat_map_event):
    se = seat_map_event(rows=2, seats_per_row=4, prices=None)
    other = app.test_client()
    for label in ("A-3", "B-2"):  # leaves and B-1,B-3,B-4
        other.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold")
    response = htmx_client.post(f"/events/{se.event.slug}/seats/best", data={"count": 4})
    html = response.get_data(as_text=True)
    assert "No 4 seats together; we held the best 2 + 2." in html
    assert len(spots(html)) == 4


def test_best_available_errors_stay_in_the_form(htmx_client, seat_map_event):
    se = seat_map_event(max_seats_per_order=3)
    response = htmx_client.post(f"/events/{se.event.slug}/seats/best", data={"count": 0})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose between 1 and 50 seats." in html and 'aria-invalid="true"' in html
    response = htmx_client.post(f"/events/{se.event.slug}/seats/best", data={"count": 5})
    assert response.status_code == 409
    assert "You can hold at most 3 tickets in one order." in response.get_data(as_text=True)


def test_best_available_plain_form_redirects_and_invalid_rerenders(client, seat_map_event):
    se = seat_map_event()
    response = client.post(f"/events/{se.event.slug}/seats/best", data={"count": 2})
    assert response.status_code == 303
    response = client.post(f"/events/{se.event.slug}/seats/best", data={"count": "x"})
    assert response.status_code == 422
    assert "<h1>Choose your seats</h1>" in response.get_data(as_text=True)


def test_cart_refresh_after_expiry_says_seats_were_released(htmx_client, seat_map_event):
    """The countdown asks at zero for the URL the last answer gave it, naming every seat."""
    se = seat_map_event(hold_minutes=1)
    seats = [se.seat("D-1"), se.seat("D-2")]
    for seat in seats:
        answer = htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    refresh = html_lib.unescape(re.search(r'data-refresh-url="([^"]+)"',
                                          answer.get_data(as_text=True)).group(1))
    assert refresh.startswith(f"/events/{se.event.slug}/seats/cart?")
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        response = htmx_client.get(refresh)
    html = response.get_data(as_text=True)
    assert html.startswith('<span class="msg-ok">Your hold expired and the seats were released.')
    assert all("fp-available" in spots(html)[seat] for seat in seats)
    assert "No seats yet." in html


def test_cart_refresh_before_expiry_does_not_claim_release(htmx_client, seat_map_event):
    se = seat_map_event()
    seat = se.seat("D-1")
    htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    html = htmx_client.get(f"/events/{se.event.slug}/seats/cart?seat={seat}&expired=1"
                           ).get_data(as_text=True)
    assert "the seats were released" not in html and "fp-mine" in spots(html)[seat]


def test_numbers_past_the_database_range_are_refused_not_errors(htmx_client, seat_map_event):
    """PostgreSQL refuses an integer past its range in a query: such a seat id or version
    stops at the route (the seat is not listed, the poll is a bad request)."""
    se = seat_map_event()
    beyond = 2**31
    page = f"/events/{se.event.slug}/seats"
    cart = htmx_client.get(f"{page}/cart?seat={beyond}&seat={se.seat('A-1')}")
    assert cart.status_code == 200 and "No seats yet" in cart.get_data(as_text=True)
    assert htmx_client.get(f"{page}/changes?v={beyond}").status_code == 400
    for action in ("hold", "release"):
        assert htmx_client.post(f"{page}/{action}", data={"seat_id": beyond}).status_code == 400
    assert htmx_client.post(f"{page}/hold", data={"seat_id": se.seat("A-1")}).status_code == 200
