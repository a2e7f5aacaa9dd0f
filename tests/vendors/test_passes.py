"""The vendor pass PDF: its floor plan renders (WeasyPrint colours SVG shapes only from a
stylesheet inside the SVG, so the page's CSS must not carry `fill`/`stroke`), and the pass
is attached to its email."""

from __future__ import annotations

import logging

import pytest
from PIL import Image

from app.extensions import db, jobs
from app.services import orders
from app.services import outbox as outbox_service
from app.services.outbox import TemporaryEmailError
from app.services.vendors import assignment, passes, review
from tests.tickets.conftest import pdf_pages_png


def assigned(market, booth_index: int = 1):
    application = market.submitted(preferences=[market.booths[booth_index]])
    review.decide(application, "approve", "", market.organizer)
    order = assignment.place_booth_order(application, application.user, "manual")
    orders.submit_proof(order, "bank", "TX-1", None)
    orders.approve(order, market.organizer)
    db.session.commit()
    return application


def test_the_pass_renders_without_css_warnings_and_shows_the_booth_in_black(
        market, caplog, tmp_path):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        application = assigned(market, booth_index=1)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    path = passes.pass_file(passes.pass_for(application))
    page = Image.open(pdf_pages_png(path, tmp_path, resolution=40)[0]).convert("L")
    # The plan is the lower part of the page: the booth is a solid dark block there, the
    # three other booths light grey (the QR above is excluded).
    width, height = page.size
    plan = page.crop((0, int(height * 0.4), width, int(height * 0.7)))
    histogram = plan.histogram()  # pixels per grey level, 0 (black) to 255
    dark = sum(histogram[:60])
    light = sum(histogram[201:245])
    assert dark > 200, "the vendor's booth is not drawn in black"
    assert light > 2 * dark, "the other booths are not drawn in light grey"


def _files(email):
    message = outbox_service.build_message(email)
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments()]


def test_the_pass_email_carries_the_pass_pdf(market, outbox):
    application = assigned(market)
    [email] = [m for m in outbox(application.user.email) if m.template == "vendor_pass"]
    found = passes.pass_for(application)
    assert email.attachments == [{"kind": "vendor_pass", "id": found.id}]
    assert _files(email) == [(f"vendor-pass-{application.id}.pdf", "application/pdf",
                              passes.pass_file(found).read_bytes())]
    assert "attached to this email" in email.text_body


def test_a_pass_being_rerendered_is_retried_and_a_deleted_one_left_out(market, outbox):
    application = assigned(market)
    [email] = [m for m in outbox(application.user.email) if m.template == "vendor_pass"]
    found = passes.pass_for(application)
    passes.request_pass(application)  # the booth changed: a new revision is on its way
    jobs.pending(db.session()).clear()  # its render job has not run yet
    db.session.commit()
    with pytest.raises(TemporaryEmailError, match="not ready"):
        outbox_service.build_message(email)
    db.session.delete(found)
    db.session.commit()
    assert _files(email) == []
