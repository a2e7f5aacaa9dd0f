"""Organizer setup: booth types, booths on the floor plan (grid generator and per-booth
edits), custom questions and the event's vendor settings; and the plan as shown to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.events import Event
from app.models.vendors import (
    Booth,
    BoothApplication,
    BoothQuestion,
    BoothType,
    QuestionKind,
    VendorSettings,
)
from app.services.vendors.errors import VendorError

MAX_BOOTHS = 400


def settings_for(event: Event) -> VendorSettings:
    """The event's vendor settings (made on first use)."""
    found = db.session.get(VendorSettings, event.id)
    if found is None:
        found = VendorSettings(event_id=event.id, open=False, offer_hours=48, load_in="")
        db.session.add(found)
        db.session.flush()
    return found


def update_settings(event: Event, *, open_: bool, deadline: datetime | None,
                    offer_hours: int, load_in: str) -> VendorSettings:
    """Change the deadline, whether applications are open, offer length, load-in notes."""
    if not 1 <= offer_hours <= 24 * 14:
        raise VendorError("Offers last between 1 hour and 14 days.", "offer_hours")
    found = settings_for(event)
    found.open, found.deadline, found.offer_hours = open_, deadline, offer_hours
    found.load_in = load_in.strip()[:4000]
    db.session.flush()
    return found


def booth_types(event: Event) -> list[BoothType]:
    return list(db.session.scalars(select(BoothType).where(BoothType.event_id == event.id)
                                   .order_by(BoothType.price, BoothType.id)))


def add_booth_type(event: Event, name: str, size: str, price: Decimal, *, power: bool,
                   water: bool, tables: int) -> BoothType:
    """A new booth type in the event's currency (flushes)."""
    name = " ".join(name.split())
    if not name:
        raise VendorError("Give the booth type a name.", "name")
    if price is None or price < 0:
        raise VendorError("The price cannot be negative.", "price")
    booth_type = BoothType(event_id=event.id, name=name[:80], size=size.strip()[:40],
                           price=price, currency=event.currency, power=power, water=water,
                           tables=max(0, tables or 0))
    try:
        with db.session.begin_nested():
            db.session.add(booth_type)
    except IntegrityError as exc:
        raise VendorError("There is already a booth type with that name.", "name") from exc
    return booth_type


def delete_booth_type(booth_type: BoothType) -> None:
    used = db.session.scalar(select(func.count()).select_from(Booth)
                             .where(Booth.booth_type_id == booth_type.id))
    if used:
        raise VendorError("Booths of this type are on the plan; delete or change them first.")
    db.session.delete(booth_type)
    db.session.flush()


def booths(event: Event) -> list[Booth]:
    return list(db.session.scalars(select(Booth).where(Booth.event_id == event.id)
                                   .order_by(Booth.y, Booth.x, Booth.id)))


def generate_grid(event: Event, booth_type: BoothType, *, prefix: str, rows: int,
                  columns: int, width: int, height: int, gap: int) -> list[Booth]:
    """Add rows × columns booths below what is on the plan, labelled <prefix><n>."""
    if not (1 <= rows <= 40 and 1 <= columns <= 40 and 10 <= width <= 400
            and 10 <= height <= 400 and 0 <= gap <= 200):
        raise VendorError("Use 1–40 rows and columns, sizes of 10–400 and a gap up to 200.")
    existing = booths(event)
    if len(existing) + rows * columns > MAX_BOOTHS:
        raise VendorError(f"A floor plan holds at most {MAX_BOOTHS} booths.")
    top = max((b.y + b.h for b in existing), default=0) + (gap if existing else 20)
    labels = {b.label for b in existing}
    made, number = [], 1
    for row in range(rows):
        for column in range(columns):
            while f"{prefix}{number}" in labels:
                number += 1
            labels.add(f"{prefix}{number}")
            made.append(Booth(event_id=event.id, booth_type_id=booth_type.id,
                              label=f"{prefix}{number}"[:20], w=width, h=height,
                              x=20 + column * (width + gap), y=top + row * (height + gap)))
    db.session.add_all(made)
    db.session.flush()
    return made


