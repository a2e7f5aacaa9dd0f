"""Crew: roles, shifts, assignments, briefings, attendance, calendars and reminders.

Services flush, the caller commits; emails go to the outbox in the same transaction.
"""

from app.services.crew.errors import (  # noqa: F401
    InvalidCrewCode,
    InvalidShift,
    InvalidTransition,
    NotQualified,
    PastCutoff,
    ShiftClash,
    ShiftFull,
)
