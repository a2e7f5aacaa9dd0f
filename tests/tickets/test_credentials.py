"""Signed codes of other credential kinds (crew, vendor passes) under an organization's key."""

from __future__ import annotations

import struct

import pytest

from app.services.crew.credentials import KIND as CREW
from app.services.tickets.credentials import (
    CredentialKind,
    InvalidCredentialCode,
    open_credential,
    sign_credential,
)
from app.services.vendors.passes import KIND as VENDOR

BADGE = CredentialKind("badge", b"marquee/test-badge/v1\x00", struct.Struct(">BIII"))


def test_round_trip_returns_the_key_id_and_fields(make_org):
    org = make_org()
    key_id, first, second = open_credential(BADGE, sign_credential(BADGE, org.id, 7, 9), org.id)
    assert (first, second) == (7, 9) and key_id > 0


def test_another_organization_cannot_open_it(make_org):
    code = sign_credential(BADGE, make_org().id, 1, 2)
    with pytest.raises(InvalidCredentialCode, match="another organization"):
        open_credential(BADGE, code, make_org().id)


def test_a_kind_never_verifies_as_another_kind(make_org):
    org = make_org()
    # Same layout size, other context: the signature covers the context, so it fails.
    twin = CredentialKind("twin", b"marquee/test-twin/v1\x00", BADGE.layout)
    with pytest.raises(InvalidCredentialCode, match="signature does not verify"):
        open_credential(twin, sign_credential(BADGE, org.id, 1, 2), org.id)
    assert CREW.context != VENDOR.context


@pytest.mark.parametrize("damage", [
    lambda code: code[:-3],                          # truncated
    lambda code: code[:20] + ("A" if code[20] != "A" else "B") + code[21:],  # one byte changed
    lambda code: "not base64 at all!",
    lambda code: "",
])
def test_damaged_codes_are_refused(make_org, damage):
    org = make_org()
    with pytest.raises(InvalidCredentialCode):
        open_credential(BADGE, damage(sign_credential(BADGE, org.id, 3, 4)), org.id)
