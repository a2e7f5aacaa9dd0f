"""The built-in sandbox card gateway: both the provider (our side) and the gateway itself.

It behaves like a hosted gateway so that the whole asynchronous path runs for real:

1. `start(order)` opens a checkout session (`SandboxCharge`) and sends the buyer to the
   hosted page `/sandbox-gateway/pay/<token>`.
2. The buyer enters a test card (`pay_with_card`). 4242 4242 4242 4242 succeeds,
   4000 0000 0000 0002 declines, 4000 0000 0000 9995 succeeds after `SANDBOX_DELAY_SECONDS`.
   The page sends the buyer back to the order page.
3. Back on the order page, our side asks the gateway how the session ended (`retrieve`, as
   a real integration retrieves the checkout session by its id) and, when the charge
   succeeded, settles the order at once: the buyer arrives on a paid order.
4. Separately, an RQ job (`app.jobs_orders.send_sandbox_webhook`) delivers a webhook signed
   with HMAC-SHA256 (`signing.py`), retried on failure. It POSTs to `PUBLIC_URL`, or, when
   `SANDBOX_WEBHOOK_INPROCESS` is on (the default without Redis), hands the same signed raw
   body to the same verify-and-handle function in-process, so the signature path always runs.
   The webhook is what settles a delayed charge, a declined one, or an order whose buyer
   never came back; when the return settled it first, the webhook finds the charge applied.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db, jobs
from app.models.orders import Order, Payment, PaymentMethod, SandboxCharge
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.payments import signing
from app.services.payments.base import InvalidCallback, NextStep, ProviderEventData

SUCCEEDS, DECLINES, DELAYED = "4242424242424242", "4000000000000002", "4000000000009995"
TEST_CARDS = {SUCCEEDS: "succeeds", DECLINES: "declines", DELAYED: "succeeds after a delay"}
WEBHOOK_JOB = "app.jobs_orders.send_sandbox_webhook"
WEBHOOK_RETRIES = (5, 30, 120, 600)


class WebhookDeliveryFailed(Exception):
    """The endpoint did not accept the webhook; RQ retries the job."""


@dataclass(frozen=True)
class CardResult:
    outcome: str      # "succeeded", "processing" or "declined"
    message: str


class SandboxProvider:
    name = PaymentMethod.SANDBOX.value
    label = "Card (sandbox gateway)"

    def start(self, order: Order) -> NextStep:
        """Open a hosted checkout session for the order's total."""
        charge = SandboxCharge(token=secrets.token_urlsafe(24), order=order,
                               merchant=order.event.organization.name, amount=order.total,
                               currency=order.currency)
        db.session.add(charge)
        db.session.flush()
        return NextStep("sandbox_gateway.pay", {"token": charge.token})

    def handle_callback(self, raw_body: bytes,
                        headers: Mapping[str, str]) -> ProviderEventData:
        """Verify the signature on the raw body, then parse it. Raises InvalidCallback."""
        config = current_app.config
        signing.verify(config["SANDBOX_WEBHOOK_SECRET"], raw_body, headers,
                       tolerance=config["SANDBOX_WEBHOOK_TOLERANCE"])
        return parse_event(raw_body)

    def retrieve(self, order: Order) -> ProviderEventData | None:
        """The order's latest checkout session, as the gateway reports it, when its charge
        succeeded; None while it is open, processing or declined (the webhook tells those)."""
        charge = latest_charge(order)
        if charge is None or charge.status != "succeeded" or charge.charge_ref is None:
            return None
        return ProviderEventData(
            provider=self.name, event_id=f"return:{charge.charge_ref}",
            kind="payment.succeeded", order_code=order.code, provider_ref=charge.charge_ref,
            amount=charge.amount, currency=charge.currency,
            raw={"source": "return", "session": charge.token, "id": charge.charge_ref,
                 "amount": str(charge.amount), "currency": charge.currency})

    def refund(self, payment: Payment, amount: Decimal) -> str:
        """Refund on the gateway's side (immediate in the sandbox)."""
        charge = db.session.scalars(select(SandboxCharge).where(
            SandboxCharge.charge_ref == payment.provider_ref)).one_or_none()
        if charge is not None:
            charge.refunded_amount = (charge.refunded_amount or Decimal("0")) + amount
            charge.status = "refunded"
        return "re_" + secrets.token_hex(10)


def parse_event(raw_body: bytes) -> ProviderEventData:
    """The verified body as ProviderEventData; InvalidCallback when it is not one of ours."""
    try:
        body = json.loads(raw_body)
        item = body["data"]["object"]
        return ProviderEventData(
            provider=SandboxProvider.name, event_id=str(body["id"]), kind=str(body["type"]),
            order_code=str(item["order"]), provider_ref=str(item["id"]),
            amount=Decimal(str(item["amount"])), currency=str(item["currency"]), raw=body)
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise InvalidCallback(f"unreadable event: {exc}") from exc


