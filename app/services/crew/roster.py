"""The organizer's roster grid: shifts × people of one event, with a cheap change marker."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.crew import CrewAssignment, Shift
from app.services.crew.shifts import shifts_of, taken_places


@dataclass
class Grid:
    shifts: list[Shift]
    people: list[tuple[str, str]]                      # (key, label): user id or email
    cells: dict[tuple[int, str], CrewAssignment]      # (shift id, person key) -> assignment
    taken: dict[int, int]
    marker: str


def _key(assignment: CrewAssignment) -> str:
    return f"u{assignment.user_id}" if assignment.user_id else assignment.email


def roster_marker(event_id: int) -> str:
    """Changes whenever an assignment of the event is added or changes (one query)."""
    rows = db.session.execute(
        select(CrewAssignment.id, CrewAssignment.status, CrewAssignment.version)
        .join(Shift).where(Shift.event_id == event_id).order_by(CrewAssignment.id)).all()
    shift_ids = db.session.scalars(select(Shift.id).where(Shift.event_id == event_id)).all()
    text = repr((rows, sorted(shift_ids)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def roster_grid(event_id: int) -> Grid:
    """The grid: one row per shift, one column per person invited to any of them."""
    shifts = shifts_of(event_id)
    assignments = db.session.scalars(
        select(CrewAssignment).join(Shift).where(Shift.event_id == event_id)
        .order_by(CrewAssignment.id)).all()
    names = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({a.user_id for a in assignments if a.user_id})))}
    people: dict[str, str] = {}
    cells = {}
    for assignment in assignments:
        key = _key(assignment)
        people.setdefault(key, names.get(assignment.user_id) or assignment.email)
        cells[(assignment.shift_id, key)] = assignment
    ordered = sorted(people.items(), key=lambda item: item[1].lower())
    return Grid(shifts, ordered, cells, taken_places([s.id for s in shifts]),
                roster_marker(event_id))
