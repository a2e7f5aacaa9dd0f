"""Login, remember-me, and a logout that really ends the session (old cookies are anonymous)."""

from __future__ import annotations

from argon2 import PasswordHasher

from app.extensions import db
from app.services.passwords import needs_rehash

from .support import fresh_user

REMEMBER = "remember_token"


def _log_in(client, user, password, **extra):
    return client.post("/login", data={"email": user.email, "password": password, **extra})


def _is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_login_with_the_right_password(client, make_user, password):
    user = make_user(password=password)
    response = _log_in(client, user, password)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert _is_logged_in(client)
    assert client.get_cookie(REMEMBER) is None  # not asked for


def test_login_ignores_email_case_and_spaces(client, make_user, password):
    user = make_user(password=password)
    response = client.post("/login", data={"email": f"  {user.email.upper()} ",
                                            "password": password})
    assert response.status_code == 303


def test_wrong_password_is_refused(client, make_user, password):
    user = make_user(password=password)
    response = _log_in(client, user, password + "x")
    assert response.status_code == 422
    assert b"do not match an account" in response.data
    assert not _is_logged_in(client)


def test_unknown_email_gets_the_same_message(client, password):
    response = client.post("/login", data={"email": "nobody@example.com", "password": password})
    assert response.status_code == 422
    assert b"do not match an account" in response.data


def test_empty_form_shows_field_errors(client):
    response = client.post("/login", data={})
    assert response.status_code == 422
    assert b"Enter your email address." in response.data
    assert b"Enter your password." in response.data


def test_login_upgrades_an_old_hash(client, make_user, password):
    user = make_user(password=password)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)
    user.password_hash = weak
    db.session.commit()
    assert needs_rehash(weak)

    assert _log_in(client, user, password).status_code == 303
    upgraded = fresh_user(user.email).password_hash
    assert upgraded != weak and not needs_rehash(upgraded)
    assert upgraded.startswith("$argon2id$")


def test_logout_is_post_only(login_as, make_user):
    client = login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert _is_logged_in(client)


def test_logout_ends_the_session_and_a_replayed_cookie_is_anonymous(app, make_user, password):
    user = make_user(password=password)
    client = app.test_client()
    assert _log_in(client, user, password).status_code == 303
    stolen = client.get_cookie("session").value

    replay_before = app.test_client()
    replay_before.set_cookie("session", stolen)
    assert _is_logged_in(replay_before)  # the copied cookie does work until logout

    response = client.post("/logout")
    assert response.status_code == 303
    assert not _is_logged_in(client)
    assert fresh_user(user.email).session_version == 1

    replay_after = app.test_client()
    replay_after.set_cookie("session", stolen)
    response = replay_after.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remember_me_cookie_works_until_logout(app, make_user, password):
    user = make_user(password=password)
    client = app.test_client()
    assert _log_in(client, user, password, remember="y").status_code == 303
    remember = client.get_cookie(REMEMBER)
    assert remember is not None and remember.http_only

    before = app.test_client()
    before.set_cookie(REMEMBER, remember.value)
    assert _is_logged_in(before)  # a new browser session comes back logged in

    assert client.post("/logout").status_code == 303

    after = app.test_client()
    after.set_cookie(REMEMBER, remember.value)
    assert not _is_logged_in(after)


def test_logout_of_an_anonymous_visitor_just_goes_home(client):
    response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_logged_in_person_is_sent_away_from_login(login_as, make_user):
    response = login_as(make_user()).get("/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_page_links_to_register_and_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/register"' in page
    assert 'href="/reset"' in page
    assert 'name="remember"' in page


def test_htmx_login_error_swaps_only_the_form(htmx_client, make_user, password):
    user = make_user(password=password)
    response = _log_in(htmx_client, user, "wrong-" + password)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="login-form"')
    assert "<html" not in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_htmx_login_success_navigates_with_hx_redirect(htmx_client, make_user, password):
    user = make_user(password=password)
    response = _log_in(htmx_client, user, password)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/"
