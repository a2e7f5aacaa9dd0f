"""An organizer sets an event's sales settings in a real browser: a value out of range is
refused on the form, a good one is saved and shown on the public seat map. Screenshots at
desktop and phone width."""

from __future__ import annotations

from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import DESKTOP, PHONE


def test_organizer_sets_hold_time_limit_and_payment_window(new_page, login_page, make_user,
                                                           make_member, seat_map_event,
                                                           screenshot):
    se = seat_map_event()
    organizer = make_user(name="Olive Organizer")
    make_member(organizer, se.event.organization, Role.OWNER)
    manage = f"/orgs/{se.event.organization.slug}/events/{se.event.slug}/seating"

    for width, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(width, 900)
        login_page(page, organizer)
        page.goto(manage)
        page.fill("#hold_minutes", "90")
        page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_text("Seats are held for 2 to 60 minutes.")).to_be_visible()
        screenshot(page, f"1-refused-{name}")

        page.fill("#hold_minutes", "15")
        page.fill("#max_seats_per_order", "4")
        page.fill("#payment_minutes", "20")
        page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_text("Sales settings saved.")).to_be_visible()
        expect(page.locator("#payment_minutes")).to_have_value("20")
        screenshot(page, f"2-saved-{name}")
        assert page.js_errors == []

    public = new_page(PHONE, 844)
    public.goto(f"/events/{se.event.slug}/seats")
    expect(public.get_by_text("Up to 4 tickets per order. Seats are held for 15 minutes.")
           ).to_be_visible()
