"""Portal and organizer pages through HTTP: htmx confirm, decline and cancel with out-of-band
counts, clear messages instead of errors, bulk shift creation, the live roster poll, resend
back to the message list it came from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from app.extensions import db
from app.models import EmailStatus, OutboundEmail
from app.models.crew import AssignmentStatus, CrewAssignment, Shift
from app.services.crew import assignments, roles, roster, shifts


def test_confirm_via_htmx_moves_the_card_and_updates_counts_out_of_band(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    db.session.commit()
    client = login_as(person, htmx=True)
    response = client.post(f"/crew/assignments/{a.id}/confirm")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith('\n  <section id="crew-invitations"') or 'id="crew-invitations"' in body
    assert 'id="crew-summary" class="crew-summary" aria-label="Summary" hx-swap-oob="true"' in body
    assert 'id="crew-upcoming"' in body and f'id="assignment-{a.id}"' in body
    assert "No invitations waiting" in body and "Crew QR code" in body


def test_sign_up_clash_is_a_clear_message_not_an_error(crew, login_as):
    person = crew.person()
    first = crew.shift(start_in_hours=48, self_signup=True)
    other = crew.shift(start_in_hours=50, self_signup=True)
    assignments.sign_up(first, person)
    db.session.commit()
    response = login_as(person, htmx=True).post(f"/crew/shifts/{other.id}/signup")
    assert response.status_code == 409
    assert "This overlaps your shift as Usher at" in response.get_data(as_text=True)
    plain = login_as(person).post(f"/crew/shifts/{other.id}/signup", follow_redirects=True)
    assert "This overlaps your shift" in plain.get_data(as_text=True)


def test_cancel_after_cut_off_says_whom_to_contact(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(start_in_hours=5), person)
    assignments.confirm_assignment(a)
    db.session.commit()
    page = login_as(person).get("/crew").get_data(as_text=True)
    assert "Too close to the start to cancel online" in page and "Cancel my place" not in page


def test_someone_elses_assignment_is_404(crew, login_as):
    a = assignments.invite_user(crew.shift(), crew.person())
    db.session.commit()
    assert login_as(crew.person()).post(f"/crew/assignments/{a.id}/confirm").status_code == 404


def test_bulk_creation_makes_back_to_back_shifts_in_event_time(crew, organizer_client):
    response = organizer_client.post(
        f"/orgs/{crew.org.slug}/crew/events/{crew.event.id}/shifts/bulk",
        data={"role": str(crew.usher.id), "starts_at": "2031-05-02T16:00",
              "ends_at": "2031-05-02T20:00", "headcount": "6", "every_hours": "4",
              "until": "2031-05-04T02:00"})
    assert response.status_code == 303
    made = shifts.shifts_of(crew.event.id)
    assert len(made) == 8 and {s.headcount for s in made} == {6}
    # Africa/Lusaka is UTC+2: Friday 16:00 local is 14:00 UTC.
    assert made[0].starts_at.replace(tzinfo=None) == datetime(2031, 5, 2, 14, 0)
    assert all(a.ends_at == b.starts_at for a, b in zip(made, made[1:], strict=False))


def test_bulk_creation_with_nothing_fitting_shows_the_error(crew, organizer_client):
    response = organizer_client.post(
        f"/orgs/{crew.org.slug}/crew/events/{crew.event.id}/shifts/bulk",
        data={"role": str(crew.usher.id), "starts_at": "2031-05-02T16:00",
              "ends_at": "2031-05-02T20:00", "headcount": "6", "every_hours": "4",
              "until": "2031-05-02T18:00"})
    assert response.status_code == 422
    assert "No shift fits" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Shift)) == 0


def test_roster_poll_is_204_until_something_changes(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    db.session.commit()
    client = login_as(crew.organizer, htmx=True)
    url = f"/orgs/{crew.org.slug}/crew/events/{crew.event.id}/roster/"
    marker = roster.roster_marker(crew.event.id)
    assert client.get(url + marker).status_code == 204
    assignments.confirm_assignment(db.session.get(CrewAssignment, a.id))
    db.session.commit()
    changed = client.get(url + marker)
    assert changed.status_code == 200 and "crew-confirmed" in changed.get_data(as_text=True)
    assert a.status == AssignmentStatus.CONFIRMED


def test_invite_and_briefing_from_the_event_page(crew, organizer_client, outbox):
    person = crew.person()
    shift = crew.shift()
    base = f"/orgs/{crew.org.slug}/crew"
    assert organizer_client.post(f"{base}/shifts/{shift.id}/invite",
                                 data={"email": person.email}).status_code == 303
    assignments.confirm_assignment(db.session.scalars(db.select(CrewAssignment)).one())
    db.session.commit()
    response = organizer_client.post(
        f"{base}/events/{crew.event.id}/briefings",
        data={"shift": "0", "title": "Doors", "body": "Doors open at six."})
    assert response.status_code == 303
    briefing = [m for m in outbox(person.email) if m.template == "crew_briefing"]
    assert len(briefing) == 1 and person.name in briefing[0].text_body
    assert person.email not in briefing[0].text_body.split("roster")[1]


def _oob_summary(body: str) -> str:
    start = body.index('id="crew-summary"')
    assert 'hx-swap-oob="true"' in body[start:start + 120]
    return body[start:body.index("</section>", start)]


def test_decline_via_htmx_with_reason_removes_the_card_and_updates_counts(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    other = assignments.invite_user(crew.shift(start_in_hours=100), person)
    db.session.commit()
    client = login_as(person, htmx=True)
    response = client.post(f"/crew/assignments/{a.id}/decline",
                           data={"reason": "  Exams that week  "})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="crew-invitations"')
    assert f'id="assignment-{a.id}"' not in body and f'id="assignment-{other.id}"' in body
    summary = _oob_summary(body)
    assert '1</span> <span>pending invitation</span>' in summary
    assert '0</span> <span>upcoming shifts</span>' in summary
    db.session.expire_all()
    assert a.status == AssignmentStatus.DECLINED and a.decline_reason == "Exams that week"


def test_decline_without_reason_is_fine_and_the_list_empties(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    db.session.commit()
    body = login_as(person, htmx=True).post(
        f"/crew/assignments/{a.id}/decline").get_data(as_text=True)
    assert "No invitations waiting for an answer." in body
    assert '0</span> <span>pending invitations</span>' in _oob_summary(body)
    db.session.expire_all()
    assert a.status == AssignmentStatus.DECLINED and a.decline_reason is None


def test_cancel_via_htmx_removes_the_card_and_updates_counts(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(start_in_hours=72), person)
    assignments.confirm_assignment(a)
    db.session.commit()
    client = login_as(person, htmx=True)
    response = client.post(f"/crew/assignments/{a.id}/cancel")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="crew-upcoming"')
    assert f'id="assignment-{a.id}"' not in body and "No confirmed shifts coming up." in body
    assert '0</span> <span>upcoming shifts</span>' in _oob_summary(body)
    db.session.expire_all()
    assert a.status == AssignmentStatus.CANCELLED


def test_cancel_via_htmx_after_the_cut_off_keeps_the_card_and_says_whom_to_contact(
        crew, login_as):
    roles.update_settings(crew.org.id, cancel_cutoff_hours=24, second_reminder_hours=2,
                          no_show_grace_minutes=30, night_multiplier=Decimal("1"),
                          contact="crew-desk@example.test")
    person = crew.person()
    a = assignments.invite_user(crew.shift(start_in_hours=5), person)
    assignments.confirm_assignment(a)
    db.session.commit()
    response = login_as(person, htmx=True).post(f"/crew/assignments/{a.id}/cancel")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'id="assignment-{a.id}"' in body
    assert ("It is too late to cancel online; please contact crew-desk@example.test."
            in body)
    assert '1</span> <span>upcoming shift</span>' in _oob_summary(body)
    db.session.expire_all()
    assert a.status == AssignmentStatus.CONFIRMED


def _failed_email(crew, person):
    a = assignments.invite_user(crew.shift(), person)
    db.session.commit()
    email = db.session.scalars(db.select(OutboundEmail).where(
        OutboundEmail.related_id == a.id)).one()
    email.status, email.last_error = EmailStatus.FAILED, "550 mailbox unavailable"
    db.session.commit()
    return a, email


def test_resend_goes_back_to_the_message_list_it_came_from(crew, organizer_client):
    person = crew.person()
    a, email = _failed_email(crew, person)
    base = f"/orgs/{crew.org.slug}/crew"
    for page in (f"{base}/shifts/{a.shift_id}/messages", f"{base}/people/{person.id}/messages"):
        html = organizer_client.get(page).get_data(as_text=True)
        assert f'name="next" value="{page}"' in html
        email.status = EmailStatus.FAILED
        db.session.commit()
        response = organizer_client.post(f"{base}/emails/{email.id}/resend",
                                         data={"next": page})
        assert response.status_code == 303 and response.headers["Location"] == page
    db.session.expire_all()
    assert email.status != EmailStatus.FAILED


def test_resend_never_follows_next_off_the_site(crew, organizer_client):
    _, email = _failed_email(crew, crew.person())
    base = f"/orgs/{crew.org.slug}/crew"
    for target in ("https://evil.example/", "//evil.example/x", "/%2F%2Fevil.example"):
        email.status = EmailStatus.FAILED
        db.session.commit()
        response = organizer_client.post(f"{base}/emails/{email.id}/resend",
                                          data={"next": target})
        assert response.headers["Location"] == base


def test_resend_of_a_sent_email_explains_and_still_goes_back(crew, organizer_client):
    a, email = _failed_email(crew, crew.person())
    email.status = EmailStatus.SENT
    db.session.commit()
    page = f"/orgs/{crew.org.slug}/crew/shifts/{a.shift_id}/messages"
    response = organizer_client.post(f"/orgs/{crew.org.slug}/crew/emails/{email.id}/resend",
                                     data={"next": page}, follow_redirects=True)
    assert response.request.path == page
    assert "Only failed emails can be sent again." in response.get_data(as_text=True)