# ---------------------------------------------------------------- the gateway's side

def open_charge(token: str) -> SandboxCharge | None:
    """The checkout session behind a hosted-page token, with its order and event (what the
    hosted page shows) in the same statement."""
    return db.session.scalars(
        select(SandboxCharge).where(SandboxCharge.token == token)
        .options(joinedload(SandboxCharge.order, innerjoin=True)
                 .joinedload(Order.event, innerjoin=True))
    ).one_or_none()


def latest_charge(order: Order) -> SandboxCharge | None:
    """The order's latest checkout session (the one to go back to and pay)."""
    return db.session.scalars(select(SandboxCharge).where(SandboxCharge.order_id == order.id)
                              .order_by(SandboxCharge.id.desc()).limit(1)).first()


def _card_number(number: str) -> str:
    digits = re.sub(r"[\s-]", "", number or "")
    if not re.fullmatch(r"\d{16}", digits):
        raise DomainError("Enter the 16-digit card number.", "number")
    return digits


def _check_expiry(expiry: str, now: datetime) -> None:
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2})\s*", expiry or "")
    if not match or not 1 <= int(match[1]) <= 12:
        raise DomainError("Enter the expiry date as MM/YY.", "expiry")
    if (2000 + int(match[2]), int(match[1])) < (now.year, now.month):
        raise DomainError("This card has expired.", "expiry")


def pay_with_card(charge: SandboxCharge, number: str, expiry: str, cvc: str,
                  now: datetime | None = None) -> CardResult:
    """Charge a test card; the webhook telling our side is sent after commit."""
    now = now or utcnow()
    if charge.status in ("succeeded", "processing", "refunded"):
        raise DomainError("This payment has already been made.")
    digits = _card_number(number)
    _check_expiry(expiry, now)
    if not re.fullmatch(r"\d{3,4}", (cvc or "").strip()):
        raise DomainError("Enter the 3- or 4-digit security code.", "cvc")
    if digits not in TEST_CARDS:
        raise DomainError("The sandbox accepts only its test cards (see below).", "number")
    charge.card_last4, charge.charge_ref = digits[-4:], "ch_" + secrets.token_hex(10)
    if digits == DECLINES:
        schedule_webhook(charge, "payment.failed", now)
        return CardResult("declined", "Your card was declined. Try another card.")
    charge.charged_at = now
    if digits == DELAYED:
        charge.status = "processing"
        schedule_webhook(charge, "payment.succeeded", now,
                         delay=current_app.config["SANDBOX_DELAY_SECONDS"])
        return CardResult("processing", "Payment is processing.")
    charge.status = "succeeded"
    schedule_webhook(charge, "payment.succeeded", now)
    return CardResult("succeeded", "Payment accepted.")


def webhook_payload(charge: SandboxCharge, kind: str, now: datetime) -> dict:
    """The event the gateway sends: its id stays the same across retries of the job."""
    return {"id": "evt_" + secrets.token_hex(12), "type": kind,
            "created": int(now.timestamp()),
            "data": {"object": {"id": charge.charge_ref, "session": charge.token,
                                "order": charge.order.code, "amount": str(charge.amount),
                                "currency": charge.currency}}}


def schedule_webhook(charge: SandboxCharge, kind: str, now: datetime, delay: float = 0) -> None:
    """Ask for the webhook to be delivered once the current transaction commits."""
    jobs.after_commit(db.session(), WEBHOOK_JOB, webhook_payload(charge, kind, now), delay,
                      queue=jobs.PAYMENTS, retries=WEBHOOK_RETRIES)


def deliver_webhook(payload: dict) -> int:
    """Sign `payload` and deliver it; the HTTP status (200 in-process). Raises on failure."""
    config = current_app.config
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {signing.HEADER: signing.sign(config["SANDBOX_WEBHOOK_SECRET"], body),
               "Content-Type": "application/json"}
    if config.get("SANDBOX_WEBHOOK_INPROCESS"):
        from app.services.orders.webhooks import receive_webhook

        receive_webhook(SandboxProvider.name, body, headers)
        db.session.commit()
        return 200
    url = f"{config['PUBLIC_URL']}/webhooks/{SandboxProvider.name}"
    if not url.startswith(("http://", "https://")):
        raise WebhookDeliveryFailed(f"PUBLIC_URL is not an http(s) URL: {url}")
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our URL)
            return response.status
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookDeliveryFailed(f"webhook to {url} failed: {exc}") from exc
