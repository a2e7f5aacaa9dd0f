"""Transitions of an assignment and their emails; cut-off; qualifications; overlaps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.crew import AssignmentStatus, CrewAssignment
from app.models.types import utcnow
from app.services.crew import (
    InvalidTransition,
    NotQualified,
    PastCutoff,
    ShiftClash,
    ShiftFull,
    assignments,
    roles,
)
from app.services.errors import DomainError


def _templates(outbox, to):
    return [m.template for m in outbox(to)]


def test_invite_confirm_cancel_each_send_an_email(crew, outbox):
    person = crew.person()
    shift = crew.shift(start_in_hours=72)
    a = assignments.invite_user(shift, person)
    db.session.commit()
    assert a.status == AssignmentStatus.INVITED
    assignments.confirm_assignment(a)
    db.session.commit()
    assert a.status == AssignmentStatus.CONFIRMED
    assignments.cancel_assignment(a)
    db.session.commit()
    assert a.status == AssignmentStatus.CANCELLED
    assert _templates(outbox, person.email) == ["crew_invitation", "crew_confirmed",
                                                "crew_cancelled"]
    mails = outbox(person.email)
    assert all(m.related_type == "crew_assignment" and m.related_id == a.id for m in mails)
    assert "Usher" in mails[0].text_body and "Gate B" in mails[0].text_body


def test_decline_with_reason_then_reinvite(crew, outbox):
    person = crew.person()
    shift = crew.shift()
    a = assignments.invite_user(shift, person)
    assignments.decline_assignment(a, "  Away that weekend ")
    db.session.commit()
    assert (a.status, a.decline_reason) == (AssignmentStatus.DECLINED, "Away that weekend")
    with pytest.raises(InvalidTransition):
        assignments.confirm_assignment(a)
    again = assignments.invite_user(shift, person)
    assert again.id == a.id and again.status == AssignmentStatus.INVITED
    assert _templates(outbox, person.email) == ["crew_invitation", "crew_declined",
                                                "crew_invitation"]


def test_cannot_invite_twice_or_unverified(crew):
    shift = crew.shift()
    person = crew.person()
    assignments.invite_user(shift, person)
    with pytest.raises(InvalidTransition):
        assignments.invite_user(shift, person)
    with pytest.raises(DomainError, match="unverified"):
        assignments.invite_user(shift, crew.person(verified=False))


def test_cut_off_default_24_hours_and_organizer_setting(crew):
    person = crew.person()
    soon = crew.shift(start_in_hours=20)
    a = assignments.invite_user(soon, person)
    assignments.confirm_assignment(a)
    with pytest.raises(PastCutoff, match="contact"):
        assignments.cancel_assignment(a)
    roles.settings_for(crew.org.id).cancel_cutoff_hours = 12
    assignments.cancel_assignment(a)
    assert a.status == AssignmentStatus.CANCELLED


def test_cut_off_message_names_the_contact(crew):
    roles.settings_for(crew.org.id).contact = "crew-desk@example.test"
    a = assignments.invite_user(crew.shift(start_in_hours=2), crew.person())
    assignments.confirm_assignment(a)
    with pytest.raises(PastCutoff, match="crew-desk@example.test"):
        assignments.cancel_assignment(a, now=utcnow())


def test_qualifications_are_required_to_be_invited_or_sign_up(crew):
    bar = crew.shift(role=crew.bar, self_signup=True)
    without = crew.person()
    with pytest.raises(NotQualified, match="Food-hygiene"):
        assignments.invite_user(bar, without)
    with pytest.raises(NotQualified):
        assignments.sign_up(bar, without)
    qualified = crew.person(["food_hygiene"])
    assert assignments.sign_up(bar, qualified).status == AssignmentStatus.CONFIRMED


def test_a_full_shift_cannot_be_confirmed_or_joined(crew):
    shift = crew.shift(headcount=1, self_signup=True)
    first, second, third = crew.person(), crew.person(), crew.person()
    a1, a2 = assignments.invite_user(shift, first), assignments.invite_user(shift, second)
    assignments.confirm_assignment(a1)
    with pytest.raises(ShiftFull):
        assignments.confirm_assignment(a2)
    with pytest.raises(ShiftFull):
        assignments.sign_up(shift, third)
    assert a2.status == AssignmentStatus.INVITED


@pytest.mark.parametrize(("offset", "hours", "clash"), [
    (0, 4, True),     # the same time
    (2, 4, True),     # starts inside
    (-2, 3, True),    # ends inside
    (1, 1, True),     # inside
    (4, 4, False),    # starts when the first ends: touching
    (-3, 3, False),   # ends when the first starts: touching
])
def test_overlap_detection(crew, offset, hours, clash):
    person = crew.person()
    first = crew.shift(start_in_hours=48, hours=4, self_signup=True)
    other = crew.shift(start_in_hours=48 + offset, hours=hours, self_signup=True)
    assignments.sign_up(first, person)
    if clash:
        with pytest.raises(ShiftClash, match="overlaps your shift as Usher"):
            assignments.sign_up(other, person)
    else:
        assert assignments.sign_up(other, person).status == AssignmentStatus.CONFIRMED


def test_declined_or_cancelled_shifts_do_not_clash(crew):
    person = crew.person()
    first, other = crew.shift(self_signup=True), crew.shift(self_signup=True)
    a = assignments.sign_up(first, person)
    assignments.cancel_assignment(a)
    assert assignments.sign_up(other, person).status == AssignmentStatus.CONFIRMED


def test_sign_up_needs_an_open_shift_and_the_pool(crew, make_user):
    closed = crew.shift(self_signup=False)
    with pytest.raises(InvalidTransition):
        assignments.sign_up(closed, crew.person())
    with pytest.raises(NotQualified, match="pool"):
        assignments.sign_up(crew.shift(self_signup=True), make_user())


def test_invitation_by_email_is_accepted_once_after_registration(crew, make_user, outbox):
    shift = crew.shift()
    a = assignments.invite_by_email(shift, "New.Person@Example.test")
    db.session.commit()
    mail = outbox("new.person@example.test")[0]
    token = mail.text_body.split("/crew/invitations/")[1].split()[0]
    newcomer = make_user("new.person@example.test", name="Nia Newcomer")
    accepted = assignments.accept_invitation(token, newcomer)
    db.session.commit()
    assert accepted.id == a.id and accepted.user_id == newcomer.id
    assert roles.profile_of(crew.org.id, newcomer.id) is not None
    with pytest.raises(InvalidTransition, match="already used"):
        assignments.accept_invitation(token, newcomer)
    assignments.confirm_assignment(accepted)
    assert accepted.status == AssignmentStatus.CONFIRMED


def test_invite_by_email_of_an_existing_user_invites_them_directly(crew, outbox):
    person = crew.person()
    a = assignments.invite_by_email(crew.shift(), person.email.upper())
    assert a.user_id == person.id and a.invite_token_hash is None
    assert "/crew/invitations/" not in outbox(person.email)[0].text_body


def test_invitations_do_not_take_places(crew):
    shift = crew.shift(headcount=1)
    for _ in range(3):
        assignments.invite_user(shift, crew.person())
    db.session.commit()
    assert assignments.places_taken(shift.id) == 0
    invited = db.session.scalars(db.select(CrewAssignment)).all()
    assignments.confirm_assignment(invited[0])
    assert assignments.places_taken(shift.id) == 1


def test_shift_start_in_past_cannot_be_joined(crew):
    started = crew.shift(start_in_hours=-1, self_signup=True)
    assert started.starts_at < utcnow() + timedelta(minutes=1)
    with pytest.raises(InvalidTransition):
        assignments.sign_up(started, crew.person())
