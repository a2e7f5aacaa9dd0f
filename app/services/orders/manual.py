"""Manual payments: the buyer's proof, the organizer's approval queue and decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.accounts import Organization, User
from app.models.events import Event
from app.models.orders import (
    ManualPaymentProof,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ProofDecision,
)
from app.models.types import utcnow
from app.services.errors import DomainError
from app.services.orders import claims, notify, settings
from app.services.orders.errors import OrderNotOpen, SeatsGone
from app.services.orders.payment_state import in_window, lock_order, mark_paid, record_payment
from app.services.orders.receipts import check_receipt, store_receipt

CHANNELS = {"bank": "Bank transfer", "mobile_money": "Mobile money"}


def submit_proof(order: Order, channel: str, reference: str, receipt: bytes | None,
                 now: datetime | None = None) -> ManualPaymentProof:
    """Record the buyer's transaction reference (and receipt); the order awaits approval
    for a fresh approval window. Raises OrderNotOpen, ReceiptRejected, DomainError."""
    now = now or utcnow()
    reference = " ".join((reference or "").split())
    if order.payment_method != PaymentMethod.MANUAL or not (
            order.status == OrderStatus.PENDING_PAYMENT and in_window(order, now)):
        raise OrderNotOpen("This order is not waiting for a bank or mobile money payment.")
    if channel not in CHANNELS:
        raise DomainError("Choose how you paid.", "channel")
    if not 3 <= len(reference) <= 120:
        raise DomainError("Enter the transaction reference from your bank or SMS "
                          "(3 to 120 characters).", "reference")
    content_type = path = None
    if receipt:
        content_type, extension = check_receipt(receipt)
        path = store_receipt(receipt, extension)
    proof = ManualPaymentProof(order=order, channel=channel, reference=reference,
                               submitted_at=now, receipt_path=path,
                               receipt_content_type=content_type)
    db.session.add(proof)
    window = settings.approval_window(settings.payment_settings(order.event.organization))
    order.status, order.expires_at = OrderStatus.AWAITING_APPROVAL, now + window
    claims.set_expiry(order, order.expires_at)
    order.touch()
    db.session.flush()
    return proof


def approval_queue(org: Organization) -> list[Order]:
    """The organization's orders awaiting approval, the most urgent first."""
    return list(db.session.scalars(
        select(Order).join(Event, Event.id == Order.event_id)
        .where(Event.organization_id == org.id, Order.status == OrderStatus.AWAITING_APPROVAL)
        .options(selectinload(Order.lines), selectinload(Order.proofs),
                 selectinload(Order.event))
        .order_by(Order.expires_at, Order.id)))


def _pending_proof(order: Order) -> ManualPaymentProof:
    proof = next((p for p in reversed(order.proofs) if p.decision is None), None)
    if order.status != OrderStatus.AWAITING_APPROVAL or proof is None:
        raise OrderNotOpen("This order is not awaiting approval any more.")
    return proof


def approve(order: Order, reviewer: User, now: datetime | None = None) -> None:
    """Confirm the buyer's payment: the order is paid and its tickets issued. Past the
    window the seats are taken again if free; SeatsGone when they are not."""
    now = now or utcnow()
    order = lock_order(order.id)
    proof = _pending_proof(order)
    record_payment(order, PaymentMethod.MANUAL.value, f"{order.code}-{proof.id}", order.total,
                   order.currency, {"reference": proof.reference, "channel": proof.channel},
                   PaymentStatus.SUCCEEDED)
    proof.decision, proof.reviewed_by_id, proof.reviewed_at = (ProofDecision.APPROVED,
                                                               reviewer.id, now)
    mark_paid(order, now, late=not in_window(order, now))


def reject(order: Order, reviewer: User, reason: str, now: datetime | None = None) -> None:
    """Refuse the buyer's proof: the order is cancelled, its seats released, buyer told."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError("Please give the buyer a reason.", "reason")
    order = lock_order(order.id)
    proof = _pending_proof(order)
    proof.decision, proof.reviewed_by_id, proof.reviewed_at, proof.reason = (
        ProofDecision.REJECTED, reviewer.id, now, reason[:2000])
    claims.release_seats(order)
    order.status, order.cancelled_at, order.expires_at = OrderStatus.CANCELLED, now, None
    order.cancel_reason = f"Payment not confirmed: {reason[:1900]}"
    order.touch()
    notify.order_rejected(order, reason)


def bulk_approve(org: Organization, codes: list[str], reviewer: User,
                 now: datetime | None = None) -> tuple[list[str], list[str]]:
    """Approve several orders; each in its own savepoint. (approved codes, problems)."""
    approved, problems = [], []
    for code in dict.fromkeys(codes):
        order = org_order(org, code)
        if order is None:
            continue
        try:
            with db.session.begin_nested():
                approve(order, reviewer, now)
            approved.append(code)
        except (OrderNotOpen, SeatsGone) as error:
            problems.append(f"{code}: {error.message}")
    return approved, problems


def org_order(org: Organization, code: str) -> Order | None:
    """The order with `code` if it is for one of `org`'s events."""
    return db.session.scalars(
        select(Order).join(Event, Event.id == Order.event_id)
        .where(Order.code == code, Event.organization_id == org.id)).one_or_none()
