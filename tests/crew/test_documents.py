"""iCal feed and shift calendar files; the PDF certificate of hours."""

from __future__ import annotations

import io
from datetime import timedelta

from icalendar import Calendar
from pypdf import PdfReader

from app.extensions import db
from app.models.crew import AssignmentStatus, CrewAssignment
from app.services.crew import assignments, calendar


def test_feed_lists_confirmed_shifts_and_revoking_gives_404(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    assignments.confirm_assignment(a)
    assignments.invite_user(crew.shift(start_in_hours=100), person)  # only invited
    db.session.commit()
    client = login_as(person)
    assert client.post("/crew/calendar").status_code == 303
    token = calendar.feed_token(person)
    response = client.get(f"/crew/calendar/{token}.ics")
    assert response.status_code == 200
    parsed = Calendar.from_ical(response.data)
    events = list(parsed.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [f"Usher · {crew.event.title}"]
    assert events[0].decoded("dtstart") == a.shift.starts_at
    assert client.post("/crew/calendar/revoke").status_code == 303
    assert client.get(f"/crew/calendar/{token}.ics").status_code == 404
    client.post("/crew/calendar")
    assert calendar.feed_token(person) != token


def test_shift_ics_is_the_persons_own(crew, login_as):
    person = crew.person()
    a = assignments.invite_user(crew.shift(), person)
    db.session.commit()
    response = login_as(person).get(f"/crew/assignments/{a.id}/shift.ics")
    assert response.status_code == 200
    assert len(list(Calendar.from_ical(response.data).walk("VEVENT"))) == 1
    assert login_as(crew.person()).get(f"/crew/assignments/{a.id}/shift.ics").status_code == 404


def test_certificate_pdf_is_rendered_and_shows_the_hours(crew, login_as):
    person = crew.person(name="Hana Hours")
    shift = crew.shift(start_in_hours=-100, hours=5)
    db.session.add(CrewAssignment(shift_id=shift.id, user_id=person.id, email=person.email,
                                  status=AssignmentStatus.COMPLETED, hours=5))
    db.session.commit()
    client = login_as(person)
    response = client.post(f"/crew/events/{crew.event.id}/certificate")
    assert response.status_code == 303
    pdf = client.get(f"/crew/events/{crew.event.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Hana Hours" in text and "5.00" in text and crew.event.title in text
    assert shift.starts_at < shift.ends_at - timedelta(hours=1)


def test_certificate_pending_page_polls(crew, login_as, app):
    from app.services.crew import certificates

    person = crew.person()
    shift = crew.shift(start_in_hours=-100)
    db.session.add(CrewAssignment(shift_id=shift.id, user_id=person.id, email=person.email,
                                  status=AssignmentStatus.COMPLETED, hours=4))
    certificate = certificates.request_certificate(person, crew.event)
    db.session.flush()
    certificate_id = certificate.id
    db.session.rollback()  # nothing committed: keep it pending by hand
    cert = certificates.HoursCertificate(id=certificate_id, user_id=person.id,
                                         event_id=crew.event.id, revision=1, status="pending")
    db.session.add(cert)
    db.session.add(CrewAssignment(shift_id=shift.id, user_id=person.id, email=person.email,
                                  status=AssignmentStatus.COMPLETED, hours=4))
    db.session.commit()
    client = login_as(person)
    page = client.get(f"/crew/events/{crew.event.id}/certificate.pdf")
    assert page.status_code == 202 and b"Preparing" in page.data
    status = client.get(f"/crew/certificates/{cert.id}/status/pending-1")
    assert status.status_code == 204
