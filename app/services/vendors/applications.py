"""Booth applications: the vendor's side of the state machine.

    draft → submitted → in_review → approved | waitlisted | rejected | changes_requested
    changes_requested → (edited) → submitted;  waitlisted → approved (offer or organizer)
    approved → paid → assigned (or approved → assigned when a booth is free at payment)
    draft … approved → withdrawn

Every step goes through `transition`, which refuses what the table does not allow, records
the step in the history and emails the vendor (except for drafts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.types import utcnow
from app.models.vendors import (
    ApplicationEvent,
    Booth,
    BoothApplication,
    BoothType,
    VendorProfile,
    VendorSettings,
)
from app.models.vendors import (
    ApplicationStatus as S,
)
from app.services.vendors import floorplan, notify
from app.services.vendors.errors import DeadlinePassed, InvalidTransition, VendorError

MAX_PREFERENCES = 3
EDITABLE = (S.DRAFT, S.CHANGES_REQUESTED)
ALLOWED: dict[S, set[S]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.IN_REVIEW, S.APPROVED, S.WAITLISTED, S.REJECTED, S.CHANGES_REQUESTED,
                  S.WITHDRAWN},
    S.IN_REVIEW: {S.APPROVED, S.WAITLISTED, S.REJECTED, S.CHANGES_REQUESTED, S.WITHDRAWN},
    S.CHANGES_REQUESTED: {S.SUBMITTED, S.WITHDRAWN, S.REJECTED},
    S.WAITLISTED: {S.APPROVED, S.REJECTED, S.WITHDRAWN},
    S.APPROVED: {S.PAID, S.ASSIGNED, S.WITHDRAWN},
    S.PAID: {S.ASSIGNED},
    S.ASSIGNED: set(), S.REJECTED: set(), S.WITHDRAWN: set(),
}


def transition(application: BoothApplication, to: S, actor: User | None,
               message: str = "") -> None:
    """Move the application to `to` (flushes), record it and email the vendor."""
    current = S(application.status)
    if to not in ALLOWED[current]:
        raise InvalidTransition(f"An application that is {LABELS[current].lower()} cannot "
                                f"become {LABELS[to].lower()}.")
    application.status = to
    application.touch()
    if to in (S.APPROVED, S.WAITLISTED, S.REJECTED, S.CHANGES_REQUESTED):
        application.decided_at = utcnow()
    db.session.add(ApplicationEvent(application=application, actor_id=actor.id if actor
                                    else None, from_status=current.value, to_status=to.value,
                                    message=(message or "").strip()[:4000], at=utcnow()))
    db.session.flush()
    notify.status_email(application, to.value, (message or "").strip())


LABELS = {S.DRAFT: "Draft", S.SUBMITTED: "Submitted", S.IN_REVIEW: "In review",
          S.CHANGES_REQUESTED: "Changes requested", S.APPROVED: "Approved",
          S.WAITLISTED: "Waitlisted", S.REJECTED: "Rejected", S.WITHDRAWN: "Withdrawn",
          S.PAID: "Paid", S.ASSIGNED: "Assigned"}


@dataclass(frozen=True)
class ApplicationInput:
    booth_type_id: int | None
    preferences: list[int]
    answers: dict[str, str]
    products: str
    power_amps: int
    water: bool
    vehicle_size: str


def application_for(event: Event, profile: VendorProfile) -> BoothApplication | None:
    return db.session.scalar(select(BoothApplication).where(
        BoothApplication.event_id == event.id, BoothApplication.profile_id == profile.id))


def draft_for(event: Event, profile: VendorProfile) -> BoothApplication:
    """The vendor's application for the event, made as a draft on first use."""
    found = application_for(event, profile)
    if found is None:
        found = BoothApplication(event_id=event.id, profile_id=profile.id,
                                 user_id=profile.user_id, status=S.DRAFT, preferences=[],
                                 answers={}, version=1)
        db.session.add(found)
        db.session.flush()
    return found


def takes_applications(event: Event, now: datetime | None = None) -> bool:
    """Whether the event's public page should invite vendors to apply (reads, never writes)."""
    settings = db.session.get(VendorSettings, event.id)
    if settings is None or not settings.open:
        return False
    return settings.deadline is None or settings.deadline > (now or utcnow())


