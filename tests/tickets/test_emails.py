"""The confirmation emails as MIME messages: text and HTML parts, the ticket PDFs attached,
the QR codes inline (Content-ID) next to the HTML that shows them."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import EmailStatus, OutboundEmail
from app.models.tickets import Ticket
from app.services import outbox as outbox_service
from app.services.tickets import reissue_ticket, revoke_order_tickets

from .conftest import Holder, pdf_text


def _parts(message):
    return {
        "pdfs": [p for p in message.iter_attachments() if p.get_content_type()
                 == "application/pdf"],
        "inline": [p for p in message.walk() if p.get_content_type() == "image/png"],
        "text": message.get_body(preferencelist=("plain",)),
        "html": message.get_body(preferencelist=("html",)),
    }


def test_buyer_confirmation_has_pdfs_inline_qr_codes_and_both_text_parts(make_order, outbox):
    order = make_order(seats=2, holders=[Holder("Lindiwe Other", "lindiwe@example.test")])
    email = outbox(order.buyer_email)[0]
    message = outbox_message(email)
    parts = _parts(message)
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()

    assert message.get_content_type() == "multipart/mixed"
    assert len(parts["pdfs"]) == 2
    assert all(p.get_content().startswith(b"%PDF") for p in parts["pdfs"])
    names = [pdf_text(p.get_content()) for p in parts["pdfs"]]
    assert "Lindiwe Other" in names[0] and "Lindiwe Other" not in names[1]

    html = parts["html"].get_content()
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    assert parts["html"] in related.iter_parts() or related.get_body() == parts["html"]
    assert [p["Content-ID"] for p in parts["inline"]] == [
        f"<qr{t.id}-1>" for t in tickets]
    for part in parts["inline"]:
        assert part.get_content().startswith(b"\x89PNG")
        assert f'src="cid:{part["Content-ID"].strip("<>")}"' in html
    text = parts["text"].get_content()
    assert order.code in text and "Lindiwe Other" in text and "/account/tickets" in text
    alternative = next(p for p in message.walk()
                       if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain", "multipart/related"]


def outbox_message(email):
    db.session.refresh(email)
    return outbox_service.build_message(email)


def test_other_holder_gets_only_their_own_ticket(make_order, outbox):
    make_order(seats=2, holders=[Holder("Lindiwe Other", "lindiwe@example.test")])
    [email] = outbox("lindiwe@example.test")
    parts = _parts(outbox_message(email))
    assert len(parts["pdfs"]) == 1 and len(parts["inline"]) == 1
    assert "Lindiwe Other" in pdf_text(parts["pdfs"][0].get_content())
    assert "Bea Buyer" not in pdf_text(parts["pdfs"][0].get_content())


def test_a_ticket_changed_before_sending_is_left_out(make_order, outbox):
    order = make_order(seats=2)
    email = outbox(order.buyer_email)[0]
    first = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()
    reissue_ticket(first)
    db.session.commit()
    parts = _parts(outbox_message(email))
    assert len(parts["pdfs"]) == 1 and len(parts["inline"]) == 1

    revoke_order_tickets(order, "cancelled")
    db.session.commit()
    parts = _parts(outbox_message(email))
    assert parts["pdfs"] == [] and parts["inline"] == []


def test_a_missing_pdf_is_rendered_when_the_email_is_built(make_order, outbox, no_jobs):
    order = make_order(seats=1, issue=False)
    from app.services.tickets import issue_tickets

    issue_tickets(order)
    no_jobs()  # no PDF job ran: the email renders the PDF itself
    db.session.commit()
    email = outbox(order.buyer_email)[0]
    [pdf] = _parts(outbox_message(email))["pdfs"]
    assert "Bea Buyer" in pdf_text(pdf.get_content())


def test_resolver_trouble_is_a_temporary_failure(make_order, outbox, monkeypatch, app):
    from app.services.tickets import documents, issue_tickets

    order = make_order(seats=1, issue=False)
    issue_tickets(order)
    db.session.commit()
    email = outbox(order.buyer_email)[0]
    db.session.execute(db.update(OutboundEmail).values(status=EmailStatus.QUEUED))
    db.session.commit()
    # A PDF that cannot be rendered right now: delivery is retried, not given up.
    monkeypatch.setattr(documents, "ready_file", lambda document: None)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    try:
        try:
            outbox_service.deliver_email(email.id)
        except outbox_service.TemporaryEmailError:
            pass
        else:
            raise AssertionError("expected a temporary failure")
    finally:
        app.config["MAIL_SERVER"] = None
    db.session.expire_all()
    email = db.session.get(OutboundEmail, email.id)
    assert email.status == EmailStatus.QUEUED and email.next_attempt_at is not None
    assert "PDF not ready" in email.last_error
