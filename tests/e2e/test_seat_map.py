"""The seat map in a real browser: two people on one event, keyboard only, best available,
the countdown running out, accessibility (axe) and screenshots at desktop and phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.extensions import db
from app.models.seating import Hold, HoldStatus
from app.services import seating
from tests.e2e.conftest import DESKTOP, PHONE

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def open_seats(page, se, query: str = ""):
    page.goto(f"/events/{se.event.slug}/seats{query}")
    expect(page.locator("#seat-version")).to_be_attached()
    return page


def seat(page, seat_id: int):
    return page.locator(f"#spot-{seat_id}")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} nodes"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_two_people_see_each_others_holds_live(new_page, seat_map_event, screenshot):
    se = seat_map_event()
    a, b = open_seats(new_page(), se), open_seats(new_page(), se)
    target, watched = se.seat("C-5"), se.seat("A-1")
    # B has a seat focused and the page scrolled: a live update must not move either.
    seat(b, watched).focus()
    b.mouse.wheel(0, 200)
    # Poll from here: wait_for_function evaluates a string in the page, which our own CSP
    # (no eval) refuses once it has to poll.
    for _ in range(50):
        if b.evaluate("window.scrollY") > 0:
            break
        b.wait_for_timeout(100)
    scroll = b.evaluate("window.scrollY")
    assert scroll > 0

    seat(a, target).click()
    expect(seat(a, target)).to_have_class(re.compile(r"\bfp-mine\b"))
    expect(seat(b, target)).to_have_class(re.compile(r"\bfp-held\b"), timeout=2000)
    expect(seat(b, target)).to_have_attribute("aria-label", re.compile("held by someone else"))
    assert b.evaluate("document.activeElement.id") == f"spot-{watched}"
    assert b.evaluate("window.scrollY") == scroll

    seat(a, target).click()  # release
    expect(seat(a, target)).to_have_class(re.compile(r"\bfp-available\b"))
    expect(seat(b, target)).to_have_class(re.compile(r"\bfp-available\b"), timeout=2000)
    assert b.evaluate("document.activeElement.id") == f"spot-{watched}"
    assert not a.js_errors and not b.js_errors


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_seat_taken_meanwhile_says_so_and_shows_its_state(new_page, seat_map_event,
                                                            screenshot, width):
    se = seat_map_event()
    page = open_seats(new_page(width), se)
    seat(page, se.seat("A-2")).click()  # a seat in the cart, which the refusal keeps showing
    expect(page.locator("#seat-message")).to_contain_text("Seat held.")
    target = se.seat("B-4")
    page.evaluate("document.getElementById('seat-version').remove()")  # this page stays stale
    seating.hold_seat(se.event, target, "someone-else")
    db.session.commit()

    seat(page, target).click()
    expect(page.locator("#seat-message")).to_have_text("Seat B-4 was just taken by someone else.")
    expect(seat(page, target)).to_have_class(re.compile(r"\bfp-held\b"))
    expect(page.locator("#cart-lines")).to_contain_text("A-2")
    screenshot(page, f"taken-meanwhile-{width}")


def test_keyboard_only_hold_is_announced_and_keeps_focus(new_page, seat_map_event):
    se = seat_map_event()
    page = open_seats(new_page(), se)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('fp-spot')"):
            break
    focused = page.evaluate("document.activeElement.id")
    assert focused == f"spot-{se.seat('A-1')}", "Tab should reach the first seat"
    page.keyboard.press("Enter")
    message = page.locator("#cart-panel [role=status]")
    expect(message).to_have_text(re.compile(r"^Seat held\. You hold 1 seat, total ZMW100\.00\."))
    expect(page.locator(f"#{focused}")).to_have_class(re.compile(r"\bfp-mine\b"))
    assert page.evaluate("document.activeElement.id") == focused
    expect(page.locator("#cart-lines")).to_contain_text("A-1")

    page.keyboard.press("Tab")  # on to the next seat; Space holds it too
    page.keyboard.press(" ")
    expect(message).to_have_text(re.compile(r"You hold 2 seats, total ZMW200\.00\."))
    assert page.evaluate("document.activeElement.id") == f"spot-{se.seat('A-2')}"


def test_the_carts_release_button_frees_that_seat_only(new_page, seat_map_event, screenshot):
    """Each seat's Release button in the cart submits the cart's one release form with its
    own seat."""
    se = seat_map_event()
    page = open_seats(new_page(), se)
    kept, freed = se.seat("C-4"), se.seat("C-5")
    for seat_id in (kept, freed):
        seat(page, seat_id).click()
        expect(seat(page, seat_id)).to_have_class(re.compile(r"\bfp-mine\b"))
    page.get_by_role("button", name="Release C-5").click()
    expect(page.locator("#seat-message")).to_have_text(re.compile(r"You hold 1 seat,"))
    expect(seat(page, freed)).to_have_class(re.compile(r"\bfp-available\b"))
    expect(seat(page, kept)).to_have_class(re.compile(r"\bfp-mine\b"))
    expect(page.locator("#cart-lines")).not_to_contain_text("C-5")
    page.get_by_role("button", name="Release C-4").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cart-lines")).to_contain_text("No seats yet.")
    screenshot(page, "cart-released")
    assert not page.js_errors


def test_best_available_holds_four_adjacent_seats(new_page, seat_map_event, screenshot):
    se = seat_map_event(rows=6, seats_per_row=12)
    page = open_seats(new_page(), se)
    page.get_by_label("Seats", exact=True).fill("4")
    page.get_by_label("Zone", exact=True).select_option(str(se.zones["Standard"].id))
    page.get_by_role("button", name="Find seats").click()
    expect(page.locator("#seat-message")).to_have_text("We held 4 seats together in Standard.")
    mine = page.locator(".fp-spot.fp-mine")
    expect(mine).to_have_count(4)
    labels = [mine.nth(i).get_attribute("aria-label") for i in range(4)]
    rows = {re.search(r"row (\w+)", label).group(1) for label in labels}
    numbers = sorted(int(re.search(r"seat (\d+)", label).group(1)) for label in labels)
    assert len(rows) == 1 and numbers == list(range(numbers[0], numbers[0] + 4))
    assert rows == {"C"}  # the front Standard row
    screenshot(page, "best-available")


def test_countdown_runs_out_and_releases_the_seats(app, monkeypatch, new_page, seat_map_event):
    monkeypatch.setitem(app.config, "SEAT_HOLD_SECONDS", 4)  # a test-only setting
    se = seat_map_event()
    page = open_seats(new_page(), se)
    target = se.seat("D-3")
    seat(page, target).click()
    expect(page.locator("#hold-countdown [data-clock]")).to_have_text(re.compile(r"^0:0[0-4]$"))
    expect(page.locator("#hold-countdown [data-warning]")).to_have_text(
        "Less than a minute left: your seats will be released soon.")
    expect(page.locator("#seat-message")).to_have_text(
        "Your hold expired and the seats were released.", timeout=8000)
    expect(seat(page, target)).to_have_class(re.compile(r"\bfp-available\b"))
    expect(page.locator("#cart-lines")).to_contain_text("No seats yet.")


def _busy_map(se, section=None):
    """A map with every status: someone else's holds, sold and blocked seats."""
    seating.hold_seats(se.event, [se.seat("B-4", section), se.seat("B-5", section)], "other")
    seating.block_seats(se.event, [se.seat("E-9", section), se.seat("E-10", section)], None)
    db.session.commit()
    db.session.execute(update(Hold).where(Hold.seat_id == se.seat("B-5", section))
                       .values(status=HoldStatus.SOLD, expires_at=None))
    db.session.commit()


