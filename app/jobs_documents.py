"""Document jobs (`documents` queue): thin, take ids, idempotent.

A job whose revision is already rendered, or no longer current, does nothing. Errors are
recorded on the document row and then raised, so RQ's `Retry` runs the job again.
"""

from __future__ import annotations

from collections.abc import Callable

from app.extensions import db
from app.models.tickets import DocumentKind, TicketDocument
from app.services.tickets import documents


def render_ticket_pdf(ticket_id: int, revision: int) -> str:
    return _run(DocumentKind.TICKET_PDF, documents.render_ticket, ticket_id, revision)


def render_order_pdf(order_id: int, revision: int) -> str:
    return _run(DocumentKind.ORDER_PDF, documents.render_order, order_id, revision)


def render_invoice(invoice_id: int, revision: int = 1) -> str:
    return _run(DocumentKind.INVOICE_PDF, documents.render_invoice, invoice_id, revision)


def sweep_documents() -> int:
    """Periodic: re-enqueue documents whose render job was lost."""
    return documents.sweep_pending()


def _run(kind: DocumentKind, render: Callable, subject_id: int, revision: int) -> str:
    try:
        return render(subject_id, revision).status
    except Exception as exc:
        db.session.rollback()
        db.session.execute(
            db.update(TicketDocument)
            .where(TicketDocument.kind == kind, TicketDocument.subject_id == subject_id,
                   TicketDocument.revision == revision)
            .values(error=f"{type(exc).__name__}: {exc}"[:2000]))
        db.session.commit()
        raise
