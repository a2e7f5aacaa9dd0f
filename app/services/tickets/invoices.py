"""Invoices: one per paid order, numbered consecutively per organization, without gaps.

The number is taken in the transaction that marks the order paid, under the lock of the
organization's counter row: two orders paid at the same moment queue on that lock, and a
transaction that rolls back gives its number back with it.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import Organization
from app.models.events import Event
from app.models.orders import Order
from app.models.tickets import DocumentKind, Invoice, InvoiceCounter
from app.models.types import utcnow
from app.services.tickets import documents
from app.services.tickets.rows import insert_if_missing


def invoice_for_order(order_id: int) -> Invoice | None:
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order_id)).scalar_one_or_none()


def issue_invoice(order: Order) -> Invoice | None:
    """Number the invoice of a paid order and ask for its PDF; idempotent.

    Free orders get no invoice (None).
    """
    existing = invoice_for_order(order.id)
    if existing is not None or Decimal(order.total) <= 0:
        return existing
    event = db.session.get(Event, order.event_id)
    organization = db.session.get(Organization, event.organization_id)
    invoice = Invoice(
        organization_id=organization.id, number=next_invoice_number(organization.id),
        order_id=order.id, issued_at=order.paid_at or utcnow(),
        seller_name=organization.name, buyer_name=order.buyer_name,
        buyer_email=order.buyer_email, currency=order.currency, total=order.total,
    )
    db.session.add(invoice)
    db.session.flush()
    documents.request_document(DocumentKind.INVOICE_PDF, invoice.id, order.id, 1)
    return invoice


def next_invoice_number(organization_id: int) -> int:
    """Take the organization's next invoice number (locks its counter until commit)."""
    counter = _locked_counter(organization_id)
    if counter is None:
        # Made at the same moment by another transaction? Then this inserts nothing (after
        # waiting for theirs to commit) and their row is locked instead.
        insert_if_missing(InvoiceCounter, organization_id=organization_id, last_number=0)
        counter = _locked_counter(organization_id)
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def _locked_counter(organization_id: int) -> InvoiceCounter | None:
    return db.session.execute(
        select(InvoiceCounter).where(InvoiceCounter.organization_id == organization_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
