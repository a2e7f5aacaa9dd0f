"""Password reset: identical answers for unknown emails, single-use expiring links."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import template_rendered

from app.models import TokenPurpose
from app.models.types import utcnow
from app.services.passwords import verify_password

from .support import fresh_user, mailed_path, new_email, tokens_for


def _request_reset(client, email):
    return client.post("/reset", data={"email": email})


def _reset_link(outbox, user) -> str:
    [message] = [m for m in outbox(to=user.email) if m.template == "reset_password"][-1:]
    return mailed_path(message)


def _set_password(client, path, new_password):
    return client.post(path, data={"password": new_password, "confirm": new_password})


def test_known_and_unknown_emails_get_identical_answers(app, make_user, outbox):
    user = make_user()
    known = _request_reset(app.test_client(), user.email)
    unknown = _request_reset(app.test_client(), new_email())

    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/reset/sent"
    assert known.get_data() == unknown.get_data()
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())

    page = app.test_client().get("/reset/sent")
    assert page.status_code == 200
    assert b"If an account exists" in page.data
    assert [m.template for m in outbox(to=user.email)] == ["reset_password"]
    assert len(outbox()) == 1  # nothing was sent for the unknown address


def test_unknown_email_does_the_same_rendering_work(app, make_user):
    """Timing should not tell known from unknown addresses: both render the reset email."""
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    user = make_user()
    with template_rendered.connected_to(record, app):
        _request_reset(app.test_client(), user.email)
        known = sorted(rendered)
        rendered.clear()
        _request_reset(app.test_client(), new_email())
        unknown = sorted(rendered)
    assert "emails/reset_password.txt" in known
    assert unknown == known


def test_reset_link_sets_a_new_password_and_ends_other_sessions(app, make_user, password,
                                                                login_as, outbox):
    user = make_user(password=password)
    version = user.session_version
    elsewhere = login_as(user)
    assert elsewhere.get("/account").status_code == 200

    _request_reset(app.test_client(), user.email)
    path = _reset_link(outbox, user)
    client = app.test_client()
    form = client.get(path)
    assert form.status_code == 200
    assert user.email.encode() in form.data

    new_password = "new-" + password
    response = _set_password(client, path, new_password)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # logged in with the new session

    stored = fresh_user(user.email)
    assert verify_password(stored.password_hash, new_password)
    assert not verify_password(stored.password_hash, password)
    assert stored.session_version == version + 1
    assert elsewhere.get("/account").status_code == 302  # the other device is logged out
    assert outbox(to=user.email)[-1].template == "password_changed"


def test_reset_link_is_single_use(app, make_user, password, outbox):
    user = make_user(password=password)
    _request_reset(app.test_client(), user.email)
    path = _reset_link(outbox, user)
    assert _set_password(app.test_client(), path, "first-" + password).status_code == 303

    again = _set_password(app.test_client(), path, "second-" + password)
    assert again.status_code == 400
    assert b"already been used" in again.data
    assert app.test_client().get(path).status_code == 400
    assert verify_password(fresh_user(user.email).password_hash, "first-" + password)


def test_reset_link_expires(app, make_user, password, outbox):
    user = make_user(password=password)
    _request_reset(app.test_client(), user.email)
    path = _reset_link(outbox, user)
    later = utcnow() + timedelta(seconds=app.config["RESET_TOKEN_MAX_AGE"] + 30)
    with time_machine.travel(later, tick=False):
        assert app.test_client().get(path).status_code == 400
        response = _set_password(app.test_client(), path, "late-" + password)
    assert response.status_code == 400
    assert b"expired" in response.data
    assert verify_password(fresh_user(user.email).password_hash, password)


def test_a_newer_reset_request_replaces_the_older_link(app, make_user, password, outbox):
    user = make_user(password=password)
    _request_reset(app.test_client(), user.email)
    first = _reset_link(outbox, user)
    _request_reset(app.test_client(), user.email)
    second = _reset_link(outbox, user)
    assert first != second
    assert _set_password(app.test_client(), first, "old-link-" + password).status_code == 400
    assert _set_password(app.test_client(), second, "new-link-" + password).status_code == 303


def test_changing_the_password_kills_outstanding_reset_links(app, make_user, password,
                                                             login_as, outbox):
    user = make_user(password=password)
    _request_reset(app.test_client(), user.email)
    path = _reset_link(outbox, user)
    new_password = "changed-" + password
    response = login_as(user).post("/account/password", data={
        "current_password": password, "new_password": new_password, "confirm": new_password,
    })
    assert response.status_code == 303
    assert all(t.used_at is not None for t in tokens_for(user, TokenPurpose.RESET_PASSWORD))
    assert app.test_client().get(path).status_code == 400


def test_weak_new_password_keeps_the_link_usable(app, make_user, password, outbox):
    user = make_user(password=password)
    _request_reset(app.test_client(), user.email)
    path = _reset_link(outbox, user)
    response = _set_password(app.test_client(), path, "short")
    assert response.status_code == 422
    assert b"at least 10 characters" in response.data
    assert _set_password(app.test_client(), path, "good-" + password).status_code == 303


def test_reset_by_mail_confirms_an_unverified_address(app, make_user, password, outbox):
    user = make_user(password=password, verified=False)
    _request_reset(app.test_client(), user.email)
    assert _set_password(app.test_client(), _reset_link(outbox, user),
                         "new-" + password).status_code == 303
    assert fresh_user(user.email).email_verified_at is not None


def test_tampered_reset_link_is_refused(app):
    response = app.test_client().get("/reset/not-a-real-token")
    assert response.status_code == 400
    assert b"Send a new reset link" in response.data


def test_reset_request_needs_an_email(client):
    response = client.post("/reset", data={"email": ""})
    assert response.status_code == 422
    assert b"Enter your email address." in response.data
