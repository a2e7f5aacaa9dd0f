"""Statement budgets of the checkout path, step by step: counts, not times.

The six requests of a card purchase after the hold (checkout page, place order, gateway
page, pay, the signed webhook, the order page) each read what they show in as few
statements as they can: no lazy load per line, no second read of the cart or of the
organization's payment settings. Jobs are captured, not run, so the webhook's count is its
own transaction (payment, seats sold, tickets issued, documents and mail asked for).
The logged-in pages' navigation (the person, their memberships, the crew link) is counted.
Usually the buyer is back before the webhook: then the order page settles the order and the
webhook that follows has only to find the charge applied (the second test).
"""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db, jobs
from app.job_queue import JobQueue
from app.services.payments import sandbox, signing
from tests.orders.conftest import hold
from tests.statements import statements

BUDGETS = {
    "checkout page": 8,   # person, event, cart, organization, settings, the event's own
                          # payment window (seating settings), nav (2)
    "place order": 16,    # + the event's payment window (the page's view is drawn first),
                          # seating lock, the cart under it, code, order, one line each
                          # (SQLite; PostgreSQL batches them), holds, change log, charge
    "gateway page": 4,    # charge with order and event, nav (3)
    "pay": 2,             # charge with order and event, the charge's update
    "webhook": 22,        # dedupe, the order locked with its event, payment, lines with
                          # their seats and ticket types, sale (the event's seating lock,
                          # one all-or-nothing update, change log), the order; then the
                          # tickets (one insert, each's signed code), the org's key, the
                          # invoice (counter, row), all the documents in one upsert, mail
    "order page": 2,      # person (with what the navigation shows), order with event,
                          # organization and lines: a paid order needs no card session,
                          # payments or instructions
    "order page, settling": 24,  # the order page, the charge, then what the webhook would
                                 # have done; the page is drawn from the order settled
                                 # (nothing read again after commit)
    "webhook, applied": 3,  # dedupe, order lock, the payment already there
}
KEY = re.compile(r'name="attendees-(\d+)-key" type="hidden" value="([^"]+)"')




@pytest.fixture
def captured_jobs(monkeypatch):
    sent = []
    monkeypatch.setattr(JobQueue, "enqueue_all", lambda self, requests: sent.extend(requests))
    return sent


def _step(name: str, send):
    db.session.remove()
    with statements() as seen:
        response = send()
    assert len(seen) <= BUDGETS[name], "\n".join([f"{name}: {len(seen)}", *seen])
    return response


def test_each_checkout_step_stays_within_its_statement_budget(app, seated, buyer, buyer_client,
                                                              captured_jobs):
    who = buyer()
    hold(seated, who, "A-1", "A-2", "C-1")  # three lines: nothing may be read per line
    client, slug = buyer_client(who), seated.event.slug

    page = _step("checkout page", lambda: client.get(f"/events/{slug}/checkout"))
    form = {"payment_method": "sandbox"}
    for index, key in KEY.findall(page.text):
        form |= {f"attendees-{index}-key": key, f"attendees-{index}-name": "Ann",
                 f"attendees-{index}-email": "ann@example.com"}
    assert len(KEY.findall(page.text)) == 3
    placed = _step("place order", lambda: client.post(f"/events/{slug}/checkout", data=form))
    assert placed.status_code == 303
    gateway = placed.headers["Location"]
    assert _step("gateway page", lambda: client.get(gateway)).status_code == 200
    paid = _step("pay", lambda: client.post(gateway, data={
        "number": sandbox.SUCCEEDS, "expiry": "12/40", "cvc": "123"}))
    assert paid.status_code == 303

    [webhook] = [job for job in captured_jobs if job.func == sandbox.WEBHOOK_JOB]
    assert webhook.queue == "payments"
    body = json.dumps(webhook.args[0]).encode()
    headers = {signing.HEADER: signing.sign(app.config["SANDBOX_WEBHOOK_SECRET"], body),
               "Content-Type": "application/json"}
    delivered = _step("webhook", lambda: app.test_client().post("/webhooks/sandbox",
                                                                data=body, headers=headers))
    assert delivered.json == {"outcome": "paid"}

    order_page = _step("order page", lambda: client.get(paid.headers["Location"]))
    assert order_page.status_code == 200 and "Paid" in order_page.text


def test_the_return_path_settles_on_the_order_page_within_its_budget(
        app, seated, buyer, buyer_client, captured_jobs):
    """The usual order of a card purchase: the buyer is back before the webhook."""
    who = buyer()
    hold(seated, who, "A-1", "A-2", "C-1")
    client, slug = buyer_client(who), seated.event.slug
    page = client.get(f"/events/{slug}/checkout")
    form = {"payment_method": "sandbox"}
    for index, key in KEY.findall(page.text):
        form |= {f"attendees-{index}-key": key, f"attendees-{index}-name": "Ann",
                 f"attendees-{index}-email": "ann@example.com"}
    gateway = client.post(f"/events/{slug}/checkout", data=form).headers["Location"]
    paid = client.post(gateway, data={"number": sandbox.SUCCEEDS, "expiry": "12/40",
                                      "cvc": "123"})

    order_page = _step("order page, settling", lambda: client.get(paid.headers["Location"]))
    assert order_page.status_code == 200 and "Paid" in order_page.text
    [webhook] = [job for job in captured_jobs if job.func == sandbox.WEBHOOK_JOB]
    body = json.dumps(webhook.args[0]).encode()
    headers = {signing.HEADER: signing.sign(app.config["SANDBOX_WEBHOOK_SECRET"], body),
               "Content-Type": "application/json"}
    delivered = _step("webhook, applied", lambda: app.test_client().post(
        "/webhooks/sandbox", data=body, headers=headers))
    assert delivered.json == {"outcome": "duplicate"}


def test_payment_confirmations_are_served_before_documents_and_mail():
    queues = JobQueue.QUEUES
    assert queues[0] == jobs.PAYMENTS == "payments"
    assert queues.index("payments") < queues.index("documents")
    assert queues.index("payments") < queues.index("email")
