"""Vendor domain errors: each message is fit to show as it is."""

from __future__ import annotations

from app.services.errors import DomainError


class VendorError(DomainError):
    """A vendor or booth rule refused the operation."""


class DocumentRejected(VendorError):
    """An upload whose content is not an accepted type."""


class DocumentTooLarge(VendorError):
    """An upload over the size cap (answered with 413)."""


class DeadlinePassed(VendorError):
    """Applications for the event closed."""


class InvalidTransition(VendorError):
    """The application is not in a state that allows this step."""


class BoothTaken(VendorError):
    """The booth is held by another vendor (or kept back by the organizer)."""
