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
from app.models.tickets import Invoice, InvoiceCounter
from app.models.types import utcnow
from app.services.tickets import documents
from app.upserts import session_insert


def invoice_for_order(order_id: int) -> Invoice | None:
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order_id)).scalar_one_or_none()


def issue_invoice(order: Order) -> Invoice | None:
    """Number the invoice of a paid order and ask for its PDF; idempotent.

    Free orders get no invoice (None).
    """
    existing = invoice_for_order(order.id)
    if existing is not None:
        return existing
    invoice = number_invoice(order, known_new=True)
    if invoice is not None:
        documents.request_documents([documents.DocumentRequest.for_invoice(invoice)])
    return invoice


def number_invoice(order: Order, *, known_new: bool = False) -> Invoice | None:
    """A new, numbered invoice for a paid order (its PDF not asked for yet: see
    `DocumentRequest.for_invoice`); None for a free order, or one that has its invoice
    already. With `known_new`, the caller knows it has none (the check is not made; a second
    invoice for an order would break the unique index, never be written)."""
    if Decimal(order.total) <= 0 or (not known_new and invoice_for_order(order.id)):
        return None
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
    return invoice


def next_invoice_number(organization_id: int) -> int:
    """Take the organization's next invoice number (locks its counter until commit): one
    upsert, which creates the counter at 1 or adds one under the row's lock."""
    table = InvoiceCounter.__table__
    stmt = session_insert()(table).values(organization_id=organization_id, last_number=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.organization_id],
                                      set_={"last_number": table.c.last_number + 1})
    return db.session.execute(stmt.returning(table.c.last_number)).scalar_one()
