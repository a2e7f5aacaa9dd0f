"""The gate's camera where the browser has no BarcodeDetector (chromium on Linux has none):
the scanner loads the vendored jsQR and reads a ticket's QR code from the camera.

The camera is chromium's fake capture device playing a Y4M video made here from the
ticket's QR code (the same image the ticket's PDF carries), in a browser launched for
this test only.
"""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from app.models import Role
from tests.checkin.conftest import tickets_of
from tests.e2e.conftest import LAUNCH_ARGS, PHONE
from tests.tickets.conftest import make_order  # noqa: F401 (a shared fixture)

WIDTH, HEIGHT = 640, 480


def qr_video(code: str, path) -> None:
    """A few frames of a Y4M (4:2:0) video showing `code` as a QR code on white."""
    buffer = io.BytesIO()
    qrcode.make(code, border=4).save(buffer, format="PNG")
    mark = Image.open(buffer).convert("L").resize((420, 420), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(mark, ((WIDTH - 420) // 2, (HEIGHT - 420) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture
def camera_browser(_playwright, tmp_path):
    """`camera_browser(code)` → a chromium whose camera shows `code` as a QR code."""
    from tests.conftest import CHROMIUM

    browsers = []

    def launch(code: str):
        video = tmp_path / "ticket.y4m"
        qr_video(code, video)
        browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=[
            *LAUNCH_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


def test_camera_scan_with_the_vendored_decoder(make_order, make_user, make_member,  # noqa: F811
                                               camera_browser, live_server, login_page,
                                               screenshot):
    (ticket,) = tickets_of(make_order(seats=1, starts_in_days=0))
    event = ticket.event
    gate_user = make_user(name="Cam Gate")
    make_member(gate_user, event.organization, Role.GATE)

    browser = camera_browser(ticket.qr_payload)
    context = browser.new_context(viewport={"width": PHONE, "height": 844},
                                  base_url=live_server.url, permissions=["camera"])
    context.set_default_timeout(10000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login_page(page, gate_user)
    page.goto(f"/checkin/{event.slug}")

    assert page.evaluate("'BarcodeDetector' in window") is False  # the fallback is tested
    assert page.evaluate("typeof window.jsQR") == "undefined"  # loaded only when needed
    page.get_by_role("button", name="Scan with camera").click()
    page.wait_for_selector("#verdict.verdict-valid")
    expect(page.locator("#verdict .verdict-label")).to_have_text("VALID")
    assert page.evaluate("typeof window.jsQR") == "function"
    screenshot(page, "camera-valid")
    page.get_by_role("button", name="Stop camera").click()
    assert errors == []
    context.close()
