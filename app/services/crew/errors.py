"""Crew domain errors: each message is shown to the person as it is."""

from __future__ import annotations

from app.services.errors import DomainError


class ShiftFull(DomainError):
    """Every place of the shift is taken."""


class ShiftClash(DomainError):
    """The person is already on a shift at that time."""


class NotQualified(DomainError):
    """The role needs a qualification the person does not have."""


class PastCutoff(DomainError):
    """Too close to the start to cancel online."""


class InvalidTransition(DomainError):
    """The assignment is not in a state that allows this."""


class InvalidShift(DomainError):
    """Times, headcount or the bulk pattern do not make sense."""


class InvalidCrewCode(DomainError):
    """A crew QR code that does not verify or is not for this organization."""
