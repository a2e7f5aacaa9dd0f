"""Issuing tickets for a paid order, idempotently, and revoking them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboundEmail
from app.models.tickets import (
    DocumentKind,
    DocumentStatus,
    Invoice,
    Ticket,
    TicketDocument,
    TicketStatus,
)
from app.services.tickets import issue_tickets, keys, revoke_order_tickets, signing
from app.services.tickets.verification import CodeRejected, Rejection, ticket_for_code

from .conftest import Holder


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_one_ticket_per_line_with_the_line_holder_and_a_signed_code(make_order):
    order = make_order(seats=1, general=1,
                       holders=[Holder("Ann Holder", "ANN@example.test")])
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.order_line_id for t in tickets] == [line.id for line in order.lines]
    seated, standing = tickets
    assert (seated.holder_name, seated.holder_email) == ("Ann Holder", "ann@example.test")
    assert standing.holder_email == order.buyer_email
    assert standing.seat_id is None and seated.seat_id == order.lines[0].seat_id
    assert len(bytes.fromhex(seated.secret)) * 8 >= 128
    assert seated.secret != standing.secret
    claims = keys.verify_for_organization(seated.qr_payload, order.event.organization_id)
    assert (claims.ticket_id, claims.event_id, claims.seat_id, claims.revision) == (
        seated.id, order.event_id, seated.seat_id, 1)
    assert claims.secret.hex() == seated.secret
    assert claims.valid_from < order.event.starts_at < order.event.ends_at < claims.valid_until
    assert signing.verify_code(standing.qr_payload,
                               keys.public_keys(order.event.organization_id)[claims.key_id]
                               ).seat_id is None


def test_issuing_twice_issues_nothing_new(make_order, outbox):
    order = make_order(seats=2)
    first = {t.id for t in db.session.scalars(select(Ticket))}
    emails = len(outbox())

    again = issue_tickets(order)
    db.session.commit()

    assert {t.id for t in again} == first
    assert _count(Ticket) == 2
    assert len(outbox()) == emails == 1
    assert _count(Invoice) == 1
    assert _count(TicketDocument) == 2 + 1 + 1  # two tickets, the order, the invoice


def test_documents_are_rendered_after_commit(make_order):
    order = make_order(seats=2)
    rows = db.session.scalars(select(TicketDocument)).all()
    assert {row.kind for row in rows} == set(DocumentKind)
    assert all(row.status == DocumentStatus.READY for row in rows), [r.error for r in rows]
    assert {row.order_id for row in rows} == {order.id}


def test_one_email_for_the_buyer_and_one_per_other_holder(make_order, outbox):
    order = make_order(seats=3, holders=[Holder("Ann", "ann@example.test"),
                                         Holder("Ann again", "Ann@Example.test"),
                                         Holder("Me", "")])
    emails = outbox()
    by_address = {e.to_email: e for e in emails}
    assert sorted(by_address) == sorted([order.buyer_email, "ann@example.test"])
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    buyer_mail, ann_mail = by_address[order.buyer_email], by_address["ann@example.test"]
    assert {a["id"] for a in buyer_mail.attachments if a["kind"] == "ticket_pdf"} == {
        t.id for t in tickets}
    assert {a["id"] for a in ann_mail.attachments if a["kind"] == "ticket_pdf"} == {
        t.id for t in tickets[:2]}
    assert order.code in buyer_mail.subject and "Ann" in ann_mail.text_body


def test_free_orders_get_tickets_but_no_invoice(make_order, seat_map_event):
    seated = seat_map_event(prices={"VIP": 0, "Standard": 0})
    order = make_order(seated=seated, issue=False, seats=1)
    order.total = 0
    issue_tickets(order)
    db.session.commit()
    assert _count(Ticket) == 1 and _count(Invoice) == 0


def test_revocation_revokes_tickets_and_marks_their_pdfs_stale(make_order):
    order = make_order(seats=2)
    assert revoke_order_tickets(order, "Order cancelled by the organizer") == 2
    db.session.commit()
    tickets = db.session.scalars(select(Ticket)).all()
    assert {t.status for t in tickets} == {TicketStatus.REVOKED}
    assert all(t.revoked_at and t.revoked_reason.startswith("Order cancelled") for t in tickets)
    stale = db.session.scalars(select(TicketDocument).where(
        TicketDocument.kind.in_([DocumentKind.TICKET_PDF, DocumentKind.ORDER_PDF]))).all()
    assert {d.status for d in stale} == {DocumentStatus.STALE}
    assert revoke_order_tickets(order, "again") == 0
    with pytest.raises(CodeRejected) as rejected:
        ticket_for_code(tickets[0].qr_payload, order.event.organization_id)
    assert rejected.value.reason == Rejection.REVOKED


def test_a_revoked_seat_can_be_ticketed_again(make_order, seat_map_event):
    seated = seat_map_event()
    first = make_order(seated=seated, seats=1)
    revoke_order_tickets(first, "refunded")
    db.session.commit()
    make_order(seated=seated, seats=1)
    assert _count(Ticket, Ticket.status == TicketStatus.VALID) == 1


def test_one_signing_key_per_organization(make_order, seat_map_event):
    seated = seat_map_event(general_admission={"Standing": 100})
    make_order(seated=seated, seats=1)
    make_order(seated=seated, seats=0, general=1)
    assert len(keys.public_keys(seated.event.organization_id)) == 1
    assert len({t.key_id for t in db.session.scalars(select(Ticket))}) == 1
    assert _count(OutboundEmail) == 2


def test_issued_inside_a_savepoint_the_jobs_wait_for_the_real_commit(make_order, outbox):
    # Bulk approval issues each order's tickets inside a savepoint: releasing it is not the
    # commit, and a job that ran then would find no rows.
    order = make_order(seats=1, issue=False)
    with db.session.begin_nested():
        issue_tickets(order)
    assert _count(TicketDocument, TicketDocument.status == DocumentStatus.READY) == 0
    db.session.commit()
    documents = db.session.scalars(select(TicketDocument)).all()
    assert documents and {d.status for d in documents} == {DocumentStatus.READY}
    assert [e.status.value for e in outbox()] == ["kept"]


def test_a_code_resigned_with_another_organizations_key_is_rejected(make_order,
                                                                     seat_map_event):
    ours = make_order(seats=1)
    theirs = make_order(seats=1, seated=seat_map_event())
    our_ticket, their_ticket = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    our_org, their_org = ours.event.organization_id, theirs.event.organization_id
    assert our_org != their_org
    # Their valid code, and our ticket's claims re-signed with their key (keeping our key id).
    claims = signing.read_unverified(our_ticket.qr_payload)
    forged = signing.sign_claims(claims, keys.private_key(keys.active_key(their_org)))
    for code in (their_ticket.qr_payload, forged):
        try:
            keys.verify_for_organization(code, our_org)
        except signing.InvalidTicketCode:
            continue
        raise AssertionError("a code signed with another organization's key verified")
    assert keys.verify_for_organization(our_ticket.qr_payload, our_org).ticket_id == (
        our_ticket.id)
