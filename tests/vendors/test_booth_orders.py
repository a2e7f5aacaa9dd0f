"""A booth fee goes through the normal order page and order emails: they speak of the booth
and link to the application and the pass, never of seats or an empty list of tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.orders import Order
from app.services import orders
from app.services.vendors import assignment, review
from tests.conftest import login


@pytest.fixture
def booth_order(market):
    """An approved application with an open manual-payment order for its booth fee."""
    application = market.submitted(preferences=[market.booths[1]])
    review.decide(application, "approve", "", market.organizer)
    order = assignment.place_booth_order(application, application.user, "manual")
    db.session.commit()
    return application, order


def page_of(client, application, order) -> str:
    login(client, application.user)
    response = client.get(f"/orders/{order.code}")
    assert response.status_code == 200
    return response.text


def test_an_open_booth_order_shows_the_booth_not_tickets_nor_seats(client, booth_order):
    application, order = booth_order
    text = page_of(client, application, order)
    assert ">Tickets<" not in text and "seat" not in text.lower()
    assert ">Booth<" in text and "Food" in text and "Bao Stand" in text
    assert "The booth stays yours until" in text
    assert f'href="/vendor/applications/{application.id}"' in text


def test_a_paid_booth_order_links_to_the_booth_and_the_pass(client, booth_order, market):
    application, order = booth_order
    orders.submit_proof(order, "bank", "TX-77", None)
    orders.approve(order, market.organizer)
    db.session.commit()
    text = page_of(client, application, order)
    assert "Paid — your booth fee is in" in text and "booth A2" in text
    assert "See your booth and vendor pass" in text
    assert "Your booth application and vendor pass" in text
    assert "seat" not in text.lower() and ">Tickets<" not in text


def test_an_expired_booth_order_speaks_of_the_booth_fee(client, booth_order, outbox):
    application, order = booth_order
    assert orders.expire_order(order.id, order.expires_at + timedelta(minutes=1))
    db.session.commit()
    [email] = [m for m in outbox(application.user.email) if m.template == "order_expired"]
    for body in (email.text_body, email.html_body):
        assert "seat" not in body.lower()
        assert "booth fee" in body and "Booth fee: Food" in body
    text = page_of(client, application, db.session.get(Order, order.id))
    assert "Back to your booth application" in text and "seat" not in text.lower()


def test_a_rejected_booth_payment_speaks_of_the_booth_fee(booth_order, market, outbox):
    application, order = booth_order
    orders.submit_proof(order, "bank", "TX-78", None)
    orders.reject(order, market.organizer, "No such transfer arrived.")
    db.session.commit()
    [email] = [m for m in outbox(application.user.email) if m.template == "order_rejected"]
    assert "seat" not in email.text_body.lower()
    assert "no booth fee was recorded" in email.text_body


def test_only_an_order_tied_to_a_booth_application_is_a_booth_fee(booth_order):
    """The booth wording is only for booth fees; other orders keep their seats."""
    from app.services.orders import notify

    _, order = booth_order
    assert notify._booth_fee(order)
    order.booth_application.order_id = None
    db.session.commit()
    db.session.expire_all()
    assert not notify._booth_fee(db.session.get(Order, order.id))
