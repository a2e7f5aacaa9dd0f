"""Browser fixtures: a live server running the test app, and Debian's chromium via Playwright.

`live_server` serves the session `app` fixture from a threaded werkzeug server on a free
port (one per test session). `browser` launches chromium once per session; `new_page(width)`
opens a page in a fresh context (its own cookies: a separate person) at that viewport width.
`screenshot(page, name)` saves a full-page PNG into the test's output folder.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CHROMIUM, require_service
from tests.seating.conftest import seat_map_event  # noqa: F401  (shared with browser tests)

LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP, PHONE = 1280, 390


E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """A browser test that fails is run once more before it counts as failed: a real browser
    against a live server has timing no unit test has. Reruns are listed in the summary
    (`R`), so a test that only passes on its second try is visible, not hidden."""
    for item in items:
        if E2E_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _playwright():
    require_service(os.path.exists(CHROMIUM), f"chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """`new_page(width=1280, height=900)` → a page in its own browser context (own cookies).

    Relative URLs in `page.goto("/events/...")` resolve against the live server.
    """
    contexts = []

    def make(width: int = DESKTOP, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      base_url=live_server.url)
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: _is_script_error(msg) and errors.append(msg.text))
        page.js_errors = errors  # script errors and CSP refusals; tests expect none
        return page

    yield make
    for context in contexts:
        context.close()


def _is_script_error(message) -> bool:
    """A console error from a script or the CSP; a missing favicon or an HTTP error status
    that the page handles (a 409 for a taken seat) is not one."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def screenshot(output_dir):
    """`screenshot(page, name)` → the saved path (full page PNG in the test's output folder)."""

    def save(page, name: str) -> Path:
        path = output_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def login_page(app, live_server):
    """`login_page(page, user)` logs the page's browser context in as `user`.

    It plants a session cookie signed the way Flask signs it, as the login form would leave.
    """

    def plant(page, user) -> None:
        serializer = app.session_interface.get_signing_serializer(app)
        cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
        page.context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"),
                                   "value": cookie, "url": live_server.url}])

    return plant
