"""Signed codes for credentials other than tickets (crew QR codes, vendor passes).

Each kind has its own layout and its own signing context, under the organization's ticket
key (Ed25519), so a code of one kind never verifies as another kind or as a ticket. Layout:
big-endian `version (1 byte) · key id (4 bytes) · the kind's own fields`, then the 64-byte
signature, the whole base64url without padding.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from app.services.tickets import keys, signing

SIGNATURE_BYTES = 64


class InvalidCredentialCode(ValueError):
    """The code is not of this kind, not of this organization, or its signature fails."""


@dataclass(frozen=True)
class CredentialKind:
    noun: str              # "crew", "vendor": used in the messages
    context: bytes         # signed before the payload, so kinds never verify as each other
    layout: struct.Struct  # ">BI" + the kind's own fields
    version: int = 1


def sign_credential(kind: CredentialKind, organization_id: int, *fields: int) -> str:
    """The base64url code of `fields`, signed with the organization's active key."""
    key = keys.active_key(organization_id)
    payload = kind.layout.pack(kind.version, key.id, *fields)
    signature = keys.private_key(key).sign(kind.context + payload)
    return base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode("ascii")


def open_credential(kind: CredentialKind, code: str, organization_id: int) -> tuple[int, ...]:
    """`(key id, *fields)` of a code of `kind` signed by one of the organization's keys."""
    code = (code or "").strip()
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCredentialCode(f"That is not a {kind.noun} code.") from exc
    payload, signature = raw[:kind.layout.size], raw[kind.layout.size:]
    if (len(payload) != kind.layout.size or len(signature) != SIGNATURE_BYTES
            or payload[0] != kind.version):
        raise InvalidCredentialCode(f"That is not a {kind.noun} code.")
    _, key_id, *fields = kind.layout.unpack(payload)
    public = keys.public_keys(organization_id).get(key_id)
    if public is None:
        raise InvalidCredentialCode(f"This {kind.noun} code is for another organization.")
    try:
        signing.load_public_key(public).verify(signature, kind.context + payload)
    except InvalidSignature as exc:
        raise InvalidCredentialCode(
            f"The {kind.noun} code's signature does not verify.") from exc
    return (key_id, *fields)
