"""PDF tickets and invoices: requested in a transaction, rendered by a `documents` job.

Each subject (a ticket, an order's tickets, an invoice) has one `TicketDocument` row. Asking
for a document marks the row pending at the subject's current revision and enqueues a job
whose id names that revision, so duplicates collapse. The job renders only while its
revision is current and the row is not already ready for it, holding the row's lock while it
renders (two workers never render the same document twice), and writes the file under a
name that also names the revision, atomically: a retried job overwrites the same file.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import and_, bindparam, or_, select

from app.extensions import db, jobs
from app.models.orders import Order
from app.models.tickets import (
    DocumentKind,
    DocumentStatus,
    Invoice,
    Ticket,
    TicketDocument,
    TicketStatus,
)
from app.models.types import utcnow
from app.services.tickets import views
from app.upserts import insert_for

JOBS = {
    DocumentKind.TICKET_PDF: "app.jobs_documents.render_ticket_pdf",
    DocumentKind.ORDER_PDF: "app.jobs_documents.render_order_pdf",
    DocumentKind.INVOICE_PDF: "app.jobs_documents.render_invoice",
}
STYLESHEET = Path(__file__).resolve().parents[2] / "templates" / "pdf" / "pdf.css"
_CSS_CACHE: dict[str, object] = {}


def documents_root() -> Path:
    """Where rendered documents live (DOCUMENTS_PATH, by default instance/documents)."""
    configured = current_app.config.get("DOCUMENTS_PATH")
    return Path(configured or Path(current_app.config["INSTANCE_PATH"]) / "documents")


# ---------------------------------------------------------------- requesting

@dataclass(frozen=True)
class DocumentRequest:
    """One document to ask for: its kind, subject, order and the subject's revision."""

    kind: DocumentKind
    subject_id: int
    order_id: int
    revision: int

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> DocumentRequest:
        """A ticket's PDF at the ticket's revision."""
        return cls(DocumentKind.TICKET_PDF, ticket.id, ticket.order_id, ticket.revision)

    @classmethod
    def for_order(cls, order: Order) -> DocumentRequest:
        """An order's PDF (all its tickets) at the order's version."""
        return cls(DocumentKind.ORDER_PDF, order.id, order.id, order.version)

    @classmethod
    def for_invoice(cls, invoice: Invoice) -> DocumentRequest:
        """An invoice's PDF (an invoice does not change: revision 1)."""
        return cls(DocumentKind.INVOICE_PDF, invoice.id, invoice.order_id, 1)

    @property
    def job_id(self) -> str:
        return f"{self.kind.value}-{self.subject_id}-r{self.revision}"


def request_documents(requests: list[DocumentRequest]) -> int:
    """Mark each document pending at its revision and enqueue its job after commit; how
    many were asked for (a row already ready, or pending, for its revision is left alone,
    and nothing is enqueued for it).

    One statement: an upsert of all the rows (several VALUES rows in one INSERT), which
    creates each row, or takes it over under its row lock unless it already describes this
    revision (two transactions asking at the same moment queue on that lock, and the second
    finds the first's revision).
    """
    requests = list({(r.kind, r.subject_id): r for r in requests}.values())
    if not requests:
        return 0
    now = utcnow()
    stmt = _request_statement(db.session.get_bind().dialect.name)
    params = [{"kind": r.kind, "subject_id": r.subject_id, "order_id": r.order_id,
               "revision": r.revision, "requested_at": now, "job_id": r.job_id}
              for r in requests]
    taken = {(row.kind, row.subject_id) for row in db.session.execute(stmt, params)}
    retries = tuple(current_app.config.get("DOCUMENT_JOB_RETRIES", (10, 60, 300)))
    asked = [r for r in requests if (r.kind, r.subject_id) in taken]
    for r in asked:
        jobs.after_commit(db.session(), JOBS[r.kind], r.subject_id, r.revision,
                          queue="documents", job_id=r.job_id, retries=retries)
    return len(asked)


@cache
def _request_statement(dialect: str):
    """The upsert of `request_documents`, built once per database kind (its parameters are
    bound at each call): building an `INSERT … ON CONFLICT` construct costs more than
    running it."""
    table = TicketDocument.__table__
    stmt = insert_for(dialect)(table).values(
        kind=bindparam("kind"), subject_id=bindparam("subject_id"),
        order_id=bindparam("order_id"), revision=bindparam("revision"),
        status=DocumentStatus.PENDING, error=None,
        requested_at=bindparam("requested_at"), job_id=bindparam("job_id"))
    taken = {name: getattr(stmt.excluded, name)
             for name in ("revision", "status", "error", "requested_at", "job_id")}
    current = and_(table.c.revision == stmt.excluded.revision,
                   or_(table.c.status == DocumentStatus.READY,  # not IN: no list
                       table.c.status == DocumentStatus.PENDING))   # in a multi-row insert
    return stmt.on_conflict_do_update(index_elements=[table.c.kind, table.c.subject_id],
                                      set_=taken, where=~current).returning(
                                          table.c.kind, table.c.subject_id)