def update_booth(booth: Booth, *, label: str, booth_type_id: int, x: int, y: int, w: int,
                 h: int, reserved: bool) -> Booth:
    """Change one booth by form (flushes). Labels are unique on the plan."""
    label = label.strip()
    kind = db.session.get(BoothType, booth_type_id)
    if not label or kind is None or kind.event_id != booth.event_id:
        raise VendorError("Give the booth a label and one of this event's booth types.")
    if min(x, y) < 0 or min(w, h) < 5 or max(x + w, y + h) > 4000:
        raise VendorError("Keep the booth on the plan (0–4000) and at least 5 units wide.")
    try:
        with db.session.begin_nested():
            booth.label, booth.booth_type_id, booth.reserved = label[:20], kind.id, reserved
            booth.x, booth.y, booth.w, booth.h = x, y, w, h
    except IntegrityError as exc:
        raise VendorError(f"Another booth is already labelled {label}.", "label") from exc
    return booth


def delete_booth(booth: Booth) -> None:
    held = db.session.scalar(select(BoothApplication.id)
                             .where(BoothApplication.booth_id == booth.id).limit(1))
    if held:
        raise VendorError("A vendor holds this booth; it cannot be deleted.")
    db.session.delete(booth)
    db.session.flush()


def questions(event: Event) -> list[BoothQuestion]:
    return list(db.session.scalars(select(BoothQuestion).where(BoothQuestion.event_id
                                                               == event.id)
                                   .order_by(BoothQuestion.position, BoothQuestion.id)))


def add_question(event: Event, kind: str, text: str, choices: str,
                 required: bool) -> BoothQuestion:
    """A custom question (text, choice, yes/no or file); choices one per line."""
    if kind not in QuestionKind.__members__.values():
        raise VendorError("Choose the kind of answer.", "kind")
    options = [c.strip() for c in (choices or "").splitlines() if c.strip()]
    if kind == QuestionKind.CHOICE and len(options) < 2:
        raise VendorError("A choice question needs at least two choices, one per line.",
                          "choices")
    if not text.strip():
        raise VendorError("Write the question.", "text")
    question = BoothQuestion(event_id=event.id, kind=QuestionKind(kind),
                             text=text.strip()[:300], choices=options[:20], required=required,
                             position=len(questions(event)))
    db.session.add(question)
    db.session.flush()
    return question


@dataclass(frozen=True)
class PlanSpot:
    booth: Booth
    status: str  # available, taken, reserved, mine, picked

    @property
    def name(self) -> str:
        kind = self.booth.booth_type.name
        return f"Booth {self.booth.label}, {kind}, {STATUS_WORDS[self.status]}"


STATUS_WORDS = {"available": "available", "taken": "taken", "reserved": "reserved",
                "mine": "your booth", "picked": "your preference"}


def held_booth_ids(event: Event) -> set[int]:
    """Booths held by an application (reserved on approval or offer, or assigned)."""
    return set(db.session.scalars(select(BoothApplication.booth_id).where(
        BoothApplication.event_id == event.id, BoothApplication.booth_id.is_not(None))))


def plan(event: Event, application: BoothApplication | None = None) -> list[PlanSpot]:
    """Every booth with its status as `application`'s vendor sees it."""
    held, picked = held_booth_ids(event), set(application.preferences if application else [])
    mine = application.booth_id if application else None
    spots = []
    for booth in booths(event):
        if booth.id == mine:
            status = "mine"
        elif booth.reserved:
            status = "reserved"
        elif booth.id in held:
            status = "taken"
        else:
            status = "picked" if booth.id in picked else "available"
        spots.append(PlanSpot(booth, status))
    return spots


def plan_size(spots: list[PlanSpot]) -> tuple[int, int]:
    """The viewBox that fits every booth with a margin."""
    width = max((s.booth.x + s.booth.w for s in spots), default=200) + 20
    height = max((s.booth.y + s.booth.h for s in spots), default=100) + 20
    return width, height


def remaining_by_type(event: Event) -> dict[int, int]:
    """How many booths of each type are neither held nor kept back."""
    held = held_booth_ids(event)
    counts: dict[int, int] = {}
    for booth in booths(event):
        free = not booth.reserved and booth.id not in held
        counts[booth.booth_type_id] = counts.get(booth.booth_type_id, 0) + int(free)
    return counts
