"""Vendor emails, written to the outbox in the caller's transaction and logged against
the application."""

from __future__ import annotations

from app.models.vendors import BoothApplication, VendorPass, WaitlistOffer
from app.services.outbox import queue_email
from app.services.tickets.mail import public_url

SUBJECTS = {
    "submitted": "Application received", "in_review": "Application in review",
    "changes_requested": "Changes requested", "approved": "Application approved",
    "waitlisted": "You are on the waitlist", "rejected": "Application not accepted",
    "withdrawn": "Application withdrawn", "paid": "Booth fee received",
    "assigned": "Your booth is confirmed",
}


def status_email(application: BoothApplication, status: str, message: str) -> None:
    """Tell the vendor about a new status, with the organizer's message."""
    event = application.event
    queue_email(application.user.email, "vendor_status",
                f"{SUBJECTS[status]} · {event.title}", user_id=application.user_id,
                related=("booth_application", application.id), status=status,
                name=application.profile.contact_name, event=event.title,
                business=application.profile.business_name, message=message,
                booth=application.booth.label if application.booth else None,
                link=public_url("vendors.application", application_id=application.id))


def offer_email(offer: WaitlistOffer) -> None:
    application = offer.application
    queue_email(application.user.email, "vendor_offer",
                f"A booth is free for you · {application.event.title}",
                user_id=application.user_id, related=("booth_application", application.id),
                name=application.profile.contact_name, event=application.event.title,
                booth=offer.booth.label, expires_at=offer.expires_at,
                timezone=application.event.timezone,
                link=public_url("vendors.application", application_id=application.id))


def pass_email(application: BoothApplication, vendor_pass: VendorPass) -> None:
    """The vendor pass, attached as a PDF (the current file at send time)."""
    email = queue_email(
        application.user.email, "vendor_pass", f"Your vendor pass · {application.event.title}",
        user_id=application.user_id, related=("booth_application", application.id),
        name=application.profile.contact_name, event=application.event.title,
        booth=application.booth.label if application.booth else "",
        link=public_url("vendors.vendor_pass", application_id=application.id))
    email.attachments = [{"kind": "vendor_pass", "id": vendor_pass.id}]
