"""Gate staff at phone width: a valid code, the same code again, then a scan while the
network is down, uploaded when it is back and shown on the organizer's check-in screen; and a
vendor's pass, online and offline."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Role
from app.models.checkin import CheckIn, CredentialKind, EventGateAssignment, ScanResult
from app.models.types import utcnow
from app.services.vendors import passes
from tests.checkin.conftest import tickets_of
from tests.e2e.conftest import PHONE
from tests.tickets.conftest import Holder, make_order  # noqa: F401 (a shared fixture)
from tests.vendors.conftest import market  # noqa: F401 (a shared fixture)
from tests.vendors.test_passes import assigned


def _scan(page, code: str) -> str:
    page.fill("#code", code)
    page.press("#code", "Enter")
    expect(page.locator("#code")).to_have_value("")  # cleared once the verdict is shown
    expect(page.locator("#code")).to_be_focused()
    return page.locator("#verdict .verdict-label").inner_text()


def test_gate_staff_scans_online_then_offline(make_order, make_user, make_member,  # noqa: F811
                                              new_page, login_page, screenshot):
    order = make_order(seats=2, starts_in_days=0, holders=[
        Holder("Ada Lovelace", "ada@example.test"), Holder("Grace Hopper", "grace@example.test")])
    first, second = tickets_of(order)
    event = first.event
    gate_user = make_user(name="Gail Gate")
    make_member(gate_user, event.organization, Role.GATE)
    organizer = make_user(name="Olive Organizer")
    make_member(organizer, event.organization, Role.OWNER)

    page = new_page(PHONE, 844)
    login_page(page, gate_user)
    page.goto(f"/checkin/{event.slug}")
    page.locator("summary").click()
    page.fill("#gate", "Gate 2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#scanner[data-kit='ready']")
    screenshot(page, "1-ready")

    page.locator("#code").press_sequentially(first.qr_payload)  # a keyboard-wedge scanner
    page.press("#code", "Enter")
    page.wait_for_selector("#verdict.verdict-valid")
    assert page.locator("#verdict .verdict-label").inner_text() == "VALID"
    assert "Ada Lovelace" in page.locator("#verdict").inner_text()
    expect(page.locator(".counts-total")).to_contain_text("1 in of 2")
    screenshot(page, "2-valid")

    assert _scan(page, first.qr_payload) == "ALREADY IN"
    assert "by Gate 2" in page.locator("#verdict").inner_text()
    screenshot(page, "3-already-in")

    page.context.set_offline(True)
    page.wait_for_selector(".net-offline")
    assert _scan(page, second.qr_payload) == "VALID"
    verdict = page.locator("#verdict").inner_text()
    assert "Grace Hopper" in verdict and "offline" in verdict
    assert "1 scan waiting" in page.locator("#offline-queue").inner_text()
    screenshot(page, "4-offline-valid")
    assert _scan(page, second.qr_payload) == "ALREADY IN"  # the phone remembers its entries

    page.context.set_offline(False)
    page.wait_for_selector("#offline-queue:has-text('Uploaded')")
    screenshot(page, "5-back-online")
    assert page.js_errors == []

    helper = make_user(name="Hal Helper")
    db.session.add(EventGateAssignment(event_id=event.id, user_id=helper.id))
    db.session.commit()
    desk = new_page(PHONE, 844)
    login_page(desk, organizer)
    desk.goto(f"/orgs/{event.organization.slug}/events/{event.slug}/checkin")
    recent = desk.locator("#recent-scans").inner_text()
    assert "Grace Hopper" in recent and "offline" in recent
    assert "Ada Lovelace" in recent
    screenshot(desk, "6-organizer")
    desk.get_by_role("button", name="Remove Hal Helper from this event's gate staff").click()
    expect(desk.get_by_text("Hal Helper can no longer scan at this event's gates.")
           ).to_be_visible()
    assert desk.js_errors == []


def test_a_vendor_pass_admits_online_and_offline(market, new_page, login_page,  # noqa: F811
                                                 screenshot):
    application = assigned(market, booth_index=1)
    event = market.event  # load-in is on: the event runs today
    event.starts_at = utcnow() - timedelta(hours=1)
    event.ends_at = utcnow() + timedelta(hours=5)
    db.session.commit()
    code = passes.vendor_code(application)
    booth = f"Booth {application.booth.label}"

    page = new_page(PHONE, 844)
    login_page(page, market.world.users["gate"])
    page.goto(f"/checkin/{event.slug}")
    page.wait_for_selector("#scanner[data-kit='ready']")
    expect(page.locator("#net-status")).to_contain_text("offline data ready (0 tickets, 1 vendor)")
    assert _scan(page, code) == "VALID"
    assert "Bao Stand" in page.locator("#verdict").inner_text()
    assert f"Vendor pass · {booth}" in page.locator("#verdict").inner_text()
    screenshot(page, "vendor-online-valid")

    page.context.set_offline(True)
    page.wait_for_selector(".net-offline")
    assert _scan(page, code) == "VALID"  # vendors come and go: no ALREADY IN
    verdict = page.locator("#verdict").inner_text()
    assert "Bao Stand" in verdict and f"Vendor pass · {booth}" in verdict and "offline" in verdict
    screenshot(page, "vendor-offline-valid")
    assert _scan(page, code[:10] + ("A" if code[10] != "A" else "B") + code[11:]) == "UNKNOWN"
    assert "Not a valid vendor pass" in page.locator("#verdict").inner_text()

    page.context.set_offline(False)
    page.wait_for_selector("#offline-queue:has-text('Uploaded')")
    expect(page.locator(".counts-total")).to_have_text("0 in of 0 tickets · 2 vendor passes let in")
    screenshot(page, "vendor-counts")
    assert page.js_errors == []
    desk = new_page(PHONE, 844)
    login_page(desk, market.organizer)
    desk.goto(f"/orgs/{market.org.slug}/events/{event.slug}/checkin")
    expect(desk.locator(".stat-row")).to_contain_text("2 vendor passes let in")
    assert "Vendor pass" in desk.locator("#recent-scans").inner_text()
    screenshot(desk, "vendor-organizer")
    assert desk.js_errors == []
    kinds = db.session.execute(select(CheckIn.credential_kind, CheckIn.result)
                               .order_by(CheckIn.id)).all()
    assert kinds == [(CredentialKind.VENDOR, ScanResult.VALID)] * 2 + [
        (CredentialKind.VENDOR, ScanResult.UNKNOWN)]
