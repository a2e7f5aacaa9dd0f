"""Reminders (each at most once, with time travel), unanswered invitations, no-shows, hours."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import time_machine

from app import jobs_crew
from app.extensions import db
from app.models.crew import AssignmentStatus
from app.models.types import utcnow
from app.services.crew import assignments, attendance, roles


def _confirmed(crew, **shift):
    person = crew.person()
    a = assignments.invite_user(crew.shift(**shift), person)
    assignments.confirm_assignment(a)
    db.session.commit()
    return a, person


def _sent(outbox, to, template):
    return [m for m in outbox(to) if m.template == template]


def test_reminders_24h_and_2h_before_each_sent_once_even_if_the_job_runs_twice(crew, outbox):
    a, person = _confirmed(crew, start_in_hours=72)
    start = a.shift.starts_at
    with time_machine.travel(start - timedelta(hours=30), tick=False):
        assert jobs_crew.send_shift_reminders() == 0
    with time_machine.travel(start - timedelta(hours=23), tick=False):
        assert jobs_crew.send_shift_reminders() == 1
        assert jobs_crew.send_shift_reminders() == 0
    with time_machine.travel(start - timedelta(hours=1, minutes=50), tick=False):
        assert jobs_crew.send_shift_reminders() == 1
        assert jobs_crew.send_shift_reminders() == 0
    reminders = _sent(outbox, person.email, "crew_reminder")
    assert len(reminders) == 2
    assert "about 23 hours" in reminders[0].text_body
    assert "about 2 hours" in reminders[1].text_body


def test_second_reminder_follows_the_organizer_setting(crew, outbox):
    roles.settings_for(crew.org.id).second_reminder_hours = 6
    a, person = _confirmed(crew, start_in_hours=72)
    with time_machine.travel(a.shift.starts_at - timedelta(hours=5), tick=False):
        assert jobs_crew.send_shift_reminders() == 1
    assert len(_sent(outbox, person.email, "crew_reminder")) == 1


def test_unanswered_invitation_gets_one_reminder_after_48_hours(crew, outbox):
    person = crew.person()
    a = assignments.invite_user(crew.shift(start_in_hours=200), person)
    db.session.commit()
    with time_machine.travel(a.invited_at + timedelta(hours=47), tick=False):
        assert jobs_crew.remind_unanswered_invitations() == 0
    with time_machine.travel(a.invited_at + timedelta(hours=49), tick=False):
        assert jobs_crew.remind_unanswered_invitations() == 1
        assert jobs_crew.remind_unanswered_invitations() == 0
    assert len(_sent(outbox, person.email, "crew_invitation_reminder")) == 1


def test_no_shows_after_grace_and_two_flag_the_person(crew):
    person = crew.person()
    shifts = [crew.shift(start_in_hours=h) for h in (24, 48)]
    for shift in shifts:
        assignments.confirm_assignment(assignments.invite_user(shift, person))
    db.session.commit()
    with time_machine.travel(shifts[0].starts_at + timedelta(minutes=20), tick=False):
        jobs_crew.settle_attendance()
    assert person.id not in attendance.flagged_people(crew.org.id)
    with time_machine.travel(shifts[0].starts_at + timedelta(minutes=31), tick=False):
        assert jobs_crew.settle_attendance() == (1, 0)
    assert attendance.flagged_people(crew.org.id) == set()
    with time_machine.travel(shifts[1].starts_at + timedelta(minutes=31), tick=False):
        jobs_crew.settle_attendance()
    assert attendance.no_show_counts(crew.org.id) == {person.id: 2}
    assert attendance.flagged_people(crew.org.id) == {person.id}


def test_check_in_then_completion_logs_hours_with_night_multiplier(crew):
    roles.settings_for(crew.org.id).night_multiplier = Decimal("1.5")
    db.session.commit()
    a, person = _confirmed(crew, start_in_hours=24, hours=6)
    # Shift 20:00–02:00 in the event's timezone: four night hours (22–02) count 1.5×.
    from zoneinfo import ZoneInfo
    local = a.shift.starts_at.astimezone(ZoneInfo(crew.event.timezone))
    start = local.replace(hour=20, minute=0, second=0).astimezone(a.shift.starts_at.tzinfo)
    a.shift.starts_at, a.shift.ends_at = start, start + timedelta(hours=6)
    db.session.commit()
    attendance.check_in(a, now=start - timedelta(minutes=10))
    db.session.commit()
    with time_machine.travel(start + timedelta(hours=7), tick=False):
        assert jobs_crew.settle_attendance() == (0, 1)
    db.session.refresh(a)
    assert a.status == AssignmentStatus.COMPLETED and a.hours == Decimal("8.00")
    rows = list(csv.DictReader(io.StringIO(attendance.hours_csv(crew.org.id))))
    assert rows == [{"name": person.name, "email": person.email, "completed_shifts": "1",
                     "hours": "8.00"}]


def test_check_in_by_signed_crew_code(crew, make_org):
    from app.services.crew import InvalidCrewCode, credentials

    a, _ = _confirmed(crew, start_in_hours=1)
    code = credentials.crew_code(a)
    db.session.commit()
    other = make_org()
    try:
        attendance.check_in_by_code(code, other.id)
        raise AssertionError("another organization's code must not verify")
    except InvalidCrewCode:
        pass
    forged = code[:-4] + ("AAAA" if code[-4:] != "AAAA" else "BBBB")
    for bad in (forged, "nonsense"):
        try:
            attendance.check_in_by_code(bad, crew.org.id)
            raise AssertionError("a forged code must not verify")
        except InvalidCrewCode:
            pass
    assert attendance.check_in_by_code(code, crew.org.id, now=utcnow()).status == \
        AssignmentStatus.CHECKED_IN