def check_open(event: Event, now: datetime | None = None) -> None:
    """DeadlinePassed unless the event takes applications now."""
    settings = floorplan.settings_for(event)
    now = now or utcnow()
    if not settings.open:
        raise DeadlinePassed("This event is not taking booth applications.")
    if settings.deadline is not None and settings.deadline <= now:
        raise DeadlinePassed("The deadline for booth applications has passed, so new "
                             "applications and changes can no longer be sent.")


def _clean_preferences(event: Event, ids: list[int]) -> list[int]:
    chosen = list(dict.fromkeys(int(i) for i in ids))
    if len(chosen) > MAX_PREFERENCES:
        raise VendorError(f"Pick at most {MAX_PREFERENCES} preferred booths.", "preferences")
    valid = set(db.session.scalars(select(Booth.id).where(Booth.event_id == event.id,
                                                          Booth.id.in_(chosen or [0]),
                                                          Booth.reserved.is_(False))))
    return [i for i in chosen if i in valid]


def save_application(application: BoothApplication, data: ApplicationInput) -> None:
    """Store the vendor's edits (draft or changes requested only; flushes)."""
    if application.status not in EDITABLE:
        raise InvalidTransition("This application can no longer be edited.")
    kind = db.session.get(BoothType, data.booth_type_id) if data.booth_type_id else None
    application.booth_type_id = kind.id if kind and kind.event_id == application.event_id \
        else None
    application.preferences = _clean_preferences(application.event, data.preferences)
    application.answers = {k: str(v)[:2000] for k, v in data.answers.items()}
    application.products = data.products.strip()[:4000]
    application.power_amps = max(0, min(int(data.power_amps or 0), 400))
    application.water, application.vehicle_size = data.water, data.vehicle_size.strip()[:60]
    application.touch()
    db.session.flush()


def toggle_preference(application: BoothApplication, booth_id: int) -> None:
    """Add or remove a preferred booth picked on the plan (flushes)."""
    if application.status not in EDITABLE:
        raise InvalidTransition("This application can no longer be edited.")
    prefs = list(application.preferences or [])
    if booth_id in prefs:
        prefs.remove(booth_id)
    else:
        booth = db.session.get(Booth, booth_id)
        if booth is None or booth.event_id != application.event_id or booth.reserved:
            raise VendorError("That booth cannot be picked.")
        if booth.id in floorplan.held_booth_ids(application.event):
            raise VendorError(f"Booth {booth.label} is already taken.")
        prefs.append(booth_id)
    application.preferences = _clean_preferences(application.event, prefs)
    application.touch()
    db.session.flush()


def _missing(application: BoothApplication) -> str | None:
    if application.booth_type_id is None:
        return "Choose a booth type."
    if len(application.products.strip()) < 3:
        return "Describe the products you will sell."
    for question in floorplan.questions(application.event):
        if question.required and not str(application.answers.get(str(question.id), "")).strip():
            return f"Answer the question “{question.text}”."
    return None


def submit(application: BoothApplication, actor: User, now: datetime | None = None) -> None:
    """Send the application (or the requested changes) to the organizer."""
    check_open(application.event, now)
    problem = _missing(application)
    if problem:
        raise VendorError(problem)
    application.submitted_at = now or utcnow()
    transition(application, S.SUBMITTED, actor)


def withdraw(application: BoothApplication, actor: User) -> None:
    """The vendor withdraws; a booth they held is freed and offered to the waitlist."""
    from app.services.vendors import waitlist

    freed = application.booth
    transition(application, S.WITHDRAWN, actor)
    application.booth = None
    db.session.flush()
    if freed is not None:
        waitlist.offer_booth(freed)


def my_applications(user: User) -> list[BoothApplication]:
    return list(db.session.scalars(select(BoothApplication).where(
        BoothApplication.user_id == user.id).order_by(BoothApplication.created_at.desc())))


def own_application(application_id: int, user: User) -> BoothApplication | None:
    """The application if it is `user`'s (anyone else: None, so 404)."""
    return db.session.scalar(select(BoothApplication).where(
        BoothApplication.id == application_id, BoothApplication.user_id == user.id))


def application_version(application_id: int, user_id: int) -> int | None:
    """The one cheap query of a status poll."""
    return db.session.scalar(select(BoothApplication.version).where(
        BoothApplication.id == application_id, BoothApplication.user_id == user_id))
