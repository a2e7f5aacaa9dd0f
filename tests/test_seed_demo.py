"""`flask seed-demo`: a demo organization, event and one account per role."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import Event, EventStatus, Membership, Organization, Role, User
from app.models.types import utcnow
from app.services.passwords import verify_password

ROLES = {"organizer", "gate", "attendee", "vendor", "crew", "admin"}


def _seed(app, *args: str) -> dict:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # the whole of stdout is one JSON document


@pytest.fixture
def seeded(app) -> dict:
    return _seed(app)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def test_json_has_exactly_the_documented_shape(seeded):
    assert set(seeded) == {"users", "event"}
    assert set(seeded["users"]) == ROLES
    for creds in seeded["users"].values():
        assert set(creds) == {"email", "password"}
        assert len(creds["password"]) >= 16
    assert len({c["password"] for c in seeded["users"].values()}) == len(ROLES)
    assert set(seeded["event"]) == {"slug"}


def test_login_with_a_seeded_password_through_the_form(app, seeded):
    creds = seeded["users"]["organizer"]
    client = app.test_client()
    response = client.post("/login", data={"email": creds["email"],
                                           "password": creds["password"]})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    account = client.get("/account")
    assert account.status_code == 200
    refused = app.test_client().post("/login", data={"email": creds["email"],
                                                     "password": creds["password"] + "x"})
    assert refused.status_code != 303


def test_users_are_verified_with_the_right_roles(seeded):
    users = {role: _user(c["email"]) for role, c in seeded["users"].items()}
    assert all(u.is_verified for u in users.values())
    assert [r for r, u in users.items() if u.is_site_admin] == ["admin"]
    for role, creds in seeded["users"].items():
        assert verify_password(users[role].password_hash, creds["password"]), role
    org = db.session.execute(db.select(Organization)).scalar_one()
    roles = {m.user.email: m.role for m in db.session.execute(
        db.select(Membership).filter_by(organization_id=org.id)).scalars()}
    assert roles == {users["organizer"].email: Role.OWNER, users["gate"].email: Role.GATE}


def test_event_is_published_multi_day_with_sessions(app, seeded):
    event = db.session.execute(
        db.select(Event).filter_by(slug=seeded["event"]["slug"])).scalar_one()
    assert event.status == EventStatus.PUBLISHED
    assert event.starts_at > utcnow()
    assert (event.ends_at - event.starts_at).days >= 1
    assert len(event.sessions) >= 2
    assert event.venue is not None
    for session in event.sessions:
        assert event.starts_at <= session.starts_at < session.ends_at <= event.ends_at
    assert app.test_client().get(f"/events/{event.slug}").status_code == 200


def test_running_twice_resets_passwords_without_duplicates(app, seeded):
    second = _seed(app)
    assert {r: c["email"] for r, c in second["users"].items()} == \
        {r: c["email"] for r, c in seeded["users"].items()}
    assert second["event"] == seeded["event"]
    user = _user(second["users"]["attendee"]["email"])
    assert verify_password(user.password_hash, second["users"]["attendee"]["password"])
    assert not verify_password(user.password_hash, seeded["users"]["attendee"]["password"])
    assert db.session.execute(db.select(db.func.count()).select_from(Organization)
                              ).scalar_one() == 1
    assert db.session.execute(db.select(db.func.count()).select_from(Event)).scalar_one() == 1
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 6


def test_if_empty_does_nothing_when_users_exist(app, make_user):
    make_user()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has users" in result.stdout
    assert db.session.execute(db.select(Organization)).first() is None
    as_json = _seed(app, "--if-empty")
    assert as_json == {"skipped": True}


def test_if_empty_seeds_an_empty_database(app):
    data = _seed(app, "--if-empty")
    assert set(data["users"]) == ROLES


def test_readable_output_lists_every_account(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for role in ROLES:
        assert f"{role}@" in result.stdout
    data_users = db.session.execute(db.select(User.email)).scalars().all()
    assert all(email in result.stdout for email in data_users)
