"""Rate limits (Flask-Limiter) on the POSTs that guess or send mail; GETs are never limited."""

from __future__ import annotations

import pytest

from .support import login_client, new_email


def _anonymous(app, _make_user, _password):
    return app.test_client()


def _logged_in(app, make_user, _password):
    return login_client(app, make_user(verified=True))


def _unverified(app, make_user, _password):
    return login_client(app, make_user(verified=False))


LIMITED = [
    # (config key, url, client factory, form data)
    ("RATELIMIT_LOGIN", "/login", _anonymous,
     lambda pw: {"email": "nobody@example.com", "password": pw}),
    ("RATELIMIT_REGISTER", "/register", _anonymous,
     lambda pw: {"name": "R", "email": new_email(), "password": "short", "confirm": "short"}),
    ("RATELIMIT_CODE", "/verify", _unverified, lambda pw: {"code": "000000"}),
    ("RATELIMIT_CODE", "/verify/resend", _unverified, lambda pw: {}),
    ("RATELIMIT_RESET", "/reset", _anonymous, lambda pw: {"email": new_email()}),
    ("RATELIMIT_LOGIN", "/account/password", _logged_in,
     lambda pw: {"current_password": pw, "new_password": "x", "confirm": "y"}),
]


@pytest.mark.parametrize(("key", "url", "make_client", "data"), LIMITED,
                         ids=[entry[1] for entry in LIMITED])
def test_post_is_limited_and_answers_429_with_the_error_page(
        app, monkeypatch, make_user, password, key, url, make_client, data):
    monkeypatch.setitem(app.config, key, "3 per minute")
    client = make_client(app, make_user, password)
    for _ in range(3):
        assert client.post(url, data=data(password)).status_code != 429
    response = client.post(url, data=data(password))
    assert response.status_code == 429
    assert b"Slow down" in response.data
    assert "Retry-After" in response.headers
    if url not in ("/verify/resend", "/account/password"):  # POST-only routes
        assert client.get(url).status_code in (200, 303)  # reading the page is not limited


def test_default_login_limit_comes_from_the_config(app, client, password):
    assert app.config["RATELIMIT_LOGIN"] == "10 per minute"
    for _ in range(10):
        assert client.post("/login", data={"email": "a@example.com",
                                           "password": password}).status_code == 422
    assert client.post("/login", data={"email": "a@example.com",
                                       "password": password}).status_code == 429


def test_limits_count_per_route(app, monkeypatch, client, password):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "1 per minute")
    client.post("/login", data={"email": "a@example.com", "password": password})
    assert client.post("/login", data={}).status_code == 429
    assert client.post("/reset", data={"email": new_email()}).status_code == 303
