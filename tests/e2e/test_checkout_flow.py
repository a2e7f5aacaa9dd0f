"""Buying in a real browser: seats → checkout → sandbox card → the order page (paid on
arrival with a 4242 card, turning paid by itself with the delayed 9995); and the manual
path: a reference sent, an organizer approves in another browser, the buyer's page turns
paid. Screenshots at desktop and phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role
from app.models.orders import OrganizationPaymentSettings
from tests.e2e.conftest import DESKTOP, PHONE


@pytest.fixture
def shop(seat_map_event, make_user, make_member):
    """A seated event whose organization takes cards and bank transfers, a buyer and an
    organizer."""
    seated = seat_map_event()
    org = seated.event.organization
    db.session.add(OrganizationPaymentSettings(
        organization_id=org.id, bank_instructions="Zanaco · account 0123456789 · Lusaka",
        mobile_money_instructions="MTN MoMo 096 000 0000 (Main Stage Ltd)"))
    organizer = make_user(name="Olive Organizer")
    make_member(organizer, org, Role.OWNER)
    db.session.commit()
    return seated, make_user(name="Bea Buyer"), organizer


def hold_and_check_out(page, seated, *labels: str) -> None:
    page.goto(f"/events/{seated.event.slug}/seats")
    for label in labels:
        spot = page.locator(f"#spot-{seated.seat(label)}")
        spot.click()
        expect(spot).to_have_class(re.compile(r"\bfp-mine\b"))
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()


@pytest.mark.parametrize(("width", "card"), [(DESKTOP, "4000 0000 0000 9995"),
                                             (PHONE, "4242 4242 4242 4242")])
def test_card_payment_turns_the_order_paid_by_itself(app, new_page, login_page, shop,
                                                     screenshot, width, card):
    seated, buyer, _ = shop
    app.config["SANDBOX_DELAY_SECONDS"] = 1.5
    try:
        page = new_page(width)
        login_page(page, buyer)
        hold_and_check_out(page, seated, "A-4", "A-5")
        page.get_by_label("Attendee name").nth(1).fill("Sam Second")
        page.get_by_label("Attendee email").nth(1).fill("sam@example.com")
        page.get_by_label("Wheelchair space").first.check()
        page.get_by_label("Card").check()
        screenshot(page, f"checkout-{width}")
        page.get_by_role("button", name="Place order and pay").click()

        expect(page.get_by_text("Sandbox Pay")).to_be_visible()
        page.get_by_label("Card number").fill(card)
        page.get_by_label("Expiry (MM/YY)").fill("12/34")
        page.get_by_label("Security code").fill("123")
        screenshot(page, f"gateway-{width}")
        page.get_by_role("button", name=re.compile(r"^Pay ")).click()

        expect(page).to_have_url(re.compile(r"/orders/[A-Z2-9]{8}$"))
        status = page.locator("#order-status")
        if "9995" in card:
            expect(status).to_contain_text("Confirming your payment")
            screenshot(page, f"order-processing-{width}")
        expect(status).to_contain_text("Paid", timeout=8000)
        expect(page.get_by_text("Sam Second")).to_be_visible()
        screenshot(page, f"order-paid-{width}")
        assert not page.js_errors
    finally:
        app.config["SANDBOX_DELAY_SECONDS"] = 20


def test_manual_payment_approved_by_the_organizer(new_page, login_page, shop, screenshot):
    seated, buyer, organizer = shop
    page = new_page(PHONE)
    login_page(page, buyer)
    hold_and_check_out(page, seated, "C-3")
    page.get_by_label("Bank transfer or mobile money").check()
    page.get_by_role("button", name="Place order and pay").click()

    status = page.locator("#order-status")
    expect(status).to_contain_text("Zanaco · account 0123456789")
    screenshot(page, "manual-instructions-390")
    page.get_by_label("Mobile money").check()
    page.get_by_label("Transaction reference").fill("MP240611.1234.C98765")
    page.get_by_role("button", name="Send payment details").click()
    expect(status).to_contain_text("Waiting for the organizer")
    code = page.url.rsplit("/", 1)[-1]

    staff = new_page(DESKTOP)
    login_page(staff, organizer)
    staff.goto(f"/orgs/{seated.event.organization.slug}/payments")
    row = staff.locator(f"#pay-{code}")
    expect(row).to_contain_text("MP240611.1234.C98765")
    screenshot(staff, "queue-1280")
    row.get_by_role("button", name="Approve").click()
    expect(staff.locator(f"#pay-{code}")).to_contain_text("approved")
    screenshot(staff, "queue-approved-1280")

    expect(status).to_contain_text("Paid", timeout=10000)
    screenshot(page, "manual-paid-390")
    assert not page.js_errors and not staff.js_errors
