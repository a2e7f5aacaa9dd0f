"""The checkout page, the buyer's order page (polling, proof upload, receipts) and the
organizers' queue, over HTTP."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.formatting import money
from app.models.orders import OrderStatus
from app.services import orders
from tests.orders.conftest import deliver, hold, place, reload
from tests.orders.test_manual_payments import image


def test_checkout_needs_a_verified_account(app, seated, make_user, login_as):
    url = f"/events/{seated.event.slug}/checkout"
    assert app.test_client().get(url).status_code == 302
    response = login_as(make_user(verified=False)).get(url)
    assert response.status_code == 403 and "Confirm your email first" in response.text


def test_checkout_page_lists_tickets_prices_and_methods(seated, buyer, buyer_client):
    who = buyer()
    hold(seated, who, "A-1", "C-2")
    page = buyer_client(who).get(f"/events/{seated.event.slug}/checkout").text
    assert "Ticket 1" in page and "Ticket 2" in page
    assert money(150, "ZMW") in page and money(100, "ZMW") in page
    assert "Wheelchair space" in page and "Vegetarian meal" in page
    assert 'value="sandbox"' in page and 'value="manual"' in page
    assert who.user.email in page  # attendees default to the buyer


def test_checkout_with_nothing_held_says_so(seated, buyer, buyer_client):
    page = buyer_client(buyer()).get(f"/events/{seated.event.slug}/checkout")
    assert page.status_code == 200 and "Nothing to check out" in page.text


def test_invalid_attendee_email_re_renders_with_the_error(seated, buyer, buyer_client):
    who = buyer()
    hold(seated, who, "A-1")
    key = orders.checkout_view(seated.event, who.cart_id).slots[0].key
    response = buyer_client(who).post(f"/events/{seated.event.slug}/checkout", data={
        "payment_method": "manual", "attendees-0-key": key, "attendees-0-name": "Ann",
        "attendees-0-email": "not-an-email"})
    assert response.status_code == 422 and "Enter an email address" in response.text
    assert orders.checkout_view(seated.event, who.cart_id).slots  # still held, no order


def test_order_page_is_the_buyers_only(seated, buyer, buyer_client):
    who, other = buyer(), buyer("Otto Other")
    hold(seated, who, "A-1")
    order = place(seated, who)
    response = buyer_client(who).get(f"/orders/{order.code}")
    assert response.status_code == 200 and order.code in response.text
    assert 'hx-history="false"' in response.text
    assert buyer_client(other).get(f"/orders/{order.code}").status_code == 404
    assert buyer_client(other).get(f"/orders/{order.code}/status?v=1").status_code == 404


def test_status_poll_is_204_until_the_order_changes_then_stops(app, seated, buyer,
                                                              buyer_client):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    client = buyer_client(who, htmx=True)
    url = f"/orders/{order.code}/status?v={order.version}"
    page = client.get(f"/orders/{order.code}").text
    assert f'hx-get="{url.replace("&", "&amp;")}"' in page and "hx-trigger=" in page
    assert client.get(url).status_code == 204
    deliver(app, order)
    response = client.get(url)
    assert response.status_code == 200 and "Paid" in response.text
    assert "hx-trigger" not in response.text  # settled: the fragment stops polling


def test_status_poll_expires_a_due_order(seated, buyer, buyer_client, time_machine):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    time_machine.move_to(order.expires_at.replace(microsecond=0).timestamp() + 5)
    response = buyer_client(who, htmx=True).get(
        f"/orders/{order.code}/status?v={order.version}")
    assert response.status_code == 200 and "expired" in response.text
    assert reload(order).status == OrderStatus.EXPIRED


@pytest.fixture
def manual(seated, buyer, buyer_client):
    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who, "manual")
    return who, order, buyer_client(who)


def upload(client, order, data: bytes, name: str, reference: str = "FT24061234"):
    return client.post(f"/orders/{order.code}/proof", data={
        "channel": "bank", "reference": reference,
        "receipt": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_manual_order_page_shows_how_to_pay(manual):
    who, order, client = manual
    page = client.get(f"/orders/{order.code}").text
    assert "Zanaco, account 0123456789" in page and "MTN 096 000 0000" in page
    assert order.code in page and 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(("data", "name"), [
    (b"<html><body>hi</body></html>", "receipt.pdf.html"),
    (b"<html><body>hi</body></html>", "receipt.pdf"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "receipt.svg"),
])
def test_wrong_receipt_types_are_refused(manual, data, name):
    who, order, client = manual
    response = upload(client, order, data, name)
    assert response.status_code == 422 and "JPEG or PNG photo, or a PDF" in response.text
    assert reload(order).status == OrderStatus.PENDING_PAYMENT


def test_oversized_receipt_is_413_with_a_clear_message(app, manual):
    who, order, client = manual
    app.config["RECEIPT_MAX_BYTES"] = 2048
    try:
        response = upload(client, order, image(size=(200, 200)), "photo.png")
    finally:
        app.config["RECEIPT_MAX_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 413 and "larger than" in response.text
    assert reload(order).status == OrderStatus.PENDING_PAYMENT


def test_receipt_is_served_as_an_attachment_to_buyer_and_organizers(manual, buyer_client,
                                                                    buyer, login_as,
                                                                    seated):
    who, order, client = manual
    assert upload(client, order, image(), "photo.png").status_code == 303
    proof_id = reload(order).proofs[0].id
    response = client.get(f"/receipts/{proof_id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert buyer_client(buyer("Nosy")).get(f"/receipts/{proof_id}").status_code == 404


def test_organizer_queue_approve_inline_and_reject_needs_a_reason(manual, make_user,
                                                                 make_member, login_as,
                                                                 seated, make_org):
    from app.models import Role

    who, order, client = manual
    upload(client, order, image(), "photo.png")
    organizer = make_user(name="Olive Organizer")
    org = seated.event.organization
    make_member(organizer, org, Role.MANAGER)
    staff = login_as(organizer, htmx=True)
    page = login_as(organizer).get(f"/orgs/{org.slug}/payments").text
    assert order.code in page and "FT24061234" in page and "Download receipt" in page

    refused = staff.post(f"/orgs/{org.slug}/payments/{order.code}/reject", data={"reason": ""})
    assert refused.status_code == 422 and "reason" in refused.text
    approved = staff.post(f"/orgs/{org.slug}/payments/{order.code}/approve")
    assert approved.status_code == 200 and f'id="pay-{order.code}"' in approved.text
    assert "approved" in approved.text
    assert reload(order).status == OrderStatus.PAID

    outsider = make_user()
    make_member(outsider, make_org(), Role.OWNER)
    assert login_as(outsider).get(f"/orgs/{org.slug}/payments").status_code == 404
    db.session.rollback()


def test_organizer_cancels_with_a_reason(app, seated, buyer, make_user, make_member,
                                         login_as):
    from app.models import Role

    who = buyer()
    hold(seated, who, "A-1")
    order = place(seated, who)
    deliver(app, order)
    organizer = make_user()
    make_member(organizer, seated.event.organization, Role.OWNER)
    staff = login_as(organizer)
    url = f"/orgs/{seated.event.organization.slug}/orders/{order.code}"
    assert "Cancel this order" in staff.get(url).text
    refused = staff.post(f"{url}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and refused.text.count("Give the buyer a reason.") == 1
    done = staff.post(f"{url}/cancel", data={"reason": "Show moved"})
    assert done.status_code == 303
    assert reload(order).status == OrderStatus.REFUNDED
