"""The verifier refuses every code that is not exactly what the organization signed:
hypothesis mutates, truncates and extends real codes; other keys re-sign them."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.checkin.verify import UnreadableCredential, read_credential
from app.services.tickets import keys, signing


def _raw(code: str) -> bytes:
    return base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))


def _code(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def issued(paid_ticket):
    ticket, event = paid_ticket()
    return ticket.qr_payload, event.organization_id, event.id


def test_the_genuine_code_reads(issued):
    code, org_id, event_id = issued
    assert read_credential(code, org_id, event_id).claims.ticket_id > 0


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_byte_change_is_refused(issued, data):
    code, org_id, event_id = issued
    raw = bytearray(_raw(code))
    positions = data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4,
                                   unique=True))
    for position in positions:
        raw[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(UnreadableCredential):
        read_credential(_code(bytes(raw)), org_id, event_id)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 110), extra=st.binary(max_size=8))
def test_truncated_or_extended_codes_are_refused(issued, cut, extra):
    code, org_id, event_id = issued
    raw = _raw(code)
    with pytest.raises(UnreadableCredential):
        read_credential(_code(raw[:cut] + extra), org_id, event_id)
    with pytest.raises(UnreadableCredential):
        read_credential(code[:cut], org_id, event_id)


def test_re_signed_with_another_key_is_refused(issued, make_org):
    code, org_id, event_id = issued
    claims = signing.read_unverified(code)
    stranger, _ = signing.generate_key_pair()
    forged_same_key_id = signing.sign_claims(claims, stranger)
    other_org_key = keys.active_key(make_org().id)
    other_claims = signing.TicketClaims(**{**claims.__dict__, "key_id": other_org_key.id})
    forged_other_key = signing.sign_claims(other_claims, keys.private_key(other_org_key))

    for forged in (forged_same_key_id, forged_other_key):
        with pytest.raises(UnreadableCredential):
            read_credential(forged, org_id, event_id)


def test_a_code_for_another_event_is_refused(issued):
    code, org_id, event_id = issued
    with pytest.raises(UnreadableCredential):
        read_credential(code, org_id, event_id + 1)
