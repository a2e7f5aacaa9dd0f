"""My tickets: thin views over `app.services.tickets`.

Tickets and orders of other people answer 404. Pages that show a ticket's code are kept out
of every cache (no-store) and out of htmx's history cache (`hx-history="false"`).
"""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.tickets import bp
from app.blueprints.tickets.forms import TransferForm
from app.extensions import db
from app.models.orders import Order
from app.models.tickets import DocumentKind, DocumentStatus, Ticket, TicketDocument
from app.services.errors import DomainError
from app.services.tickets import access, calendar, documents, mail, transfers, views
from app.web import hx_redirect, no_change, render_page_or_block


def _private(response, status: int | None = None):
    response = make_response(response)
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _ticket_or_404(ticket_id: int) -> Ticket:
    ticket = access.ticket_for_user(ticket_id, current_user)
    if ticket is None:
        abort(404)
    return ticket


def _order_or_404(code: str) -> Order:
    order = access.order_for_buyer(code, current_user)
    if order is None:
        abort(404)
    return order


def download_url(document: TicketDocument) -> str:
    """Where the file of `document` is downloaded."""
    if document.kind == DocumentKind.TICKET_PDF:
        return url_for("tickets.ticket_pdf", ticket_id=document.subject_id)
    code = db.session.get(Order, document.order_id).code
    endpoint = "tickets.order_pdf" if document.kind == DocumentKind.ORDER_PDF else \
        "tickets.invoice_pdf"
    return url_for(endpoint, code=code)


@bp.get("/account/tickets")
@login_required
def my_tickets():
    return render_template("tickets/list.html", tickets=access.tickets_for_user(current_user))


@bp.get("/account/tickets/<int:ticket_id>")
@login_required
def ticket_page(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    return _private(render_template(
        "tickets/ticket.html", ticket=ticket, card=views.ticket_card(ticket),
        document=access.ticket_document(ticket), download_url=download_url,
        transfer=transfers.pending_transfer(ticket.id)))


def _serve(document: TicketDocument | None, filename: str, title: str):
    """The PDF if ready; otherwise a page that says it is being prepared (and polls)."""
    path = documents.ready_file(document)
    if path is not None:
        return _private(send_file(path, mimetype="application/pdf", as_attachment=True,
                                  download_name=filename))
    if document is None or document.status == DocumentStatus.STALE:
        abort(404 if document is None else 410)
    return _private(render_template("tickets/document_pending.html", document=document,
                                    title=title, download_url=download_url), 202)


@bp.get("/account/tickets/<int:ticket_id>.pdf")
@login_required
def ticket_pdf(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    return _serve(access.ticket_document(ticket), f"ticket-{ticket.id}.pdf", "Ticket PDF")


@bp.get("/account/orders/<code>/tickets.pdf")
@login_required
def order_pdf(code: str):
    order = _order_or_404(code)
    document = documents.document_for(DocumentKind.ORDER_PDF, order.id)
    return _serve(document, f"tickets-{order.code}.pdf", f"Tickets of order {order.code}")


@bp.get("/account/orders/<code>/invoice.pdf")
@login_required
def invoice_pdf(code: str):
    order = _order_or_404(code)
    invoice = access.invoice_of(order)
    if invoice is None:
        abort(404)
    document = documents.document_for(DocumentKind.INVOICE_PDF, invoice.id)
    return _serve(document, f"invoice-{invoice.display_number}.pdf", "Invoice")


@bp.get("/account/documents/<int:document_id>/status")
@login_required
def document_status(document_id: int):
    """Polled while a PDF is prepared: 204 until its state differs from `?seen=`."""
    document = access.document_for_user(document_id, current_user)
    if document is None:
        abort(404)
    if request.args.get("seen") == f"{document.status.value}-{document.revision}":
        return no_change()
    return _private(render_template("tickets/_document.html", document=document,
                                     download_url=download_url))


@bp.get("/account/tickets/<int:ticket_id>.ics")
@login_required
def ticket_calendar(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    link = mail.public_url("tickets.ticket_page", ticket_id=ticket.id)
    response = make_response(calendar.ticket_calendar(ticket, link))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="ticket-{ticket.id}.ics"'
    return _private(response)


@bp.route("/account/tickets/<int:ticket_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer_ticket(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = TransferForm()
    if form.validate_on_submit():
        try:
            transfers.offer_transfer(ticket, current_user, form.email.data, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"We emailed {form.email.data} a link to accept the ticket.", "success")
            return hx_redirect(url_for("tickets.ticket_page", ticket_id=ticket.id))
    return _private(render_page_or_block(
        "tickets/transfer.html", "transfer_form", ticket=ticket, form=form,
        card=views.ticket_card(ticket), transfer=transfers.pending_transfer(ticket.id),
        status=422 if form.errors or form.form_errors else 200))


@bp.post("/account/tickets/<int:ticket_id>/transfer/cancel")
@login_required
def cancel_transfer(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    if transfers.cancel_transfer(ticket):
        db.session.commit()
        flash("The transfer was cancelled; the link no longer works.", "success")
    return hx_redirect(url_for("tickets.ticket_page", ticket_id=ticket.id))


@bp.get("/tickets/transfers/<token>")
def transfer_offer(token: str):
    transfer = transfers.transfer_by_token(token)
    return render_template("tickets/accept.html", transfer=transfer, token=token,
                           card=views.ticket_card(transfer.ticket) if transfer else None
                           ), 200 if transfer else 404


@bp.post("/tickets/transfers/<token>")
@login_required
def accept_transfer(token: str):
    try:
        ticket = transfers.accept_transfer(token, current_user)
    except DomainError as error:
        db.session.rollback()
        transfer = transfers.transfer_by_token(token)
        return render_template("tickets/accept.html", transfer=transfer, token=token,
                               problem=error.message, card=views.ticket_card(
                                   transfer.ticket) if transfer else None), 409
    db.session.commit()
    flash("The ticket is yours. It has a new QR code; the sender's no longer works.", "success")
    return hx_redirect(url_for("tickets.ticket_page", ticket_id=ticket.id))
