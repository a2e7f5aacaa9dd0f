"""Transferring a ticket to another person, through a single-use emailed link.

The holder names an email; the recipient follows the link, logs in (or registers) with that
email and accepts. Accepting gives the ticket a new code (the old one stops working at the
gate), new PDFs, and tells both people.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.tickets import Ticket, TicketStatus, Transfer, TransferStatus
from app.models.types import utcnow
from app.services.accounts import normalise_email
from app.services.errors import DomainError
from app.services.outbox import queue_email
from app.services.tickets import mail, views
from app.services.tickets.issuance import reissue_ticket


class TransferNotAllowed(DomainError):
    """The ticket cannot be transferred now (revoked, event started, already offered...)."""


class TransferLinkInvalid(DomainError):
    """The link is unknown, used, cancelled or expired."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pending_transfer(ticket_id: int) -> Transfer | None:
    return db.session.execute(
        select(Transfer).where(Transfer.ticket_id == ticket_id,
                               Transfer.status == TransferStatus.PENDING)
    ).scalar_one_or_none()


def offer_transfer(ticket: Ticket, sender: User, to_email: str, to_name: str) -> Transfer:
    """Offer `ticket` to `to_email`; emails the recipient a single-use link."""
    to_email = normalise_email(to_email)
    event = db.session.get(Event, ticket.event_id)
    now = utcnow()
    if ticket.status != TicketStatus.VALID:
        raise TransferNotAllowed("This ticket is no longer valid.")
    if now >= event.starts_at:
        raise TransferNotAllowed("Tickets can be transferred only before the event starts.")
    if to_email == ticket.holder_email:
        raise TransferNotAllowed("This ticket is already held by that email.", "email")
    if pending_transfer(ticket.id) is not None:
        raise TransferNotAllowed("This ticket is already offered to someone. Cancel that "
                                 "offer first.")
    hours = int(current_app.config.get("TICKET_TRANSFER_HOURS", 72))
    token = secrets.token_urlsafe(32)
    transfer = Transfer(ticket_id=ticket.id, from_user_id=sender.id, to_email=to_email,
                        to_name=to_name.strip() or to_email, token_hash=_hash(token),
                        status=TransferStatus.PENDING,
                        expires_at=min(now + timedelta(hours=hours), event.starts_at))
    db.session.add(transfer)
    db.session.flush()
    queue_email(to_email, "transfer_offer", f"{sender.name} is sending you a ticket for "
                f"{event.title}", related=("ticket_transfer", transfer.id),
                sender_name=sender.name, event=event, card=views.ticket_card(ticket),
                link=mail.public_url("tickets.transfer_offer", token=token),
                expires=transfer.expires_at)
    return transfer


def transfer_by_token(token: str) -> Transfer | None:
    """The pending, unexpired transfer behind a link, or None."""
    transfer = db.session.execute(
        select(Transfer).where(Transfer.token_hash == _hash(token))
    ).scalar_one_or_none()
    if (transfer is None or transfer.status != TransferStatus.PENDING
            or transfer.expires_at <= utcnow()):
        return None
    return transfer


def accept_transfer(token: str, recipient: User) -> Ticket:
    """Accept a transfer as `recipient` (whose account email must be the one invited)."""
    transfer = db.session.execute(
        select(Transfer).where(Transfer.token_hash == _hash(token)).with_for_update()
    ).scalar_one_or_none()
    if (transfer is None or transfer.status != TransferStatus.PENDING
            or transfer.expires_at <= utcnow()):
        raise TransferLinkInvalid("This transfer link is no longer valid.")
    if recipient.email.lower() != transfer.to_email:
        raise TransferNotAllowed(f"This ticket was sent to {transfer.to_email}. Log in with "
                                 "that email address to accept it.")
    ticket = db.session.get(Ticket, transfer.ticket_id, with_for_update=True)
    if ticket.status != TicketStatus.VALID:
        transfer.status = TransferStatus.CANCELLED
        raise TransferNotAllowed("This ticket is no longer valid.")
    previous_email, previous_name = ticket.holder_email, ticket.holder_name
    ticket.holder_email, ticket.holder_name = transfer.to_email, transfer.to_name
    ticket.holder_user_id = recipient.id
    reissue_ticket(ticket)
    transfer.status, transfer.accepted_at = TransferStatus.ACCEPTED, utcnow()
    transfer.to_user_id = recipient.id
    db.session.flush()
    _queue_accepted_emails(transfer, ticket, previous_email, previous_name)
    return ticket


def _queue_accepted_emails(transfer: Transfer, ticket: Ticket, previous_email: str,
                           previous_name: str) -> None:
    event = db.session.get(Event, ticket.event_id)
    mail.queue_ticket_email(
        ticket.holder_email, "transfer_received", f"Your ticket for {event.title}", [ticket],
        user_id=transfer.to_user_id, related=("ticket_transfer", transfer.id), event=event,
        holder_name=ticket.holder_name)
    sender = db.session.get(User, transfer.from_user_id) if transfer.from_user_id else None
    notify = {previous_email} | ({sender.email.lower()} if sender else set())
    for email in sorted(notify - {ticket.holder_email}):
        queue_email(email, "transfer_completed", f"Your ticket for {event.title} was "
                    "transferred", related=("ticket_transfer", transfer.id), event=event,
                    previous_name=previous_name, recipient=ticket.holder_name,
                    my_tickets=mail.public_url("tickets.my_tickets"))


def cancel_transfer(ticket: Ticket) -> bool:
    """Withdraw the ticket's open offer; True if there was one."""
    transfer = pending_transfer(ticket.id)
    if transfer is None:
        return False
    transfer.status = TransferStatus.CANCELLED
    db.session.flush()
    return True


def cancel_pending_transfers(ticket_ids: list[int]) -> None:
    """Withdraw the open offers of tickets being revoked."""
    if ticket_ids:
        db.session.execute(
            db.update(Transfer)
            .where(Transfer.ticket_id.in_(ticket_ids), Transfer.status == TransferStatus.PENDING)
            .values(status=TransferStatus.CANCELLED))
