"""Waitlist offers: a freed booth goes to the next waitlisted vendor, who has a limited
time to accept. The booth is held for them while the offer is open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import User
from app.models.types import utcnow
from app.models.vendors import (
    ApplicationStatus as S,
)
from app.models.vendors import (
    Booth,
    BoothApplication,
    OfferStatus,
    WaitlistOffer,
)
from app.services.vendors import applications, floorplan, notify
from app.services.vendors.assignment import hold_booth
from app.services.vendors.errors import BoothTaken, InvalidTransition


def _next_in_line(booth: Booth) -> BoothApplication | None:
    """The longest-waiting waitlisted application of the booth's type that holds nothing
    and has not already let this booth go."""
    passed = select(WaitlistOffer.application_id).where(WaitlistOffer.booth_id == booth.id)
    busy = select(WaitlistOffer.application_id).where(WaitlistOffer.status == OfferStatus.OPEN)
    return db.session.scalar(select(BoothApplication).where(
        BoothApplication.event_id == booth.event_id, BoothApplication.status == S.WAITLISTED,
        BoothApplication.booth_type_id == booth.booth_type_id,
        BoothApplication.booth_id.is_(None), BoothApplication.id.not_in(passed),
        BoothApplication.id.not_in(busy))
        .order_by(BoothApplication.decided_at, BoothApplication.id).limit(1))


def offer_booth(booth: Booth, now: datetime | None = None) -> WaitlistOffer | None:
    """Offer a freed booth to the next waitlisted vendor (flushes); None if nobody waits."""
    now = now or utcnow()
    application = _next_in_line(booth)
    if application is None or booth.reserved:
        return None
    try:
        hold_booth(application, booth)
    except BoothTaken:
        return None
    hours = floorplan.settings_for(booth_event(booth)).offer_hours
    offer = WaitlistOffer(application_id=application.id, booth_id=booth.id,
                          status=OfferStatus.OPEN, offered_at=now,
                          expires_at=now + timedelta(hours=hours))
    db.session.add(offer)
    db.session.flush()
    notify.offer_email(offer)
    return offer


def booth_event(booth: Booth):
    from app.models.events import Event

    return db.session.get(Event, booth.event_id)


def open_offer(application: BoothApplication) -> WaitlistOffer | None:
    return db.session.scalar(select(WaitlistOffer).where(
        WaitlistOffer.application_id == application.id,
        WaitlistOffer.status == OfferStatus.OPEN))


def accept_offer(application: BoothApplication, actor: User,
                 now: datetime | None = None) -> None:
    """The vendor takes the offered booth: approved with it, ready to pay."""
    now = now or utcnow()
    offer = open_offer(application)
    if offer is None or offer.expires_at <= now:
        raise InvalidTransition("This offer is no longer open.")
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, now
    applications.transition(application, S.APPROVED, actor,
                            f"You accepted booth {offer.booth.label}. Please pay the fee.")


def _let_go(offer: WaitlistOffer, status: OfferStatus, now: datetime) -> None:
    offer.status, offer.answered_at = status, now
    offer.application.booth = None
    offer.application.touch()
    db.session.flush()
    offer_booth(offer.booth, now)


def decline_offer(application: BoothApplication, now: datetime | None = None) -> None:
    """The vendor lets the booth go (they stay on the waitlist); the next one is offered."""
    offer = open_offer(application)
    if offer is None:
        raise InvalidTransition("This offer is no longer open.")
    _let_go(offer, OfferStatus.DECLINED, now or utcnow())


def due_offer_ids(now: datetime | None = None) -> list[int]:
    return list(db.session.scalars(select(WaitlistOffer.id).where(
        WaitlistOffer.status == OfferStatus.OPEN, WaitlistOffer.expires_at <= (now or utcnow()))
        .order_by(WaitlistOffer.expires_at)))


def expire_offer(offer_id: int, now: datetime | None = None) -> bool:
    """Expire one unanswered offer (flushes): the booth goes to the next in line."""
    now = now or utcnow()
    offer = db.session.get(WaitlistOffer, offer_id, with_for_update=True)
    if offer is None or offer.status != OfferStatus.OPEN or offer.expires_at > now:
        return False
    _let_go(offer, OfferStatus.EXPIRED, now)
    return True
