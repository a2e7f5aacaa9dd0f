"""Browser: a buyer finds their ticket under My tickets, sees its QR code, waits for the PDF
("preparing…" turns into a link by itself) and downloads it; desktop and phone widths."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.tickets import Ticket
from app.services.tickets import documents, issue_tickets
from tests.e2e.conftest import DESKTOP, PHONE
from tests.seating.conftest import seat_map_event  # noqa: F401
from tests.tickets.conftest import Holder, decode_qr_codes, make_order, no_jobs  # noqa: F401


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_my_tickets_qr_and_pdf_download(width, make_order, new_page, login_page,  # noqa: F811
                                        screenshot, output_dir, no_jobs):  # noqa: F811
    order = make_order(seats=2, issue=False, title="Harbour Lights Festival",
                       holders=[Holder("Mwila Banda", "mwila@example.test")])
    issue_tickets(order)
    no_jobs()  # the PDFs are not rendered yet: the page must say so and wait
    db.session.commit()
    first = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()

    page = new_page(width)
    login_page(page, order.user)
    page.goto("/account/tickets")
    screenshot(page, f"my-tickets-{width}")
    item = page.locator(".ticket-item").filter(has_text="Mwila Banda")
    item.get_by_role("link", name="Show ticket").click()

    page.wait_for_url(f"**/account/tickets/{first.id}")
    qr = page.locator("svg.qr")
    assert qr.is_visible()
    assert decode_qr_codes(_element_png(qr, output_dir / f"qr-{width}.png")) == [
        first.qr_payload]
    pending = page.locator(".doc-pending")
    assert "preparing" in pending.inner_text()
    screenshot(page, f"ticket-preparing-{width}")

    documents.render_ticket(first.id, first.revision)  # the worker's job finishes
    link = page.get_by_role("link", name="Download PDF")
    link.wait_for(state="visible", timeout=10_000)  # the polling fragment swaps itself
    screenshot(page, f"ticket-ready-{width}")
    with page.expect_download() as download_info:
        link.click()
    data = open(download_info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    assert page.js_errors == []


def _element_png(locator, path):
    locator.screenshot(path=str(path))
    return path
