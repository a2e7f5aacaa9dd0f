"""Transferring a ticket: single-use link, the recipient's own account, a new code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models.tickets import Ticket, TicketStatus, Transfer, TransferStatus
from app.models.types import utcnow
from app.services.tickets import keys, revoke_order_tickets, signing, transfers
from app.services.tickets.access import ticket_for_user, tickets_for_user
from app.services.tickets.verification import CodeRejected, Rejection, ticket_for_code


@pytest.fixture
def offered(make_order, make_user, outbox):
    """(order, ticket, sender, recipient, token) with a pending transfer to the recipient."""
    sender = make_user(name="Sam Sender")
    order = make_order(seats=1, buyer=sender)
    ticket = db.session.scalars(select(Ticket)).one()
    recipient = make_user("rita@example.test", name="Rita Recipient")
    transfers.offer_transfer(ticket, sender, "Rita@Example.test", "Rita Recipient")
    db.session.commit()
    [offer] = outbox("rita@example.test")
    token = re.search(r"/tickets/transfers/([\w-]+)", offer.text_body).group(1)
    return order, ticket, sender, recipient, token


def _verify(code: str, order) -> signing.TicketClaims:
    return keys.verify_for_organization(code, order.event.organization_id)


def test_accepting_revokes_the_old_code_and_issues_a_new_one(offered, outbox):
    order, ticket, sender, recipient, token = offered
    old_code, old_secret = ticket.qr_payload, ticket.secret

    transfers.accept_transfer(token, recipient)
    db.session.commit()
    db.session.refresh(ticket)

    assert (ticket.holder_name, ticket.holder_email) == ("Rita Recipient", "rita@example.test")
    assert ticket.revision == 2 and ticket.secret != old_secret
    new = _verify(ticket.qr_payload, order)
    assert new.revision == 2 and new.secret.hex() == ticket.secret
    # The old code still carries a good signature: the gate rejects it by its revision.
    old = _verify(old_code, order)
    assert old.revision < ticket.revision and old.secret.hex() != ticket.secret
    organization = order.event.organization_id
    assert ticket_for_code(ticket.qr_payload, organization, order.event_id) == ticket
    with pytest.raises(CodeRejected) as rejected:
        ticket_for_code(old_code, organization, order.event_id)
    assert rejected.value.reason == Rejection.SUPERSEDED
    assert ticket_for_user(ticket.id, recipient) is not None
    assert ticket_for_user(ticket.id, sender) is None
    assert tickets_for_user(sender).upcoming == []
    received = outbox("rita@example.test")[-1]
    assert received.template == "transfer_received"
    assert received.attachments[0] == {"kind": "ticket_pdf", "id": ticket.id, "rev": 2}
    assert outbox(sender.email)[-1].template == "transfer_completed"


def test_the_link_works_once(offered):
    _, _, _, recipient, token = offered
    transfers.accept_transfer(token, recipient)
    db.session.commit()
    with pytest.raises(transfers.TransferLinkInvalid):
        transfers.accept_transfer(token, recipient)


def test_only_the_invited_email_can_accept(offered, make_user):
    _, ticket, _, _, token = offered
    intruder = make_user("mallory@example.test")
    with pytest.raises(transfers.TransferNotAllowed, match="rita@example.test"):
        transfers.accept_transfer(token, intruder)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).revision == 1


def test_an_expired_link_or_a_started_event_refuses(offered):
    order, ticket, sender, recipient, token = offered
    with time_machine.travel(utcnow() + timedelta(hours=73)):
        with pytest.raises(transfers.TransferLinkInvalid):
            transfers.accept_transfer(token, recipient)
    db.session.rollback()
    transfers.cancel_transfer(ticket)
    with time_machine.travel(order.event.starts_at + timedelta(minutes=1)):
        with pytest.raises(transfers.TransferNotAllowed, match="before the event"):
            transfers.offer_transfer(ticket, sender, "x@example.test", "X")


def test_one_open_offer_at_a_time_and_cancelling_kills_the_link(offered):
    _, ticket, sender, recipient, token = offered
    with pytest.raises(transfers.TransferNotAllowed, match="already offered"):
        transfers.offer_transfer(ticket, sender, "other@example.test", "Other")
    assert transfers.cancel_transfer(ticket) is True
    db.session.commit()
    assert transfers.transfer_by_token(token) is None
    with pytest.raises(transfers.TransferLinkInvalid):
        transfers.accept_transfer(token, recipient)


def test_revoking_the_order_cancels_open_offers(offered):
    order, ticket, _, recipient, token = offered
    revoke_order_tickets(order, "refunded")
    db.session.commit()
    assert db.session.scalars(select(Transfer)).one().status == TransferStatus.CANCELLED
    with pytest.raises(transfers.TransferLinkInvalid):
        transfers.accept_transfer(token, recipient)
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.REVOKED


def test_cannot_transfer_to_the_current_holder(make_order, make_user):
    order = make_order(seats=1)
    ticket = db.session.scalars(select(Ticket)).one()
    with pytest.raises(transfers.TransferNotAllowed):
        transfers.offer_transfer(ticket, order.user, order.buyer_email.upper(), "Me")
