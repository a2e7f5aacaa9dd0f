"""Server-side check of a scanned code: a good signature *and* the ticket as it is now.

The signature alone cannot tell a transferred ticket's old code from its new one (both were
signed by the organization); the revision and the secret in the code must match the ticket.
"""

from __future__ import annotations

import enum
import hmac

from app.extensions import db
from app.models.tickets import Ticket, TicketStatus
from app.services.tickets import keys, signing


class Rejection(enum.StrEnum):
    INVALID = "invalid"          # malformed, or the signature does not verify
    UNKNOWN = "unknown"          # no such ticket, or another event's
    REVOKED = "revoked"          # the order was cancelled or refunded
    SUPERSEDED = "superseded"    # an older code of a reissued (transferred) ticket


class CodeRejected(Exception):
    def __init__(self, reason: Rejection):
        super().__init__(reason.value)
        self.reason = reason


def ticket_for_code(code: str, organization_id: int, event_id: int | None = None) -> Ticket:
    """The ticket a scanned `code` stands for, or `CodeRejected` with the reason."""
    try:
        claims = keys.verify_for_organization(code, organization_id)
    except signing.InvalidTicketCode as exc:
        raise CodeRejected(Rejection.INVALID) from exc
    ticket = db.session.get(Ticket, claims.ticket_id)
    if ticket is None or ticket.event_id != claims.event_id or (
            event_id is not None and ticket.event_id != event_id):
        raise CodeRejected(Rejection.UNKNOWN)
    if ticket.status != TicketStatus.VALID:
        raise CodeRejected(Rejection.REVOKED)
    same_secret = hmac.compare_digest(claims.secret.hex(), ticket.secret)
    if claims.revision != ticket.revision or not same_secret:
        raise CodeRejected(Rejection.SUPERSEDED)
    return ticket
