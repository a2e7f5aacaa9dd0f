"""A vendor's whole path in a real browser: fill the profile and upload a document, apply by
picking booths on the floor plan (one by mouse, one by keyboard), submit; an organizer in
another browser reviews in the side panel and approves; the vendor pays with the sandbox
card; the vendor pass PDF downloads and its QR decodes to a code whose signature verifies.
Screenshots at desktop and phone width, the pass rendered to PNG as well."""

from __future__ import annotations

import re
import struct
import zlib
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models.vendors import BoothApplication
from app.services.vendors import floorplan, passes
from tests.e2e.conftest import DESKTOP, PHONE
from tests.tickets.conftest import decode_qr_codes, pdf_pages_png, pdf_text
from tests.vendors.conftest import Market


def tiny_png() -> bytes:
    """A valid 8 × 8 grey PNG (a logo)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def fair(make_user, make_org, make_event):
    organizer = make_user(name="Olive Organizer")
    org = make_org(owner=organizer, name="Riverside Markets")
    event = make_event(org, title="Riverside Night Market")
    market = Market(SimpleNamespace(event=event, org=org, users={"organizer": organizer}),
                    make_user)
    floorplan.add_question(event, "text", "Do you bring your own gazebo?", "", True)
    db.session.commit()
    return SimpleNamespace(event=event, org=org, organizer=organizer, booths=market.booths,
                           vendor=make_user(name="Vic Vendor"))


def both_widths(page, screenshot, name: str) -> None:
    """Screenshots of the page at desktop and at phone width (then back to desktop)."""
    screenshot(page, f"{name}-{DESKTOP}")
    page.set_viewport_size({"width": PHONE, "height": 844})
    screenshot(page, f"{name}-{PHONE}")
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def fill_profile(page) -> None:
    page.goto("/vendor/profile")
    page.get_by_label("Business name").fill("Bao & Tea Stand")
    page.get_by_label("Category").select_option(label="Food")
    page.get_by_label("What your business does").fill("Steamed buns and jasmine tea.")
    page.get_by_label("Contact person").fill("Vic Vendor")
    page.get_by_label("Phone").fill("+260 97 000 0000")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    page.get_by_label("Document type").select_option(label="Logo")
    page.get_by_label(re.compile(r"^File")).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": tiny_png()}])
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Document uploaded.")).to_be_visible()
    expect(page.get_by_text("logo.png")).to_be_visible()


def apply_on_the_plan(page, fair, screenshot) -> None:
    page.goto(f"/events/{fair.event.slug}/booths")
    page.get_by_label("Booth type", exact=True).select_option(label="Food")
    second, third = (page.locator(f"#spot-{b.id}") for b in fair.booths[1:3])
    second.click()
    expect(page.locator(f"#spot-{fair.booths[1].id}")).to_have_class(
        re.compile(r"fp-booth-picked"))
    page.locator(f"#spot-{fair.booths[2].id}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#spot-{fair.booths[2].id}")).to_have_class(
        re.compile(r"fp-booth-picked"))
    expect(page.locator(f"#spot-{fair.booths[2].id}")).to_be_focused()
    expect(page.locator("#booth-picker [role=status]")).to_have_text("Your picks: A2, A3")
    page.get_by_label("Do you bring your own gazebo?").fill("Yes, 3 × 3 m, white.")
    page.get_by_label("Products you will sell").fill("Pork and veggie bao, jasmine tea.")
    page.get_by_label("Power needed (amps)").fill("16")
    page.get_by_label("I need a water connection").check()
    both_widths(page, screenshot, "vendor-apply")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Application sent.")).to_be_visible()
    expect(page.locator("#application-status")).to_contain_text("Submitted")


def review_and_approve(staff, fair, screenshot) -> None:
    base = f"/orgs/{fair.org.slug}/events/{fair.event.id}/vendors/applications"
    staff.goto(base)
    staff.get_by_role("link", name="Bao & Tea Stand").click()
    panel = staff.locator("#review-panel")
    expect(panel).to_contain_text("Steamed buns and jasmine tea.")
    expect(panel).to_contain_text("Yes, 3 × 3 m, white.")
    expect(panel.get_by_role("link", name="Logo")).to_be_visible()
    both_widths(staff, screenshot, "organizer-review")
    panel.get_by_label("Approve").check()
    panel.get_by_label("Booth (when approving)").select_option(label="A2 (preference 1)")
    panel.get_by_label("Message to the vendor (emailed)").fill("Welcome! Load in at gate C.")
    panel.get_by_role("button", name="Decide and email now").click()
    expect(staff.get_by_text("Decision sent to the vendor.")).to_be_visible()
    expect(staff.locator("#review-panel")).to_contain_text("Approved")


def pay_with_card(page) -> None:
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Pay booth fee").click()
    expect(page.get_by_text("Sandbox Pay")).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/orders/[A-Z2-9]{8}$"))
    expect(page.locator("#order-status")).to_contain_text("Paid", timeout=10000)


def test_vendor_applies_is_approved_pays_and_gets_a_scannable_pass(
        new_page, login_page, fair, screenshot, output_dir, tmp_path):
    page = new_page(DESKTOP)
    login_page(page, fair.vendor)
    fill_profile(page)
    apply_on_the_plan(page, fair, screenshot)
    application_url = page.url

    staff = new_page(DESKTOP)
    login_page(staff, fair.organizer)
    review_and_approve(staff, fair, screenshot)

    # The vendor's page picks up the decision by itself (load polling).
    status = page.locator("#application-status")
    expect(status).to_contain_text("Approved", timeout=10000)
    expect(status).to_contain_text("Welcome! Load in at gate C.")
    pay_with_card(page)
    page.goto(application_url)
    expect(status).to_contain_text("Assigned")
    expect(status).to_contain_text("A2")

    page.goto("/vendor/applications")
    expect(page.get_by_role("link", name=fair.event.title)).to_be_visible()
    both_widths(page, screenshot, "vendor-my-applications")

    page.goto(application_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download vendor pass (PDF)").click()
    pdf = tmp_path / "vendor-pass.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Bao & Tea Stand" in text and "A2" in text and "gate C" in text

    pages = pdf_pages_png(pdf, tmp_path, resolution=80)
    (pages[0]).replace(output_dir / "vendor-pass-page1.png")
    codes = decode_qr_codes(output_dir / "vendor-pass-page1.png")
    assert len(codes) == 1
    claims = passes.verify_vendor_code(codes[0], fair.org.id)
    application = db.session.get(BoothApplication, claims.application_id)
    assert application.profile.business_name == "Bao & Tea Stand"
    assert (claims.event_id, claims.booth_id) == (fair.event.id, fair.booths[1].id)

    both_widths(page, screenshot, "vendor-assigned")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Invoice INV-\d+ for the booth fee")).click()
    invoice = tmp_path / "invoice.pdf"
    download.value.save_as(invoice)
    text = pdf_text(invoice.read_bytes())
    assert "Booth A2" in text and "Bao & Tea Stand" in text and "Riverside Markets" in text
    pdf_pages_png(invoice, tmp_path, resolution=80)[0].replace(output_dir / "invoice-page1.png")
    assert not page.js_errors and not staff.js_errors
