"""The organizer's review: the queue, decisions with a message, staged bulk decisions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.vendors import (
    ApplicationStatus as S,
)
from app.models.vendors import (
    Booth,
    BoothApplication,
    VendorProfile,
)
from app.services.vendors import applications, waitlist
from app.services.vendors.assignment import hold_booth
from app.services.vendors.errors import VendorError

DECISIONS = {"approve": S.APPROVED, "waitlist": S.WAITLISTED,
             "changes": S.CHANGES_REQUESTED, "reject": S.REJECTED}
DECISION_LABELS = {"approve": "Approve", "waitlist": "Waitlist",
                   "changes": "Request changes", "reject": "Reject"}


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    booth_type_id: int | None = None
    category: str = ""


def queue(event: Event, filters: QueueFilter) -> list[BoothApplication]:
    """The event's applications (no drafts), filtered, oldest submission first."""
    query = (select(BoothApplication).join(VendorProfile)
             .where(BoothApplication.event_id == event.id,
                    BoothApplication.status != S.DRAFT))
    if filters.status:
        query = query.where(BoothApplication.status == filters.status)
    if filters.booth_type_id:
        query = query.where(BoothApplication.booth_type_id == filters.booth_type_id)
    if filters.category:
        query = query.where(VendorProfile.category == filters.category)
    return list(db.session.scalars(query.order_by(BoothApplication.submitted_at,
                                                  BoothApplication.id)))


def event_application(event: Event, application_id: int) -> BoothApplication | None:
    """A submitted application of this event (drafts are the vendor's own business)."""
    found = db.session.get(BoothApplication, application_id)
    if found is None or found.event_id != event.id or found.status == S.DRAFT:
        return None
    return found


def mark_in_review(application: BoothApplication, actor: User) -> None:
    applications.transition(application, S.IN_REVIEW, actor)


def _booth(application: BoothApplication, booth_id: int | None) -> Booth | None:
    if not booth_id:
        return None
    booth = db.session.get(Booth, booth_id)
    if booth is None or booth.event_id != application.event_id:
        raise VendorError("Choose one of this event's booths.", "booth_id")
    return booth


def decide(application: BoothApplication, decision: str, message: str, actor: User,
           booth_id: int | None = None) -> None:
    """Approve (optionally with a booth), waitlist, ask for changes or reject; the vendor
    is emailed the message. A booth held by a rejected or waitlisted vendor is freed."""
    if decision not in DECISIONS:
        raise VendorError("Choose a decision.", "decision")
    message = (message or "").strip()
    if decision in ("changes", "reject") and len(message) < 3:
        raise VendorError("Write the vendor a message: it is emailed to them.", "message")
    booth = _booth(application, booth_id) if decision == "approve" else None
    freed = application.booth if decision != "approve" else None
    if booth is not None:
        hold_booth(application, booth)
    applications.transition(application, DECISIONS[decision], actor, message)
    if freed is not None:
        application.booth = None
        db.session.flush()
        waitlist.offer_booth(freed)


def stage(application: BoothApplication, decision: str, message: str,
          booth_id: int | None) -> None:
    """Note a pending decision (nothing is sent); an empty decision clears it."""
    if decision and decision not in DECISIONS:
        raise VendorError("Choose a decision.", "decision")
    if decision and S(application.status) not in (S.SUBMITTED, S.IN_REVIEW, S.WAITLISTED):
        raise VendorError("Only applications under review can get a decision.")
    application.pending_decision = decision or None
    application.pending_message = (message or "").strip()[:4000] or None
    application.pending_booth_id = _booth(application, booth_id).id if booth_id and \
        decision == "approve" else None
    db.session.flush()


def apply_staged(event: Event, actor: User) -> tuple[int, list[str]]:
    """Apply every pending decision of the event, each in its own savepoint, so vendors
    are told together. (how many applied, problems)."""
    staged = list(db.session.scalars(select(BoothApplication).where(
        BoothApplication.event_id == event.id, BoothApplication.pending_decision.is_not(None))
        .order_by(BoothApplication.id)))
    done, problems = 0, []
    for application in staged:
        decision, message = application.pending_decision, application.pending_message or ""
        booth_id = application.pending_booth_id
        try:
            with db.session.begin_nested():
                decide(application, decision, message, actor, booth_id)
            done += 1
            application.pending_decision = application.pending_message = None
            application.pending_booth_id = None
        except VendorError as error:
            problems.append(f"{application.profile.business_name}: {error.message}")
    db.session.flush()
    return done, problems
