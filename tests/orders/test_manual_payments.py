"""Manual payments: proof, approval queue, approve, reject, bulk approve, receipt checks."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models.orders import OrderStatus, PaymentStatus, ProofDecision
from app.models.seating import HoldStatus
from app.services import orders
from app.services.errors import DomainError
from app.services.orders.receipts import receipt_file
from tests.orders.conftest import hold, hold_rows, later, place, reload


def image(kind: str = "PNG", size=(8, 8)) -> bytes:
    """A real image; noise, so that a large one stays large once compressed."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, format=kind)
    return out.getvalue()


@pytest.fixture
def manual_order(seated, buyer):
    def make(*labels: str, who=None):
        who = who or buyer()
        hold(seated, who, *(labels or ("A-1",)))
        return place(seated, who, "manual")

    return make


def test_proof_moves_the_order_to_awaiting_approval(seated, manual_order):
    order, now = manual_order(), later(60)
    proof = orders.submit_proof(order, "mobile_money", "  MP240611.1234  ", image(), now=now)
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.AWAITING_APPROVAL
    assert proof.reference == "MP240611.1234" and proof.receipt_content_type == "image/png"
    assert order.expires_at == now + timedelta(hours=48)  # a fresh window from submission
    assert {h.expires_at for h in hold_rows(order)} == {order.expires_at}
    path = receipt_file(proof.receipt_path)
    assert path is not None and "static" not in path.parts and path.suffix == ".png"


@pytest.mark.parametrize(("data", "message"), [
    (b"<html><script>alert(1)</script></html>", "JPEG or PNG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "JPEG or PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"not really a png", "could not be read"),
    (b"GIF89a" + b"\x00" * 20, "JPEG or PNG"),
])
def test_receipts_are_checked_by_content(manual_order, data, message):
    order = manual_order()
    with pytest.raises(orders.ReceiptRejected, match=message):
        orders.submit_proof(order, "bank", "FT123456", data)


def test_pdf_and_jpeg_receipts_are_accepted(manual_order):
    pdf = orders.submit_proof(manual_order(), "bank", "FT1", b"%PDF-1.7\n%...\n%%EOF\n")
    jpeg = orders.submit_proof(manual_order("A-3"), "bank", "FT2", image("JPEG"))
    assert (pdf.receipt_content_type, jpeg.receipt_content_type) == ("application/pdf",
                                                                     "image/jpeg")


def test_oversized_receipt_is_refused(app, manual_order):
    app.config["RECEIPT_MAX_BYTES"] = 1024
    try:
        with pytest.raises(orders.ReceiptTooLarge, match="larger than"):
            orders.submit_proof(manual_order(), "bank", "FT1", image(size=(300, 300)))
    finally:
        app.config["RECEIPT_MAX_BYTES"] = 5 * 1024 * 1024


def test_proof_needs_a_reference_and_an_open_manual_order(seated, buyer, manual_order):
    with pytest.raises(DomainError, match="reference"):
        orders.submit_proof(manual_order(), "bank", "x", None)
    who = buyer()
    hold(seated, who, "B-1")
    card = place(seated, who, "sandbox")
    with pytest.raises(orders.OrderNotOpen):
        orders.submit_proof(card, "bank", "FT123", None)


def test_approval_pays_the_order_and_issues_tickets(seated, manual_order, make_user, outbox):
    order = manual_order("A-1", "A-2")
    orders.submit_proof(order, "bank", "FT123456", None)
    db.session.commit()
    assert [o.code for o in orders.approval_queue(seated.event.organization)] == [order.code]
    reviewer = make_user(name="Olive Organizer")
    orders.approve(order, reviewer)
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]
    assert order.proofs[0].decision == ProofDecision.APPROVED
    assert order.proofs[0].reviewed_by_id == reviewer.id
    assert {h.status for h in hold_rows(order)} == {HoldStatus.SOLD}
    assert orders.approval_queue(seated.event.organization) == []
    assert any(e.template == "order_confirmation"
               for e in outbox(order.buyer_email))
    with pytest.raises(orders.OrderNotOpen):
        orders.approve(order, reviewer)


def test_rejection_releases_the_seats_and_tells_the_buyer(seated, manual_order, make_user,
                                                          outbox):
    order = manual_order()
    orders.submit_proof(order, "bank", "FT123456", None)
    with pytest.raises(DomainError, match="reason"):
        orders.reject(order, make_user(), " ")
    orders.reject(order, make_user(), "No such transfer on our statement")
    db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED and hold_rows(order) == []
    assert order.proofs[0].decision == ProofDecision.REJECTED
    [email] = outbox(order.buyer_email)
    assert email.template == "order_rejected"
    assert "No such transfer on our statement" in email.text_body


def test_unapproved_orders_expire_after_the_window(manual_order, outbox):
    order = manual_order()
    orders.submit_proof(order, "bank", "FT123456", None)
    db.session.commit()
    assert orders.due_order_ids(later(47 * 60)) == []
    assert orders.expire_order(order.id, later(49 * 60))
    db.session.commit()
    assert reload(order).status == OrderStatus.EXPIRED
    assert [e.template for e in outbox(order.buyer_email)] == ["order_expired"]


def test_bulk_approve_reports_each_order(seated, manual_order, buyer, make_user):
    first, second = manual_order("A-1"), manual_order("A-2")
    untouched = manual_order("A-3")
    for order in (first, second):
        orders.submit_proof(order, "bank", "FT123456", None)
    db.session.commit()
    approved, problems = orders.bulk_approve(
        seated.event.organization, [first.code, second.code, untouched.code, "NOPE2345"],
        make_user())
    db.session.commit()
    assert approved == [first.code, second.code]
    assert problems == [f"{untouched.code}: This order is not awaiting approval any more."]
    assert reload(untouched).status == OrderStatus.PENDING_PAYMENT


def test_late_approval_when_the_seat_is_gone_is_refused(seated, manual_order, buyer,
                                                        make_user):
    order = manual_order("A-1")
    orders.submit_proof(order, "bank", "FT123456", None)
    db.session.commit()
    other = buyer("Otto Other")
    hold(seated, other, "A-1", now=later(49 * 60))
    with pytest.raises(orders.SeatsGone):
        orders.approve(order, make_user(), now=later(49 * 60))
