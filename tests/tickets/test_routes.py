"""The account pages over HTTP: lists, the ticket page, PDFs while they are prepared,
calendar files and transfers."""

from __future__ import annotations

import re

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models.tickets import DocumentKind, Ticket, TicketStatus
from app.services.tickets import documents, issue_tickets, revoke_order_tickets

from .conftest import Holder


def _tickets():
    return db.session.scalars(select(Ticket).order_by(Ticket.id)).all()


def test_my_tickets_lists_upcoming_and_past(make_order, login_as):
    order = make_order(seats=1)
    past = make_order(seats=1, buyer=order.user, starts_in_days=-3)
    client = login_as(order.user)
    page = client.get("/account/tickets").get_data(as_text=True)
    upcoming_part, past_part = page.split('id="past-heading"')
    assert order.event.title in upcoming_part and past.event.title in past_part


def test_ticket_page_shows_the_code_and_stays_out_of_caches(make_order, login_as):
    order = make_order(seats=1)
    [ticket] = _tickets()
    response = login_as(order.user).get(f"/account/tickets/{ticket.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert 'hx-history="false"' in html
    assert '<svg class="qr"' in html and "Stalls" in html
    assert f'href="/account/tickets/{ticket.id}.pdf"' in html


def test_a_holder_with_an_account_sees_their_ticket_and_strangers_do_not(make_order, make_user,
                                                                          login_as):
    holder = make_user("holder@example.test")
    order = make_order(seats=2, holders=[Holder("Hana Holder", "holder@example.test")])
    first, second = _tickets()
    as_holder = login_as(holder)
    assert as_holder.get(f"/account/tickets/{first.id}").status_code == 200
    assert as_holder.get(f"/account/tickets/{second.id}").status_code == 404
    assert as_holder.get(f"/account/orders/{order.code}/invoice.pdf").status_code == 404
    stranger = login_as(make_user())
    assert stranger.get(f"/account/tickets/{first.id}.pdf").status_code == 404


def test_pdf_download_while_preparing_then_ready(make_order, login_as, no_jobs, htmx_client):
    order = make_order(seats=1, issue=False)
    issue_tickets(order)
    no_jobs()
    db.session.commit()
    [ticket] = _tickets()
    client = login_as(order.user)
    pending = client.get(f"/account/tickets/{ticket.id}.pdf")
    html = pending.get_data(as_text=True)
    assert pending.status_code == 202 and "preparing" in html
    poll = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert 'hx-trigger="every 2s"' in html

    htmx = login_as(order.user, htmx=True)
    assert htmx.get(poll).status_code == 204  # nothing changed: no swap, keep polling
    documents.render_ticket(ticket.id, ticket.revision)
    ready = htmx.get(poll)
    assert ready.status_code == 200
    assert f'href="/account/tickets/{ticket.id}.pdf"' in ready.get_data(as_text=True)
    assert "hx-trigger" not in ready.get_data(as_text=True)  # polling stops

    download = client.get(f"/account/tickets/{ticket.id}.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_order_pdf_and_invoice_download(make_order, login_as):
    order = make_order(seats=2)
    client = login_as(order.user)
    for url in (f"/account/orders/{order.code}/tickets.pdf",
                f"/account/orders/{order.code}/invoice.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), url


def test_revoked_ticket_pdfs_are_gone(make_order, login_as):
    order = make_order(seats=1)
    [ticket] = _tickets()
    revoke_order_tickets(order, "cancelled")
    db.session.commit()
    client = login_as(order.user)
    assert client.get(f"/account/tickets/{ticket.id}.pdf").status_code == 410
    page = client.get(f"/account/tickets/{ticket.id}").get_data(as_text=True)
    assert "revoked" in page and '<svg class="qr"' not in page
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.REVOKED
    assert documents.document_for(DocumentKind.TICKET_PDF, ticket.id).status.value == "stale"


def test_add_to_calendar(make_order, login_as):
    order = make_order(seats=1)
    [ticket] = _tickets()
    response = login_as(order.user).get(f"/account/tickets/{ticket.id}.ics")
    assert response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["SUMMARY"]) == order.event.title
    assert event.decoded("DTSTART") == order.event.starts_at
    assert f"/account/tickets/{ticket.id}" in str(event["URL"])


def test_transfer_through_the_pages(make_order, make_user, login_as, outbox):
    order = make_order(seats=1)
    [ticket] = _tickets()
    sender = login_as(order.user)
    bad = sender.post(f"/account/tickets/{ticket.id}/transfer",
                      data={"name": "Kofi", "email": "not an email"})
    assert bad.status_code == 422
    sent = sender.post(f"/account/tickets/{ticket.id}/transfer",
                       data={"name": "Kofi Friend", "email": "kofi@example.test"})
    assert sent.status_code == 303
    link = re.search(r"http://localhost(/tickets/transfers/[\w-]+)",
                     outbox("kofi@example.test")[0].text_body).group(1)
    anonymous_view = sender.application.test_client().get(link).get_data(as_text=True)
    assert "Log in" in anonymous_view and "kofi@example.test" in anonymous_view

    recipient = login_as(make_user("kofi@example.test", name="Kofi Friend"))
    assert "Accept the ticket" in recipient.get(link).get_data(as_text=True)
    accepted = recipient.post(link)
    assert accepted.status_code == 303
    assert recipient.get(accepted.location).status_code == 200
    assert sender.get(f"/account/tickets/{ticket.id}").status_code == 404
    assert recipient.post(link).status_code == 409  # single use
