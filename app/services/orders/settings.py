"""An organization's manual payment instructions and payment windows."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.models.accounts import Organization, User
from app.models.orders import OrganizationPaymentSettings
from app.services.errors import DomainError


def payment_settings(org: Organization) -> OrganizationPaymentSettings:
    """The organization's settings (an unsaved default row when it has none yet)."""
    settings = db.session.get(OrganizationPaymentSettings, org.id)
    if settings is None:
        config = current_app.config
        settings = OrganizationPaymentSettings(
            organization_id=org.id, bank_instructions="", mobile_money_instructions="",
            payment_minutes=config["PAYMENT_WINDOW_MINUTES"],
            approval_hours=config["APPROVAL_WINDOW_HOURS"])
    return settings


def update_payment_settings(actor: User, org: Organization, *, bank_instructions: str,
                            mobile_money_instructions: str, payment_minutes: int,
                            approval_hours: int) -> OrganizationPaymentSettings:
    """Save the organization's instructions and windows (flushes; the caller commits)."""
    from app.services.organizations import record_audit

    if not 5 <= payment_minutes <= 120:
        raise DomainError("The card payment window is 5 to 120 minutes.", "payment_minutes")
    if not 1 <= approval_hours <= 24 * 14:
        raise DomainError("The approval window is 1 hour to 14 days.", "approval_hours")
    settings = payment_settings(org)
    settings.bank_instructions = bank_instructions.strip()
    settings.mobile_money_instructions = mobile_money_instructions.strip()
    settings.payment_minutes, settings.approval_hours = payment_minutes, approval_hours
    db.session.add(settings)
    db.session.flush()
    record_audit(actor, org, "payments.settings_updated", org)
    return settings


def payment_window(settings: OrganizationPaymentSettings,
                   event_minutes: int | None = None) -> timedelta:
    """How long a card payment may take: the event's own window, else the organization's."""
    return timedelta(minutes=event_minutes or settings.payment_minutes)


def approval_window(settings: OrganizationPaymentSettings) -> timedelta:
    return timedelta(hours=settings.approval_hours)
