"""Organizations' signing keys: made on first use, one active key per organization."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.tickets import OrganizationKey
from app.services.tickets import signing
from app.services.tickets.rows import insert_if_missing


def active_key(organization_id: int) -> OrganizationKey:
    """The organization's active key, created (once, even under concurrency) if missing."""
    key = _find_active(organization_id)
    if key is not None:
        return key
    private, public = signing.generate_key_pair()
    # If another transaction makes the organization's key first, the partial unique index
    # (one active key) turns this insert into nothing, and theirs is used.
    insert_if_missing(
        OrganizationKey, organization_id=organization_id, public_key=public, active=True,
        private_key_encrypted=signing.encrypt_private_key(
            private, organization_id, current_app.config["SECRET_KEY"]),
    )
    return _find_active(organization_id)


def _find_active(organization_id: int) -> OrganizationKey | None:
    return db.session.execute(
        select(OrganizationKey).where(OrganizationKey.organization_id == organization_id,
                                      OrganizationKey.active.is_(True))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def private_key(key: OrganizationKey) -> Ed25519PrivateKey:
    """The decrypted private half of `key`."""
    return signing.decrypt_private_key(key.private_key_encrypted, key.organization_id,
                                       current_app.config["SECRET_KEY"])


def public_keys(organization_id: int) -> dict[int, bytes]:
    """Every public key of the organization by key id (what a gate device caches)."""
    rows = db.session.execute(
        select(OrganizationKey.id, OrganizationKey.public_key)
        .where(OrganizationKey.organization_id == organization_id)
    )
    return {key_id: bytes(public) for key_id, public in rows}


def verify_for_organization(code: str, organization_id: int) -> signing.TicketClaims:
    """Verify `code` against the organization's own keys (a foreign key id is refused)."""
    claims = signing.read_unverified(code)
    public = public_keys(organization_id).get(claims.key_id)
    if public is None:
        raise signing.InvalidTicketCode("signed by a key of another organization")
    return signing.verify_code(code, public)
