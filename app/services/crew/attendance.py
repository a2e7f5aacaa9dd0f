"""Arrival and hours: check-in (button or crew QR), no-shows, completion, hours and export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, User
from app.models.crew import AssignmentStatus, CrewAssignment, CrewSettings, Shift
from app.models.types import utcnow
from app.services.crew import credentials, roles
from app.services.crew.errors import InvalidCrewCode, InvalidTransition

EARLY_CHECK_IN = timedelta(hours=2)
NO_SHOW_FLAG = 2


def check_in(assignment: CrewAssignment, now: datetime | None = None) -> CrewAssignment:
    """Mark a confirmed person as arrived (from two hours before start until the end)."""
    now = now or utcnow()
    shift = assignment.shift
    if assignment.status == AssignmentStatus.CHECKED_IN:
        raise InvalidTransition(f"{assignment.user.name} is already checked in.")
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.NO_SHOW):
        raise InvalidTransition("Only confirmed crew can check in.")
    if not shift.starts_at - EARLY_CHECK_IN <= now < shift.ends_at:
        raise InvalidTransition("Check-in opens two hours before the shift and closes at "
                                "its end.")
    assignment.status, assignment.checked_in_at = AssignmentStatus.CHECKED_IN, now
    assignment.version += 1
    db.session.flush()
    return assignment


def check_in_by_code(code: str, organization_id: int,
                     now: datetime | None = None) -> CrewAssignment:
    """Check in whoever the scanned crew QR names, after verifying its signature."""
    claims = credentials.verify_crew_code(code, organization_id)
    now = now or utcnow()
    if not claims.valid_from <= now <= claims.valid_until:
        raise InvalidCrewCode("This crew code is not valid at this time.")
    assignment = db.session.get(CrewAssignment, claims.assignment_id)
    if assignment is None or assignment.user_id != claims.user_id:
        raise InvalidCrewCode("This crew code no longer matches an assignment.")
    return check_in(assignment, now)


def _grace(organization_id: int, cache: dict[int, CrewSettings]) -> timedelta:
    if organization_id not in cache:
        cache[organization_id] = roles.settings_for(organization_id)
    return timedelta(minutes=cache[organization_id].no_show_grace_minutes)


def mark_no_shows(now: datetime | None = None) -> int:
    """Confirmed crew not checked in by start + grace become no-shows; returns how many."""
    now, cache, count = now or utcnow(), {}, 0
    rows = db.session.execute(
        select(CrewAssignment, Event.organization_id).select_from(CrewAssignment)
        .join(Shift, Shift.id == CrewAssignment.shift_id)
        .join(Event, Event.id == Shift.event_id).where(
            CrewAssignment.status == AssignmentStatus.CONFIRMED, Shift.starts_at <= now)
        .with_for_update(of=CrewAssignment))
    for assignment, organization_id in rows.all():
        if assignment.shift.starts_at + _grace(organization_id, cache) <= now:
            assignment.status = AssignmentStatus.NO_SHOW
            assignment.version += 1
            count += 1
    db.session.flush()
    return count


def complete_finished_shifts(now: datetime | None = None) -> int:
    """Checked-in crew whose shift has ended are completed and their hours logged."""
    now, count = now or utcnow(), 0
    rows = db.session.scalars(
        select(CrewAssignment).join(Shift).where(
            CrewAssignment.status == AssignmentStatus.CHECKED_IN, Shift.ends_at <= now)
        .with_for_update(of=CrewAssignment))
    for assignment in rows.all():
        assignment.status = AssignmentStatus.COMPLETED
        assignment.hours = hours_for(assignment.shift)
        assignment.version += 1
        count += 1
    db.session.flush()
    return count


def _is_night(hour: int, settings: CrewSettings) -> bool:
    start, end = settings.night_starts_hour, settings.night_ends_hour
    return (hour >= start or hour < end) if start > end else start <= hour < end


def hours_for(shift: Shift) -> Decimal:
    """The shift's hours, night hours (event's local time) times the night multiplier."""
    settings = roles.settings_for(shift.event.organization_id)
    zone, total = ZoneInfo(shift.event.timezone), Decimal(0)
    moment = shift.starts_at
    while moment < shift.ends_at:
        local = moment.astimezone(zone)
        boundary = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        piece_end = min(shift.ends_at, boundary)
        hours = Decimal((piece_end - moment).total_seconds()) / 3600
        total += hours * (settings.night_multiplier if _is_night(local.hour, settings) else 1)
        moment = piece_end
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)


def no_show_counts(organization_id: int) -> dict[int, int]:
    """No-shows per person in the organization."""
    rows = db.session.execute(
        select(CrewAssignment.user_id, func.count()).select_from(CrewAssignment)
        .join(Shift, Shift.id == CrewAssignment.shift_id)
        .join(Event, Event.id == Shift.event_id).where(
            Event.organization_id == organization_id,
            CrewAssignment.status == AssignmentStatus.NO_SHOW)
        .group_by(CrewAssignment.user_id))
    return dict(rows.all())


def flagged_people(organization_id: int) -> set[int]:
    """People with two or more no-shows in the organization (shown to organizers)."""
    return {uid for uid, n in no_show_counts(organization_id).items() if n >= NO_SHOW_FLAG}


def hours_by_person(organization_id: int) -> list[tuple[User, int, Decimal]]:
    """(person, completed shifts, hours) for everyone with logged hours, by name."""
    rows = db.session.execute(
        select(User, func.count(CrewAssignment.id), func.sum(CrewAssignment.hours))
        .join(CrewAssignment, CrewAssignment.user_id == User.id)
        .join(Shift, Shift.id == CrewAssignment.shift_id).join(Event, Event.id == Shift.event_id)
        .where(Event.organization_id == organization_id,
               CrewAssignment.status == AssignmentStatus.COMPLETED)
        .group_by(User.id).order_by(User.name))
    return [(user, shifts, Decimal(hours or 0).quantize(Decimal("0.01")))
            for user, shifts, hours in rows.all()]


def hours_csv(organization_id: int) -> str:
    """CSV of hours per person (name, email, completed shifts, hours)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "completed_shifts", "hours"])
    for user, shifts, hours in hours_by_person(organization_id):
        writer.writerow([_safe(user.name), user.email, shifts, f"{hours:.2f}"])
    return out.getvalue()


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