def test_no_serious_accessibility_issues_before_and_after_a_swap(new_page, seat_map_event):
    se = seat_map_event(sections=[seating.SectionSpec(
        "Stalls", 5, 10, zone_for_rows={range(0, 2): "VIP", range(2, 5): "Standard"},
        wheelchair_spaces=1)])
    _busy_map(se)
    page = open_seats(new_page(), se)
    assert serious_violations(page) == []
    seat(page, se.seat("C-5")).click()
    expect(page.locator("#seat-message")).to_contain_text("Seat held.")
    assert serious_violations(page) == []
    page.goto(f"/events/{se.event.slug}/seats?view=list")
    assert serious_violations(page) == []


SHOWCASE = [seating.SectionSpec(name, 8, 12, curved=True, wheelchair_spaces=1,
                                zone_for_rows={range(0, 3): "VIP", range(3, 8): "Standard"})
            for name in ("Left", "Centre", "Right")]


@pytest.mark.parametrize("width", [1280, PHONE], ids=["desktop", "phone"])
def test_screenshots(new_page, seat_map_event, screenshot, width):
    se = seat_map_event(sections=SHOWCASE)
    _busy_map(se, "Centre")
    page = open_seats(new_page(width), se)
    seat(page, se.seat("C-6", "Centre")).click()
    expect(page.locator("#seat-message")).to_contain_text("Seat held.")
    screenshot(page, f"seat-map-{width}")
    page.goto(f"/events/{se.event.slug}/seats?view=list")
    screenshot(page, f"seat-list-{width}")
    assert not page.js_errors


@pytest.mark.parametrize("width", [1280, PHONE])
def test_a_cancelled_event_says_so_and_holds_nothing(new_page, seat_map_event, screenshot,
                                                    width):
    from app.models.events import EventStatus

    se = seat_map_event()
    se.event.status = EventStatus.CANCELLED
    db.session.commit()
    page = open_seats(new_page(width), se)
    expect(page.get_by_role("alert")).to_contain_text("This event has been cancelled.")
    seat(page, se.seat("C-5")).click()
    expect(page.locator("#seat-message")).to_contain_text("its seats are not on sale")
    expect(seat(page, se.seat("C-5"))).to_have_class(re.compile(r"\bfp-available\b"))
    screenshot(page, f"cancelled-{width}")
    # htmx logs the refusal's status (409) itself; nothing else may go wrong
    assert [e for e in page.js_errors if "Response Status Error Code 409" not in e] == []
