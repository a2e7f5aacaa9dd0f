"""Shifts of an event: one at a time, or a series ("6 ushers every 4 hours from ... to ...")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event
from app.models.crew import HOLDS_PLACE, CrewAssignment, CrewRole, Shift
from app.services.crew.errors import InvalidShift

MAX_BULK = 200


@dataclass(frozen=True)
class ShiftSpec:
    """What a shift is, with times as the organizer typed them (the event's local time)."""

    role: CrewRole
    starts_local: datetime
    ends_local: datetime
    headcount: int
    location: str = ""
    instructions: str = ""
    self_signup: bool = False


def to_utc(local: datetime, timezone: str) -> datetime:
    """A naive wall-clock time in `timezone` as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def create_shift(event: Event, spec: ShiftSpec) -> Shift:
    """Add one shift to `event` (times in the event's timezone)."""
    if spec.role.organization_id != event.organization_id:
        raise InvalidShift("That role belongs to another organization.", "role")
    starts, ends = to_utc(spec.starts_local, event.timezone), to_utc(spec.ends_local,
                                                                    event.timezone)
    if ends <= starts:
        raise InvalidShift("A shift ends after it starts.", "ends_at")
    if spec.headcount < 1:
        raise InvalidShift("A shift needs at least one person.", "headcount")
    shift = Shift(event_id=event.id, role_id=spec.role.id, starts_at=starts, ends_at=ends,
                  location=spec.location.strip(), headcount=spec.headcount,
                  instructions=spec.instructions.strip(), self_signup=spec.self_signup)
    db.session.add(shift)
    db.session.flush()
    return shift


def bulk_create_shifts(event: Event, spec: ShiftSpec, *, every: timedelta,
                       until_local: datetime) -> list[Shift]:
    """A series of shifts: the first is `spec`; the next starts `every` later, and so on
    while a shift still ends by `until_local`. E.g. 4-hour shifts every 4 hours from Friday
    16:00 to Sunday 02:00 make 8 back-to-back shifts."""
    if every <= timedelta(0):
        raise InvalidShift("Repeat at least every few minutes.", "every_hours")
    length = spec.ends_local - spec.starts_local
    if length <= timedelta(0):
        raise InvalidShift("A shift ends after it starts.", "ends_at")
    starts, shifts = spec.starts_local, []
    while starts + length <= until_local:
        if len(shifts) >= MAX_BULK:
            raise InvalidShift(f"That would make more than {MAX_BULK} shifts.", "until")
        shifts.append(create_shift(event, ShiftSpec(
            spec.role, starts, starts + length, spec.headcount, spec.location,
            spec.instructions, spec.self_signup)))
        starts += every
    if not shifts:
        raise InvalidShift("No shift fits between the first start and the end.", "until")
    return shifts


def shifts_of(event_id: int) -> list[Shift]:
    return list(db.session.scalars(select(Shift).where(Shift.event_id == event_id)
                                   .order_by(Shift.starts_at, Shift.id)))


def taken_places(shift_ids: list[int]) -> dict[int, int]:
    """How many places each shift has taken (see HOLDS_PLACE)."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        select(CrewAssignment.shift_id, func.count()).where(
            CrewAssignment.shift_id.in_(shift_ids), CrewAssignment.status.in_(HOLDS_PLACE))
        .group_by(CrewAssignment.shift_id))
    return dict(rows.all())


def shift_in_org(shift_id: int, organization_id: int) -> Shift | None:
    """The shift if it belongs to an event of the organization."""
    return db.session.scalar(select(Shift).join(Event, Event.id == Shift.event_id).where(
        Shift.id == shift_id, Event.organization_id == organization_id))