def _locked_row(kind: DocumentKind, subject_id: int) -> TicketDocument | None:
    return db.session.execute(
        select(TicketDocument).where(TicketDocument.kind == kind,
                                     TicketDocument.subject_id == subject_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def sweep_pending(older_than_seconds: int = 300, limit: int = 200) -> int:
    """Enqueue again the render of documents pending for too long (their job never reached
    Redis, or was lost); returns how many. The jobs are idempotent, so a duplicate is cheap.
    """
    stale = utcnow() - timedelta(seconds=older_than_seconds)
    rows = db.session.execute(
        select(TicketDocument.kind, TicketDocument.subject_id, TicketDocument.revision,
               TicketDocument.job_id)
        .where(TicketDocument.status == DocumentStatus.PENDING,
               TicketDocument.requested_at <= stale)
        .order_by(TicketDocument.id).limit(limit)
    ).all()
    retries = tuple(current_app.config.get("DOCUMENT_JOB_RETRIES", (10, 60, 300)))
    for kind, subject_id, revision, job_id in rows:
        jobs.after_commit(db.session(), JOBS[kind], subject_id, revision, queue="documents",
                          job_id=job_id, retries=retries)
    db.session.commit()
    return len(rows)


def document_for(kind: DocumentKind, subject_id: int) -> TicketDocument | None:
    """The document row of a subject, if one was ever requested."""
    return db.session.execute(
        select(TicketDocument).where(TicketDocument.kind == kind,
                                     TicketDocument.subject_id == subject_id)
    ).scalar_one_or_none()


def mark_stale(kind: DocumentKind, subject_ids: list[int]) -> int:
    """Stop handing out the documents of revoked subjects; returns how many were marked."""
    if not subject_ids:
        return 0
    result = db.session.execute(
        db.update(TicketDocument)
        .where(TicketDocument.kind == kind, TicketDocument.subject_id.in_(subject_ids))
        .values(status=DocumentStatus.STALE)
    )
    return result.rowcount


def ready_file(document: TicketDocument | None) -> Path | None:
    """The file of a ready document (None while pending, stale, or if the file is gone)."""
    if document is None or document.status != DocumentStatus.READY or not document.path:
        return None
    path = documents_root() / document.path
    return path if path.is_file() else None


# ---------------------------------------------------------------- rendering

@dataclass(frozen=True)
class RenderResult:
    document_id: int
    status: str          # "rendered", "ready" (already), "superseded", "missing"
    path: str | None = None


def render_ticket(ticket_id: int, revision: int) -> RenderResult:
    """Render one ticket's PDF at `revision` (the job's body; idempotent)."""
    return _render(DocumentKind.TICKET_PDF, ticket_id, revision)


def render_order(order_id: int, revision: int) -> RenderResult:
    """Render the PDF with all valid tickets of an order, at order version `revision`."""
    return _render(DocumentKind.ORDER_PDF, order_id, revision)


def render_invoice(invoice_id: int, revision: int = 1) -> RenderResult:
    """Render an invoice's PDF (invoices never change: revision 1)."""
    return _render(DocumentKind.INVOICE_PDF, invoice_id, revision)


def _render(kind: DocumentKind, subject_id: int, revision: int) -> RenderResult:
    document = _locked_row(kind, subject_id)
    if document is None:
        db.session.rollback()
        return RenderResult(0, "missing")
    if document.revision != revision or document.status == DocumentStatus.STALE:
        db.session.rollback()
        return RenderResult(document.id, "superseded")
    if ready_file(document) is not None:
        result = RenderResult(document.id, "ready", document.path)
        db.session.rollback()
        return result
    name, html = _html_for(kind, subject_id, revision)
    pause_for_tests()
    pdf = html_to_pdf(html)
    relative = f"{kind.value}/{subject_id}/{name}"
    write_atomically(documents_root() / relative, pdf)
    document.status, document.path, document.size = DocumentStatus.READY, relative, len(pdf)
    document.rendered_at, document.error = utcnow(), None
    result = RenderResult(document.id, "rendered", relative)
    db.session.commit()
    _remove_older_files(documents_root() / relative)
    return result


def _html_for(kind: DocumentKind, subject_id: int, revision: int) -> tuple[str, str]:
    """(file name, HTML) of a document."""
    if kind == DocumentKind.TICKET_PDF:
        ticket = db.session.get(Ticket, subject_id)
        cards = [views.ticket_card(ticket)] if ticket.status == TicketStatus.VALID else []
        return (f"ticket-{subject_id}-r{revision}.pdf",
                render_template("pdf/tickets.html", cards=cards, title="Ticket"))
    if kind == DocumentKind.ORDER_PDF:
        order = db.session.get(Order, subject_id)
        tickets = db.session.scalars(
            select(Ticket).where(Ticket.order_id == order.id,
                                 Ticket.status == TicketStatus.VALID).order_by(Ticket.id))
        cards = [views.ticket_card(ticket) for ticket in tickets]
        return (f"tickets-{order.code}-v{revision}.pdf",
                render_template("pdf/tickets.html", cards=cards, title=f"Order {order.code}"))
    invoice = db.session.get(Invoice, subject_id)
    return (f"invoice-{invoice.display_number}.pdf",
            render_template("pdf/invoice.html", invoice=views.invoice_view(invoice)))


def stylesheet():
    """The PDF stylesheet, parsed once per process."""
    from weasyprint import CSS

    key = str(STYLESHEET)
    if key not in _CSS_CACHE:
        _CSS_CACHE[key] = CSS(filename=key)
    return _CSS_CACHE[key]


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint: HTML (with the PDF stylesheet) to PDF bytes."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(STYLESHEET.parent)).write_pdf(
        stylesheets=[stylesheet()])


def pause_for_tests() -> None:
    """Tests make a render job pause here (DOCUMENT_RENDER_PAUSE seconds) to kill its worker
    mid-job. Honoured only in a TESTING app."""
    config = current_app.config
    pause = float(config.get("DOCUMENT_RENDER_PAUSE") or 0) if config.get("TESTING") else 0.0
    if pause > 0:
        marker = config.get("DOCUMENT_RENDER_PAUSE_MARKER")
        if marker:
            Path(marker).touch()
        time.sleep(pause)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a rendered document so readers never see half a file (rename into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rendering-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_older_files(current: Path) -> None:
    """Delete the subject's files of earlier revisions (best effort)."""
    for path in current.parent.glob("*.pdf"):
        if path != current:
            path.unlink(missing_ok=True)
