"""Reading a scanned credential: its form and signature, before any ticket state.

A credential is recognised by its form (today only ticket codes: version byte 1 of
`app.services.tickets.signing`); vendor passes and crew credentials will add their own
reader to `READERS` under their own `CredentialKind`. The signature is checked with the
organization's public key only, so the same check runs on the gate device when offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models.checkin import CredentialKind
from app.models.tickets import OrganizationKey
from app.models.types import DB_INT_MAX
from app.services.tickets import signing


class UnreadableCredential(ValueError):
    """Not a credential of this organization and event: malformed, forged or foreign."""


@dataclass(frozen=True)
class Credential:
    """A credential whose signature verified."""

    kind: CredentialKind
    claims: signing.TicketClaims

    @property
    def subject_id(self) -> int:
        return self.claims.ticket_id


def organization_public_key(organization_id: int, key_id: int) -> bytes | None:
    """The raw public key `key_id` if it is one of the organization's (one indexed read)."""
    raw = db.session.scalar(select(OrganizationKey.public_key).where(
        OrganizationKey.id == key_id, OrganizationKey.organization_id == organization_id))
    return bytes(raw) if raw is not None else None


def read_form(code: str) -> signing.TicketClaims:
    """The claims a code states, checking only its form (the signature comes next)."""
    code = (code or "").strip()
    if not looks_like_code(code):
        raise UnreadableCredential("not a ticket code")
    try:
        claims = signing.read_unverified(code)
    except signing.InvalidTicketCode as exc:
        raise UnreadableCredential(str(exc)) from exc
    # The ids are not verified yet: one beyond a database integer must not reach a query.
    if max(claims.key_id, claims.ticket_id) > DB_INT_MAX:
        raise UnreadableCredential("not a ticket code")
    return claims


def verify_signature(code: str, public: bytes | None, event_id: int) -> Credential:
    """The credential if `public` (the organization's key named by the code) signed `code`
    for `event_id`; `UnreadableCredential` otherwise."""
    if public is None:
        raise UnreadableCredential("signed by a key of another organization")
    try:
        claims = signing.verify_code(code.strip(), bytes(public))
    except signing.InvalidTicketCode as exc:
        raise UnreadableCredential(str(exc)) from exc
    if claims.event_id != event_id:
        raise UnreadableCredential("a ticket for another event")
    return Credential(CredentialKind.TICKET, claims)


def read_ticket_code(code: str, organization_id: int, event_id: int) -> Credential:
    """A ticket code signed by one of the organization's keys, for `event_id`."""
    claims = read_form(code)
    return verify_signature(code, organization_public_key(organization_id, claims.key_id),
                            event_id)


READERS: dict[CredentialKind, Callable[[str, int, int], Credential]] = {
    CredentialKind.TICKET: read_ticket_code,
}


def looks_like_code(text: str) -> bool:
    """True when `text` has the form of a credential (else it is a search)."""
    return len(text) == signing.CODE_LENGTH


def read_credential(code: str, organization_id: int, event_id: int) -> Credential:
    """The verified credential `code` stands for; `UnreadableCredential` otherwise."""
    return READERS[CredentialKind.TICKET](code, organization_id, event_id)
