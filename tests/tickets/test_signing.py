"""Signed QR payloads: round trip, and every kind of forgery rejected."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.services.tickets import signing
from app.services.tickets.signing import InvalidTicketCode, TicketClaims

START = datetime(2026, 3, 14, 17, 30, tzinfo=UTC)
PRIVATE, PUBLIC = signing.generate_key_pair()
OTHER_PRIVATE, OTHER_PUBLIC = signing.generate_key_pair()


def claims(**changes) -> TicketClaims:
    values = dict(key_id=7, ticket_id=123456, event_id=42, ticket_type_id=9, seat_id=31337,
                  secret=bytes(range(16)), valid_from=START - timedelta(days=1),
                  valid_until=START + timedelta(hours=12), revision=3)
    values.update(changes)
    return TicketClaims(**values)


CODE = signing.sign_claims(claims(), PRIVATE)


def _raw(code: str) -> bytes:
    return base64.urlsafe_b64decode(code)


def _code(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_round_trip_with_only_the_public_key():
    assert signing.verify_code(CODE, PUBLIC) == claims()
    assert len(CODE) == signing.CODE_LENGTH == 148
    assert set(CODE) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_general_admission_has_no_seat():
    code = signing.sign_claims(claims(seat_id=None), PRIVATE)
    assert signing.verify_code(code, PUBLIC).seat_id is None


def test_validity_window():
    verified = signing.verify_code(CODE, PUBLIC)
    assert verified.is_valid_at(START)
    assert not verified.is_valid_at(START + timedelta(days=1))
    assert not verified.is_valid_at(START - timedelta(days=2))


def test_a_code_signed_with_another_key_is_rejected():
    forged = signing.sign_claims(claims(), OTHER_PRIVATE)
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(forged, PUBLIC)


def test_a_signature_made_for_something_else_is_rejected():
    payload = signing.encode_claims(claims())
    bare = PRIVATE.sign(payload)  # no ticket context prefix
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(_code(payload + bare), PUBLIC)


@pytest.mark.parametrize("code", [
    "", CODE[:-1], CODE[:-4], CODE + "A", CODE + "AAAA", CODE[:-2] + "==",
    CODE.replace(CODE[10], "+" if CODE[10] != "+" else "/", 1), " " + CODE[1:],
    "é" * 148,
])
def test_malformed_codes_are_rejected(code):
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(code, PUBLIC)


def test_an_unknown_version_is_rejected_even_if_signed():
    payload = bytearray(signing.encode_claims(claims()))
    payload[0] = 2
    signature = PRIVATE.sign(signing.CONTEXT + bytes(payload))
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(_code(bytes(payload) + signature), PUBLIC)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_byte_mutation_is_rejected(data):
    raw = bytearray(_raw(CODE))
    positions = data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4,
                                   unique=True))
    for position in positions:
        raw[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(_code(bytes(raw)), PUBLIC)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 110), st.binary(max_size=8))
def test_truncated_or_extended_codes_are_rejected(keep, tail):
    raw = _raw(CODE)[:keep] + tail
    assume(len(raw) != len(_raw(CODE)))
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(_code(raw), PUBLIC)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies(text):
    assume(text != CODE)
    with pytest.raises(InvalidTicketCode):
        signing.verify_code(text, PUBLIC)


def test_private_keys_are_encrypted_with_the_app_secret_and_bound_to_the_organization():
    blob = signing.encrypt_private_key(PRIVATE, 5, "app secret")
    raw_private = PRIVATE.private_bytes_raw()
    assert raw_private not in blob
    restored = signing.decrypt_private_key(blob, 5, "app secret")
    assert signing.verify_code(signing.sign_claims(claims(), restored), PUBLIC)
    with pytest.raises(ValueError):
        signing.decrypt_private_key(blob, 5, "another secret")
    with pytest.raises(ValueError):
        signing.decrypt_private_key(blob, 6, "app secret")
