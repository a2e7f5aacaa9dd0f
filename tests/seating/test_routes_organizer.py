"""The organizer's seating tools: generate, import CSV, block and unblock seats, sales settings."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.seating import Hold, HoldStatus, Seat, TicketType
from app.services import seating


def url(world, action: str = "", event=None) -> str:
    event = event or world.event
    return f"/orgs/{event.organization.slug}/events/{event.slug}/seating{action}"


GENERATOR = {"name": "Big hall", "sections": "Left, Centre", "rows": 4, "seats_per_row": 6,
             "layout": "curved", "wheelchair_spaces": 1,
             "zones": "A-B VIP 450\nC-D Standard 120.50"}


def test_page_offers_generator_and_import_without_a_map(client_for, world):
    html = client_for("organizer").get(url(world)).get_data(as_text=True)
    assert "Generate a seat map" in html and "Import from CSV" in html


def test_generator_creates_and_attaches_the_map_with_prices(client_for, world):
    response = client_for("organizer").post(url(world, "/generate"), data=GENERATOR)
    assert response.status_code == 303
    settings = seating.event_seating(world.event)
    assert settings is not None
    assert db.session.scalar(select(func.count()).select_from(Seat)
                             .where(Seat.seat_map_id == settings.seat_map_id)) == 2 * 4 * 6
    prices = dict(db.session.execute(select(TicketType.name, TicketType.price)
                                     .where(TicketType.event_id == world.event.id)).all())
    assert {k: str(v) for k, v in prices.items()} == {"VIP": "450.00", "Standard": "120.50"}
    page = client_for("organizer").get(url(world)).get_data(as_text=True)
    assert "Big hall" in page and "<strong>48</strong> seats in 2 sections" in page


def test_generator_rejects_bad_zone_lines(client_for, world):
    response = client_for("organizer").post(url(world, "/generate"),
                                            data=dict(GENERATOR, zones="front rows VIP"))
    assert response.status_code == 422
    assert "Line 1: write rows, zone and price" in response.get_data(as_text=True)
    assert seating.event_seating(world.event) is None


def test_generator_reports_rows_without_a_zone(client_for, world):
    response = client_for("organizer").post(url(world, "/generate"),
                                            data=dict(GENERATOR, zones="A-B VIP 450"))
    assert response.status_code == 422
    assert "no zone for row C" in response.get_data(as_text=True)
    assert seating.event_seating(world.event) is None


CSV = ("section,row,number,x,y,zone,flags\n"
       "Floor,A,1,0,0,VIP,aisle\nFloor,A,2,20,0,VIP,\nFloor,B,1,0,24,Standard,wheelchair\n")


def test_csv_import_from_text_and_from_a_file(client_for, world, make_event):
    organizer = client_for("organizer")
    response = organizer.post(url(world, "/import"), data={
        "name": "Pasted", "csv_text": CSV, "prices": "VIP 300\nStandard 100"})
    assert response.status_code == 303
    assert seating.event_seating(world.event) is not None

    second = make_event(world.org)
    response = organizer.post(url(world, "/import", second), data={
        "name": "Uploaded", "csv_file": (io.BytesIO(CSV.encode()), "map.csv"),
        "prices": "VIP 300\nStandard 100"}, content_type="multipart/form-data")
    assert response.status_code == 303
    view = seating.load_seat_map(second, None)
    assert [s.label for s in view.seats if s.wheelchair] == ["B-1"]


def test_csv_import_errors_are_shown_on_the_form(client_for, world):
    response = client_for("organizer").post(url(world, "/import"), data={
        "name": "Broken", "csv_text": CSV.replace("Floor,A,2,20", "Floor,A,two,20"),
        "prices": "VIP 300\nStandard 100"})
    assert response.status_code == 422
    assert "Line 3" in response.get_data(as_text=True)
    response = client_for("organizer").post(url(world, "/import"), data={
        "name": "Unpriced", "csv_text": CSV, "prices": "VIP 300"})
    assert response.status_code == 422
    assert "Set a price for the Standard zone." in response.get_data(as_text=True)


def test_block_and_unblock_by_label(client_for, world, seat_map_event, htmx_client):
    se = seat_map_event(event=world.event)
    organizer = client_for("organizer")
    response = organizer.post(url(world, "/block"), data={"labels": "A-1, Stalls A-2",
                                                           "action": "block"})
    assert response.status_code == 303
    db.session.expire_all()
    blocked = set(db.session.scalars(select(Hold.seat_id)
                                     .where(Hold.status == HoldStatus.BLOCKED)))
    assert blocked == {se.seat("A-1"), se.seat("A-2")}
    # the public map shows them as not for sale, and refuses to hold them
    page = htmx_client.get(f"/events/{world.event.slug}/seats").get_data(as_text=True)
    assert "seat 1, VIP, ZMW100.00, not for sale" in page
    assert htmx_client.post(f"/events/{world.event.slug}/seats/{se.seat('A-1')}/hold"
                            ).status_code == 409

    response = organizer.post(url(world, "/block"), data={"labels": "A-1", "action": "unblock"})
    assert response.status_code == 303
    db.session.expire_all()
    assert set(db.session.scalars(select(Hold.seat_id))) == {se.seat("A-2")}


def test_block_names_unknown_labels_and_held_seats(client_for, world, seat_map_event, app):
    se = seat_map_event(event=world.event)
    organizer = client_for("organizer")
    response = organizer.post(url(world, "/block"), data={"labels": "Z-99, A-1",
                                                           "action": "block"})
    assert response.status_code == 422
    assert "No single seat matches: Z-99." in response.get_data(as_text=True)
    app.test_client().post(f"/events/{world.event.slug}/seats/{se.seat('A-3')}/hold")
    response = organizer.post(url(world, "/block"), data={"labels": "A-3", "action": "block"})
    assert response.status_code == 422
    assert "Seat A-3 is held or sold and cannot be blocked." in response.get_data(as_text=True)


def test_another_organizations_event_is_not_found(client_for, world):
    other = world.other_event
    organizer = client_for("organizer")
    wrong = f"/orgs/{world.org.slug}/events/{other.slug}/seating"
    assert organizer.get(wrong).status_code == 404
    assert organizer.post(wrong + "/generate", data=GENERATOR).status_code == 404
    assert organizer.get(url(world, event=other)).status_code == 404
    assert seating.event_seating(other) is None


def test_sales_settings_are_shown_saved_and_used(client_for, world, seat_map_event,
                                                 htmx_client):
    seat_map_event(event=world.event)
    organizer = client_for("organizer")
    page = organizer.get(url(world)).get_data(as_text=True)
    assert "Sales settings" in page and 'value="10"' in page
    assert "your organization&#39;s window (12 minutes)" in page or \
        "your organization's window (12 minutes)" in page

    response = organizer.post(url(world, "/settings"), data={
        "hold_minutes": "15", "max_seats_per_order": "2", "payment_minutes": "20"})
    assert response.status_code == 303
    db.session.expire_all()
    assert seating.sales_settings(world.event) == seating.SalesSettings(15, 2, 20)
    # the seat map says so, and the limit holds
    seats = htmx_client.get(f"/events/{world.event.slug}/seats").get_data(as_text=True)
    assert "Up to 2 tickets per order. Seats are held for 15 minutes." in seats
    view = seating.load_seat_map(world.event, None)
    first, second, third = (s.id for s in view.seats[:3])
    for seat_id in (first, second):
        assert htmx_client.post(f"/events/{world.event.slug}/seats/{seat_id}/hold"
                                ).status_code == 200
    refused = htmx_client.post(f"/events/{world.event.slug}/seats/{third}/hold")
    assert refused.status_code == 409

    # empty payment window: back to the organization's
    response = organizer.post(url(world, "/settings"), data={
        "hold_minutes": "15", "max_seats_per_order": "2", "payment_minutes": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert seating.sales_settings(world.event).payment_minutes is None


@pytest.mark.parametrize(("form", "message"), [
    ({"hold_minutes": "1", "max_seats_per_order": "4"}, "Seats are held for 2 to 60 minutes."),
    ({"hold_minutes": "10", "max_seats_per_order": "0"}, "An order has 1 to 50 tickets."),
    ({"hold_minutes": "10", "max_seats_per_order": "4", "payment_minutes": "500"},
     "A card payment may take 5 to 120 minutes."),
    ({"hold_minutes": "ten", "max_seats_per_order": "4"}, "Not a valid integer value."),
    ({"max_seats_per_order": "4"}, "How many minutes are seats held in a cart?"),
])
def test_sales_settings_out_of_range_are_refused_on_the_form(client_for, world,
                                                             seat_map_event, form, message):
    seat_map_event(event=world.event)
    response = client_for("organizer").post(url(world, "/settings"), data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert seating.sales_settings(world.event) == seating.SalesSettings(10, 10, None)


def test_sales_settings_need_a_seat_map(client_for, world):
    response = client_for("organizer").post(url(world, "/settings"), data={
        "hold_minutes": "10", "max_seats_per_order": "4"})
    assert response.status_code == 404
