"""The seat map page: full page and htmx fragment, accessible names, legend, seat list."""

from __future__ import annotations

import re

from app.services import seating


def test_page_renders_every_seat_with_an_accessible_name(client, seat_map_event):
    se = seat_map_event()
    response = client.get(f"/events/{se.event.slug}/seats")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    spots = re.findall(r'<use id="spot-(\d+)"[^>]*>', html)
    assert sorted(map(int, spots)) == se.seat_ids
    tag = re.search(rf'<use id="spot-{se.seat("B-3")}"[^>]*>', html).group(0)
    assert 'tabindex="0"' in tag and 'role="button"' in tag
    assert 'aria-label="Stalls, row B, seat 3, VIP, ZMW100.00, available"' in tag
    assert "<script>" not in html and 'style="' not in html and "hx-on" not in html
    assert 'src="/static/js/seatmap.js"' in html and 'src="/static/js/countdown.js"' in html


def test_htmx_request_gets_the_content_block_only(htmx_client, seat_map_event):
    se = seat_map_event()
    response = htmx_client.get(f"/events/{se.event.slug}/seats")
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<h1>Choose your seats</h1>" in html
    assert "HX-Request" in response.headers["Vary"]


def test_legend_lists_zones_with_prices_and_every_status(client, seat_map_event):
    se = seat_map_event()
    html = client.get(f"/events/{se.event.slug}/seats").get_data(as_text=True)
    legend = re.search(r'<div class="seat-legend">.*?</div>', html, re.S).group(0)
    text = re.sub(r"<[^>]+>|\s+", " ", legend)
    assert 'aria-label="Free seats, coloured by price zone"' in legend
    for words in ("VIP ZMW100.00", "Standard ZMW50.00", "Held by you",
                  "Held by someone else", "Sold", "Not for sale", "Wheelchair space"):
        assert words in re.sub(r"\s+", " ", text)


def test_statuses_differ_by_shape_not_only_colour(app, client, seat_map_event):
    se = seat_map_event(sections=[seating.SectionSpec("Floor", 3, 6, zone_for_rows="Standard",
                                                      wheelchair_spaces=1)])
    mine, theirs = se.seat("A-2"), se.seat("A-3")
    client.post(f"/events/{se.event.slug}/seats/{mine}/hold")
    app.test_client().post(f"/events/{se.event.slug}/seats/{theirs}/hold")
    html = client.get(f"/events/{se.event.slug}/seats").get_data(as_text=True)

    def tag(seat_id):
        return re.search(rf'<use id="spot-{seat_id}"[^>]*>', html).group(0)

    assert 'href="#fp-round-tick"' in tag(mine) and "held by you" in tag(mine)
    assert 'href="#fp-round"' in tag(theirs) and "held by someone else" in tag(theirs)
    wheelchair = tag(se.seat("C-1"))
    assert 'href="#fp-square"' in wheelchair and "wheelchair space" in wheelchair


def test_list_view_has_a_form_per_page_and_a_button_per_free_seat(client, seat_map_event):
    se = seat_map_event()
    html = client.get(f"/events/{se.event.slug}/seats?view=list").get_data(as_text=True)
    assert "<use id=\"spot-" not in html  # the list replaces the map
    assert html.count("<details") == 1 and "<summary>Stalls" in html and "50 free seats" in html
    buttons = re.findall(r'<button type="submit" name="seat_id" value="(\d+)" '
                         r'aria-label="Hold ([^"]+)">', html)
    assert len(buttons) == 50
    assert (str(se.seat("C-7")), "Stalls, row C, seat 7, Standard, ZMW50.00, available") \
        in buttons
    form = re.search(r'<form class="seat-list"[^>]*>', html).group(0)
    assert f'action="/events/{se.event.slug}/seats/hold?view=list"' in form
    assert f'hx-get="/events/{se.event.slug}/seats/changes?v=0&amp;view=list"' in html


def test_page_without_script_shows_the_hold_time_as_text(client, seat_map_event):
    se = seat_map_event()
    client.post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")
    html = client.get(f"/events/{se.event.slug}/seats").get_data(as_text=True)
    countdown = re.search(r'<div id="hold-countdown".*?</div>', html, re.S).group(0)
    assert re.search(r"Held for you until <time datetime=\"[^\"]+\">\d\d:\d\d</time>", countdown)
    assert re.search(r'data-clock>(9:5\d|10:00)</span> left', countdown)
    assert "data-now=" in countdown and "data-expires-at=" in countdown


def test_demo_seed_has_a_seat_map_of_1500_seats_with_three_zones(client):
    from app.extensions import db
    from app.services.demo import seed_demo

    event = seed_demo().event
    db.session.commit()
    html = client.get(f"/events/{event.slug}/seats").get_data(as_text=True)
    assert len(re.findall(r'<use id="spot-', html)) >= 1500
    assert len(re.findall(r'href="#fp-square"', html)) >= 4  # wheelchair spaces
    for zone in ("VIP", "Gold", "Standard"):
        assert f"{zone} · ZMW" in html
