"""Invitations by email: single-use, expiring, for the invited address only."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from app.extensions import db
from app.models import AuditEntry, Invitation, Membership, Role
from app.models.types import utcnow


def _invite(client, org, email: str, role: str = "manager"):
    return client.post(f"/orgs/{org.slug}/invitations", data={"email": email, "role": role})


def _link_in(outbox, email: str) -> str:
    [message] = outbox(to=email)
    assert message.template == "org_invitation"
    links = re.findall(r"http://localhost(/invitations/[\w-]+)", message.text_body)
    assert links, message.text_body
    assert links[0] in message.html_body
    return links[0]


def _membership(user, org) -> Membership | None:
    db.session.expire_all()
    return db.session.execute(db.select(Membership).filter_by(
        user_id=user.id, organization_id=org.id)).scalar_one_or_none()


def test_invite_sends_a_link_and_stores_only_a_hash(world, client_for, outbox):
    response = _invite(client_for("organizer"), world.org, "New.Person@Example.com")
    assert response.status_code == 303
    assert response.location == f"/orgs/{world.org.slug}/members"
    link = _link_in(outbox, "new.person@example.com")
    token = link.rsplit("/", 1)[1]
    invitation = db.session.execute(db.select(Invitation)).scalar_one()
    assert invitation.email == "new.person@example.com"
    assert invitation.role == Role.MANAGER
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert invitation.expires_at > utcnow() + timedelta(days=6)
    assert db.session.execute(db.select(AuditEntry).filter_by(action="member.invited")).first()
    members_page = client_for("organizer").get(f"/orgs/{world.org.slug}/members")
    assert b"new.person@example.com" in members_page.data


def test_invitee_accepts_and_becomes_a_member(world, client_for, outbox, make_user, login_as):
    _invite(client_for("organizer"), world.org, "joiner@example.com", role="gate")
    link = _link_in(outbox, "joiner@example.com")
    joiner = make_user("joiner@example.com")
    client = login_as(joiner)
    page = client.get(link)
    assert page.status_code == 200 and b"Accept and join" in page.data
    response = client.post(link)
    assert response.status_code == 303
    assert response.location == f"/orgs/{world.org.slug}"
    assert _membership(joiner, world.org).role == Role.GATE
    invitation = db.session.execute(db.select(Invitation)).scalar_one()
    assert invitation.accepted_at is not None
    assert db.session.execute(db.select(AuditEntry).filter_by(action="member.joined")).first()
    assert client.get(f"/orgs/{world.org.slug}").status_code == 200


def test_token_cannot_be_used_twice(world, client_for, outbox, make_user, login_as):
    _invite(client_for("organizer"), world.org, "once@example.com")
    link = _link_in(outbox, "once@example.com")
    client = login_as(make_user("once@example.com"))
    assert client.post(link).status_code == 303
    again = client.post(link)
    assert again.status_code == 410 and b"already been used" in again.data
    assert client.get(link).status_code == 410


def test_wrong_account_is_refused(world, client_for, outbox, make_user, login_as):
    _invite(client_for("organizer"), world.org, "right@example.com")
    link = _link_in(outbox, "right@example.com")
    intruder = make_user("wrong@example.com")
    client = login_as(intruder)
    assert b"Accept and join" not in client.get(link).data
    response = client.post(link)
    assert response.status_code == 403 and b"right@example.com" in response.data
    assert _membership(intruder, world.org) is None
    # The refusal did not use up the invitation.
    right = make_user("right@example.com")
    assert login_as(right).post(link).status_code == 303
    assert _membership(right, world.org).role == Role.MANAGER


def test_expired_invitation_is_refused(world, client_for, outbox, make_user, login_as):
    _invite(client_for("organizer"), world.org, "late@example.com")
    link = _link_in(outbox, "late@example.com")
    late = make_user("late@example.com")
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = login_as(late).post(link)
    assert response.status_code == 410 and b"expired" in response.data
    assert _membership(late, world.org) is None


def test_invitation_is_still_valid_just_before_expiry(world, client_for, outbox, make_user,
                                                      login_as):
    _invite(client_for("organizer"), world.org, "ontime@example.com")
    link = _link_in(outbox, "ontime@example.com")
    user = make_user("ontime@example.com")
    with time_machine.travel(utcnow() + timedelta(days=6, hours=23)):
        assert login_as(user).post(link).status_code == 303
    assert _membership(user, world.org) is not None


def test_unknown_token_is_404(make_user, login_as, client):
    assert client.get("/invitations/not-a-real-token").status_code == 404
    assert login_as(make_user()).post("/invitations/not-a-real-token").status_code == 404


def test_anonymous_is_asked_to_log_in_and_comes_back(world, client_for, outbox, client):
    _invite(client_for("organizer"), world.org, "newbie@example.com")
    link = _link_in(outbox, "newbie@example.com")
    page = client.get(link)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"/login?next={link}" in body
    assert f"/register?next={link}" in body
    response = client.post(link)
    assert response.status_code == 302 and "/login" in response.location
    assert "next=" in response.location and "invitations" in response.location


def test_manager_cannot_invite_an_owner(world, make_user, make_member, login_as, outbox):
    manager = make_user()
    make_member(manager, world.org, Role.MANAGER)
    client = login_as(manager)
    response = _invite(client, world.org, "boss@example.com", role="owner")
    assert response.status_code == 422 and b"Only an owner" in response.data
    assert outbox() == []
    assert _invite(client, world.org, "helper@example.com", role="gate").status_code == 303


def test_existing_member_and_bad_email_are_form_errors(world, client_for, outbox):
    client = client_for("organizer")
    member = _invite(client, world.org, world.users["gate"].email)
    assert member.status_code == 422 and b"already a member" in member.data
    bad = _invite(client, world.org, "not-an-email")
    assert bad.status_code == 422 and b"error-text" in bad.data
    assert outbox() == []


def test_inviting_again_replaces_the_old_link(world, client_for, outbox, make_user, login_as):
    client = client_for("organizer")
    _invite(client, world.org, "twice@example.com", role="viewer")
    _invite(client, world.org, "twice@example.com", role="gate")
    first, second = outbox(to="twice@example.com")
    old = re.search(r"/invitations/[\w-]+", first.text_body).group(0)
    new = re.search(r"/invitations/[\w-]+", second.text_body).group(0)
    user_client = login_as(make_user("twice@example.com"))
    assert user_client.post(old).status_code == 404
    assert user_client.post(new).status_code == 303
