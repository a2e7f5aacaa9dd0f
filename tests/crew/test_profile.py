"""The crew member's own profile: phone, consent to share it, declared qualifications that
count only once an organizer confirms them; the roster shows phones only of those who agreed."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.crew import CrewProfile
from app.services.crew import assignments, briefings, portal, roles
from app.services.crew.errors import NotQualified


def _save(client, **data):
    form = {"phone": "", **data}
    return client.post("/crew/profile", data=form)


def _profile(crew, user) -> CrewProfile:
    db.session.expire_all()
    return roles.profile_of(crew.org.id, user.id)


def test_profile_page_saves_phone_consent_and_declarations(crew, login_as):
    person = crew.person()
    client = login_as(person)
    page = client.get("/crew/profile").get_data(as_text=True)
    assert 'name="phone"' in page and "Food-hygiene certificate" in page
    response = _save(client, phone=" +260 97  123 4567 ", share_phone="y",
                     qualifications=["food_hygiene", "driving_licence"])
    assert response.status_code == 303 and response.headers["Location"] == "/crew/profile"
    profile = _profile(crew, person)
    assert person.phone == "+260 97 123 4567" and profile.share_phone is True
    assert profile.declared_qualifications == ["food_hygiene", "driving_licence"]
    assert profile.qualifications == []  # declared, not confirmed
    page = client.get("/crew/profile").get_data(as_text=True)
    assert "Driving licence: waiting for confirmation" in page
    assert 'value="+260 97 123 4567"' in page


def test_a_declared_qualification_counts_only_once_the_organizer_confirms(
        crew, login_as, organizer_client):
    person = crew.person()
    bar_shift = crew.shift(role=crew.bar, self_signup=True)
    _save(login_as(person), qualifications=["food_hygiene"])
    with pytest.raises(NotQualified, match="Food-hygiene certificate"):
        assignments.invite_user(bar_shift, person)
    db.session.rollback()
    assert not portal.open_shifts_for(person, bar_shift.starts_at.replace(year=2000))
    overview = organizer_client.get(f"/orgs/{crew.org.slug}/crew").get_data(as_text=True)
    assert "declares Food-hygiene certificate" in overview
    profile = _profile(crew, person)
    response = organizer_client.post(
        f"/orgs/{crew.org.slug}/crew/pool/{profile.id}/confirm",
        data={"qualification": "food_hygiene"})
    assert response.status_code == 303
    assert _profile(crew, person).qualifications == ["food_hygiene"]
    assert assignments.invite_user(bar_shift, person).status.value == "invited"


def test_organizer_cannot_confirm_what_was_not_declared(crew, organizer_client):
    person = crew.person()
    profile = _profile(crew, person)
    response = organizer_client.post(
        f"/orgs/{crew.org.slug}/crew/pool/{profile.id}/confirm",
        data={"qualification": "first_aid"}, follow_redirects=True)
    assert "has not declared First aid" in response.get_data(as_text=True)
    assert _profile(crew, person).qualifications == []


def test_withdrawing_a_qualification_stops_it_counting_at_once(crew, login_as):
    person = crew.person(["food_hygiene"])
    _save(login_as(person), qualifications=[])
    assert _profile(crew, person).qualifications == []
    with pytest.raises(NotQualified):
        assignments.invite_user(crew.shift(role=crew.bar), person)


def test_bad_phone_and_sharing_nothing_are_clear_messages(crew, login_as):
    person = crew.person()
    client = login_as(person)
    response = _save(client, phone="call me maybe")
    assert response.status_code == 422
    assert "at least 6 digits" in response.get_data(as_text=True)
    response = _save(client, phone="", share_phone="y")
    assert response.status_code == 422
    assert "Add your phone number to share it" in response.get_data(as_text=True)
    assert _profile(crew, person).share_phone is False


def test_consent_is_the_persons_the_organizer_updating_the_pool_keeps_it(
        crew, login_as, organizer_client):
    person = crew.person()
    _save(login_as(person), phone="+260 97 123 4567", share_phone="y")
    response = organizer_client.post(f"/orgs/{crew.org.slug}/crew/pool",
                                     data={"email": person.email,
                                           "qualifications": ["first_aid"]})
    assert response.status_code == 303
    profile = _profile(crew, person)
    assert profile.share_phone is True and profile.qualifications == ["first_aid"]


def test_a_new_pool_starts_with_the_persons_choices(crew, login_as, make_org):
    person = crew.person()
    _save(login_as(person), phone="+260 97 123 4567", share_phone="y",
          qualifications=["first_aid"])
    other = make_org(owner=crew.organizer, name="Side Stage")
    fresh = roles.add_to_pool(other, person, [])
    assert fresh.share_phone is True and fresh.declared_qualifications == ["first_aid"]
    assert fresh.qualifications == []


def test_roster_shows_phone_only_of_people_who_agreed(crew, login_as, outbox):
    shift = crew.shift(headcount=3)
    sharer = crew.person(name="Ada Sharer")
    private = crew.person(name="Ben Private")
    viewer = crew.person(name="Cy Viewer")
    _save(login_as(sharer), phone="+260 97 111 1111", share_phone="y")
    _save(login_as(private), phone="+260 97 222 2222")
    for user in (sharer, private, viewer):
        assignments.confirm_assignment(assignments.invite_user(shift, user))
    db.session.commit()
    lines = {line.name: line.phone for line in briefings.roster_for(shift)}
    assert lines == {"Ada Sharer": "+260 97 111 1111", "Ben Private": None, "Cy Viewer": None}
    page = login_as(viewer).get("/crew").get_data(as_text=True)
    assert "+260 97 111 1111" in page and "Ben Private" in page
    assert "+260 97 222 2222" not in page
    briefing = briefings.create_briefing(crew.event, None, "Doors", "Doors at six.")
    briefings.send_briefing(briefing)
    db.session.commit()
    [mail] = [m for m in outbox(viewer.email) if m.template == "crew_briefing"]
    assert "+260 97 111 1111" in mail.text_body and "+260 97 111 1111" in mail.html_body
    assert "+260 97 222 2222" not in mail.text_body + mail.html_body


def test_someone_in_no_pool_can_keep_a_phone_but_not_declare(make_user, login_as):
    user = make_user(name="Nobody Yet")
    client = login_as(user)
    assert "not in an organization's crew pool yet" in client.get(
        "/crew/profile").get_data(as_text=True)
    assert _save(client, phone="+260 97 333 3333").status_code == 303
    response = _save(client, qualifications=["first_aid"])
    assert response.status_code == 422
    assert "not in an organization's crew pool yet" in response.get_data(as_text=True)
