"""Signed QR codes: a compact binary payload, signed with Ed25519, written in base64url.

Layout of version 1 (big-endian, 47 bytes, then the 64-byte signature; 148 characters):

    offset size field
    0      1    version (1)
    1      4    key id (`OrganizationKey.id`: which public key verifies it)
    5      4    ticket id
    9      4    event id
    13     4    ticket type id
    17     4    seat id (0: general admission)
    21     16   ticket secret (the gate derives the offline roster key from it)
    37     4    valid from (Unix seconds, UTC)
    41     4    valid until (Unix seconds, UTC)
    45     2    revision (a reissued ticket's old codes carry a lower one)

The signature covers `CONTEXT + payload`, so a signature made for anything else never
verifies as a ticket. Verifying needs only the public key: the gate can do it offline.

The private keys are stored encrypted (AES-256-GCM) with a key derived by HKDF from the app's
SECRET_KEY; the organization id is bound in as associated data, so a key row copied to
another organization does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
CONTEXT = b"marquee/ticket/v1\x00"
_LAYOUT = struct.Struct(">BIIIII16sIIH")
PAYLOAD_SIZE = _LAYOUT.size
SIGNATURE_SIZE = 64
CODE_LENGTH = (PAYLOAD_SIZE + SIGNATURE_SIZE) * 4 // 3
SECRET_SIZE = 16
_KEY_BLOB_VERSION = b"\x01"
_NONCE_SIZE = 12


class InvalidTicketCode(ValueError):
    """The code is malformed, of an unknown version, or its signature does not verify."""


@dataclass(frozen=True)
class TicketClaims:
    """What a ticket's QR code says about it."""

    key_id: int
    ticket_id: int
    event_id: int
    ticket_type_id: int
    seat_id: int | None
    secret: bytes
    valid_from: datetime
    valid_until: datetime
    revision: int
    version: int = VERSION

    def is_valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when <= self.valid_until


def _seconds(when: datetime) -> int:
    return int(when.astimezone(UTC).timestamp())


def _datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def encode_claims(claims: TicketClaims) -> bytes:
    """The payload bytes (unsigned)."""
    if len(claims.secret) != SECRET_SIZE:
        raise ValueError(f"the secret must be {SECRET_SIZE} bytes")
    return _LAYOUT.pack(claims.version, claims.key_id, claims.ticket_id, claims.event_id,
                        claims.ticket_type_id, claims.seat_id or 0, claims.secret,
                        _seconds(claims.valid_from), _seconds(claims.valid_until),
                        claims.revision)


def decode_claims(payload: bytes) -> TicketClaims:
    """Parse payload bytes (no signature check)."""
    if len(payload) != PAYLOAD_SIZE or payload[0] != VERSION:
        raise InvalidTicketCode("unknown ticket code version or size")
    (version, key_id, ticket_id, event_id, type_id, seat_id, secret, start, end,
     revision) = _LAYOUT.unpack(payload)
    return TicketClaims(key_id, ticket_id, event_id, type_id, seat_id or None, secret,
                        _datetime(start), _datetime(end), revision, version)


def sign_claims(claims: TicketClaims, private_key: Ed25519PrivateKey) -> str:
    """The QR code text for `claims`: base64url (no padding) of payload + signature."""
    payload = encode_claims(claims)
    signature = private_key.sign(CONTEXT + payload)
    return base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode("ascii")


def split_code(code: str) -> tuple[bytes, bytes]:
    """(payload, signature) of a code, checking only its form."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        raise InvalidTicketCode("a ticket code has a fixed length")
    try:
        raw = base64.b64decode(code.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise InvalidTicketCode("a ticket code is base64url") from exc
    return raw[:PAYLOAD_SIZE], raw[PAYLOAD_SIZE:]


def read_unverified(code: str) -> TicketClaims:
    """The claims of a code without checking its signature (to pick the key to check with)."""
    payload, _ = split_code(code)
    return decode_claims(payload)


def load_public_key(public_key: bytes | Ed25519PublicKey) -> Ed25519PublicKey:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_code(code: str, public_key: bytes | Ed25519PublicKey) -> TicketClaims:
    """The claims of `code` if `public_key` signed it; raises `InvalidTicketCode` otherwise.

    Checks form and signature only: the validity window and the ticket's state (revoked,
    already in) are the caller's to judge.
    """
    payload, signature = split_code(code)
    claims = decode_claims(payload)
    try:
        load_public_key(public_key).verify(signature, CONTEXT + payload)
    except InvalidSignature as exc:
        raise InvalidTicketCode("the signature does not verify") from exc
    return claims


def new_secret() -> bytes:
    """A fresh ticket secret (128 random bits)."""
    return os.urandom(SECRET_SIZE)


# ---------------------------------------------------------------- keys at rest

def _wrapping_key(app_secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"marquee/organization-keys",
                info=b"ed25519 private key wrapping v1").derive(app_secret.encode())


def _aad(organization_id: int) -> bytes:
    return f"organization:{organization_id}".encode()


def generate_key_pair() -> tuple[Ed25519PrivateKey, bytes]:
    """A new private key and its raw 32-byte public key."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return private, public


def encrypt_private_key(private_key: Ed25519PrivateKey, organization_id: int,
                        app_secret: str) -> bytes:
    """The private key, encrypted for storage (version byte, nonce, ciphertext + tag)."""
    raw = private_key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    nonce = os.urandom(_NONCE_SIZE)
    sealed = AESGCM(_wrapping_key(app_secret)).encrypt(nonce, raw, _aad(organization_id))
    return _KEY_BLOB_VERSION + nonce + sealed


def decrypt_private_key(blob: bytes, organization_id: int,
                        app_secret: str) -> Ed25519PrivateKey:
    """The private key stored as `blob`; ValueError if the secret or organization differ."""
    if blob[:1] != _KEY_BLOB_VERSION:
        raise ValueError("unknown private key format")
    nonce, sealed = blob[1:1 + _NONCE_SIZE], blob[1 + _NONCE_SIZE:]
    try:
        raw = AESGCM(_wrapping_key(app_secret)).decrypt(nonce, sealed, _aad(organization_id))
    except InvalidTag as exc:
        raise ValueError("the private key does not decrypt with this app secret") from exc
    return Ed25519PrivateKey.from_private_bytes(raw)
