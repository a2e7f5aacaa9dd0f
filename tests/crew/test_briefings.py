"""Briefings: the file travels with each email; the portal download is for the crew it was sent
to and the event's organizers only."""

from __future__ import annotations

import io

from app.extensions import db
from app.services import outbox as outbox_service
from app.services.crew import assignments

PDF = b"%PDF-1.4\n% site plan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _send(crew, organizer_client, shift=None, **extra):
    data = {"shift": str(shift.id) if shift else "0", "title": "Site plan",
            "body": "Gates open at six.", **extra}
    return organizer_client.post(f"/orgs/{crew.org.slug}/crew/events/{crew.event.id}/briefings",
                                 data=data, content_type="multipart/form-data")


def _confirmed(crew, shift, **person):
    user = crew.person(**person)
    assignments.confirm_assignment(assignments.invite_user(shift, user))
    db.session.commit()
    return user


def _files(email):
    db.session.refresh(email)
    message = outbox_service.build_message(email)
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments()]


def test_each_confirmed_crew_member_gets_the_file_attached(crew, organizer_client, outbox):
    shift = crew.shift()
    first, second = _confirmed(crew, shift, name="Ada"), _confirmed(crew, shift, name="Ben")
    response = _send(crew, organizer_client, attachment=(io.BytesIO(PDF), "site plan.pdf"))
    assert response.status_code == 303
    for person in (first, second):
        [email] = [m for m in outbox(person.email) if m.template == "crew_briefing"]
        assert email.attachments == [{"kind": "briefing_file", "id": email.attachments[0]["id"]}]
        assert _files(email) == [("site-plan.pdf", "application/pdf", PDF)]
        assert "site-plan.pdf, is attached to this email" in email.text_body


def test_a_briefing_without_a_file_attaches_nothing(crew, organizer_client, outbox):
    person = _confirmed(crew, crew.shift())
    assert _send(crew, organizer_client).status_code == 303
    [email] = [m for m in outbox(person.email) if m.template == "crew_briefing"]
    assert not email.attachments and _files(email) == []
    assert "attached" not in email.text_body


def test_portal_download_is_for_its_crew_and_the_organizers_only(
        crew, organizer_client, login_as, make_user, make_org):
    on_shift = crew.shift()
    other_shift = crew.shift(start_in_hours=100)
    reader = _confirmed(crew, on_shift)
    outsider = _confirmed(crew, other_shift)  # same event, another shift
    _send(crew, organizer_client, shift=on_shift,
          attachment=(io.BytesIO(PDF), "plan.pdf"))
    from app.models.crew import Briefing

    briefing = db.session.scalars(db.select(Briefing)).one()
    url = f"/crew/briefings/{briefing.id}/attachment"
    page = login_as(reader).get("/crew").get_data(as_text=True)
    assert f'href="{url}"' in page
    download = login_as(reader).get(url)
    assert download.status_code == 200 and download.data == PDF
    assert organizer_client.get(url).data == PDF
    assert login_as(outsider).get(url).status_code == 404
    stranger = make_user(name="Other Organizer")
    make_org(owner=stranger, name="Elsewhere")
    assert login_as(stranger).get(url).status_code == 404
