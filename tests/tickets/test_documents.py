"""Rendered PDFs: the QR code scans back to a verifying payload, the text names the right
holder, documents follow a ticket's revision, and the jobs are idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app import jobs_documents
from app.extensions import db
from app.models.tickets import DocumentKind, DocumentStatus, Invoice, Ticket
from app.services.tickets import documents, keys, reissue_ticket

from .conftest import Holder, decode_qr_codes, pdf_pages_png, pdf_text


def _ready_path(kind: DocumentKind, subject_id: int) -> Path:
    path = documents.ready_file(documents.document_for(kind, subject_id))
    assert path is not None, f"{kind} {subject_id} is not ready"
    return path


def test_ticket_pdf_qr_decodes_to_a_verifying_payload_and_names_only_its_holder(
        make_order, tmp_path):
    order = make_order(seats=2, holders=[Holder("Ngozi Alpha", "ngozi@example.test"),
                                         Holder("Tomasz Beta", "tomasz@example.test")])
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    path = _ready_path(DocumentKind.TICKET_PDF, first.id)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")

    text = pdf_text(data)
    assert "Ngozi Alpha" in text and "Tomasz Beta" not in text
    assert order.code in text and order.event.title in text
    assert "Stalls" in text and "Row" in text.title()

    pages = pdf_pages_png(path, tmp_path, resolution=80)
    assert len(pages) == 1
    codes = decode_qr_codes(pages[0])
    assert codes == [first.qr_payload]
    claims = keys.verify_for_organization(codes[0], order.event.organization_id)
    assert (claims.ticket_id, claims.seat_id) == (first.id, first.seat_id)


def test_order_pdf_has_one_page_and_code_per_ticket(make_order, tmp_path):
    order = make_order(seats=2, general=1)
    path = _ready_path(DocumentKind.ORDER_PDF, order.id)
    pages = pdf_pages_png(path, tmp_path, resolution=80)
    payloads = {t.qr_payload for t in db.session.scalars(select(Ticket))}
    assert len(pages) == 3
    assert {code for page in pages for code in decode_qr_codes(page)} == payloads
    assert "general admission" in pdf_text(path.read_bytes())


def test_event_time_is_shown_in_the_event_timezone(make_order):
    order = make_order(seats=1, timezone="America/New_York")
    ticket = db.session.scalars(select(Ticket)).one()
    text = pdf_text(_ready_path(DocumentKind.TICKET_PDF, ticket.id).read_bytes())
    local = order.event.starts_at.astimezone(__import__("zoneinfo").ZoneInfo(
        "America/New_York"))
    assert f"{local:%H:%M}" in text and "America/New_York" in text.replace("\n", "")


def test_invoice_pdf(make_order):
    order = make_order(seats=2)
    invoice = db.session.scalars(select(Invoice)).one()
    text = pdf_text(_ready_path(DocumentKind.INVOICE_PDF, invoice.id).read_bytes())
    assert "INV-000001" in text and order.code in text and order.buyer_name in text
    assert "200.00" in text


def test_a_job_for_a_ready_revision_does_nothing(make_order):
    make_order(seats=1)
    ticket = db.session.scalars(select(Ticket)).one()
    path = _ready_path(DocumentKind.TICKET_PDF, ticket.id)
    before = path.stat().st_mtime_ns
    assert jobs_documents.render_ticket_pdf(ticket.id, ticket.revision) == "ready"
    assert path.stat().st_mtime_ns == before


def test_a_new_revision_gets_a_new_pdf_and_old_jobs_are_superseded(make_order, tmp_path):
    make_order(seats=1)
    ticket = db.session.scalars(select(Ticket)).one()
    old_path, old_code = _ready_path(DocumentKind.TICKET_PDF, ticket.id), ticket.qr_payload
    reissue_ticket(ticket)
    db.session.commit()

    assert jobs_documents.render_ticket_pdf(ticket.id, 1) == "superseded"
    new_path = _ready_path(DocumentKind.TICKET_PDF, ticket.id)
    assert new_path != old_path and not old_path.exists()
    [page] = pdf_pages_png(new_path, tmp_path, resolution=80)
    assert decode_qr_codes(page) == [ticket.qr_payload] != [old_code]


def test_render_errors_are_recorded_and_raised(make_order, monkeypatch):
    make_order(seats=1, issue=True)
    ticket = db.session.scalars(select(Ticket)).one()
    reissue_ticket(ticket)
    from app.extensions import jobs

    jobs.pending(db.session()).clear()
    db.session.commit()

    def broken(html):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(documents, "html_to_pdf", broken)
    try:
        jobs_documents.render_ticket_pdf(ticket.id, 2)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the job must raise so that RQ retries it")
    document = documents.document_for(DocumentKind.TICKET_PDF, ticket.id)
    db.session.refresh(document)
    assert document.status == DocumentStatus.PENDING
    assert "renderer crashed" in document.error


def test_documents_whose_job_was_lost_are_swept(make_order, no_jobs):
    from datetime import timedelta

    import time_machine

    from app.models.types import utcnow
    from app.services.tickets import issue_tickets

    order = make_order(seats=1, issue=False)
    issue_tickets(order)
    no_jobs()  # Redis was down at commit: no job reached it
    db.session.commit()
    assert documents.sweep_pending() == 0  # not overdue yet
    with time_machine.travel(utcnow() + timedelta(minutes=10)):
        assert jobs_documents.sweep_documents() == 3  # ticket, order, invoice (run inline)
    ticket = db.session.scalars(select(Ticket)).one()
    assert _ready_path(DocumentKind.TICKET_PDF, ticket.id).exists()
    assert documents.sweep_pending() == 0


def test_documents_are_asked_for_in_one_statement_only_where_not_current(make_order, no_jobs):
    """A ready document at its revision is not asked for again; the others are, together,
    each with its own job after commit."""
    from app.extensions import jobs
    from tests.statements import statements

    order = make_order(seats=2)
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    asked = [documents.DocumentRequest(DocumentKind.TICKET_PDF, first.id, order.id,
                                       first.revision),  # ready at this revision
             documents.DocumentRequest(DocumentKind.TICKET_PDF, second.id, order.id,
                                       second.revision + 1),
             documents.DocumentRequest(DocumentKind.ORDER_PDF, order.id, order.id,
                                       order.version + 1)]
    with statements() as seen:
        assert documents.request_documents(asked) == 2
    assert len(seen) == 1
    assert sorted(request.job_id for request in jobs.pending(db.session())) == sorted(
        [f"ticket_pdf-{second.id}-r{second.revision + 1}",
         f"order_pdf-{order.id}-r{order.version + 1}"])
    assert documents.document_for(DocumentKind.TICKET_PDF, second.id).status == \
        DocumentStatus.PENDING
    assert documents.document_for(DocumentKind.TICKET_PDF, first.id).status == \
        DocumentStatus.READY
    no_jobs()
