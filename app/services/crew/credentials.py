"""The crew QR code: a small payload signed with the organization's ticket key (Ed25519).

The ticket format has no room for another kind of subject, so crew codes have their own
layout and their own signing context: a crew code never verifies as a ticket, nor the other
way round. Layout (big-endian, 21 bytes, then the 64-byte signature, base64url):

    0 version (1) · 1 key id · 5 assignment id · 9 user id · 13 valid from · 17 valid until
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.models.crew import CrewAssignment
from app.services.crew.errors import InvalidCrewCode
from app.services.tickets.credentials import (
    CredentialKind,
    InvalidCredentialCode,
    open_credential,
    sign_credential,
)

KIND = CredentialKind("crew", b"marquee/crew/v1\x00", struct.Struct(">BIIIII"))
MARGIN = timedelta(hours=2)


@dataclass(frozen=True)
class CrewClaims:
    key_id: int
    assignment_id: int
    user_id: int
    valid_from: datetime
    valid_until: datetime


def crew_code(assignment: CrewAssignment) -> str:
    """The signed code for the person's crew QR (valid around the shift's time)."""
    shift = assignment.shift
    return sign_credential(KIND, shift.event.organization_id, assignment.id, assignment.user_id,
                           int((shift.starts_at - MARGIN).timestamp()),
                           int((shift.ends_at + MARGIN).timestamp()))


def verify_crew_code(code: str, organization_id: int) -> CrewClaims:
    """The claims of a crew code signed by one of the organization's keys, else InvalidCrewCode."""
    try:
        key_id, assignment_id, user_id, start, end = open_credential(KIND, code, organization_id)
    except InvalidCredentialCode as exc:
        raise InvalidCrewCode(str(exc)) from exc
    return CrewClaims(key_id, assignment_id, user_id, datetime.fromtimestamp(start, UTC),
                      datetime.fromtimestamp(end, UTC))
