"""The account pages: CSRF on every form, no inline script or style, htmx fragments."""

from __future__ import annotations

import re

import pytest

from .support import login_client


def _pages(app, make_user):
    anonymous = app.test_client()
    unverified = login_client(app, make_user(verified=False))
    verified = login_client(app, make_user(verified=True))
    return [
        (anonymous, "/login"), (anonymous, "/register"), (anonymous, "/reset"),
        (anonymous, "/reset/sent"), (anonymous, "/verify/email/not-a-token"),
        (unverified, "/verify"), (unverified, "/account"), (verified, "/account"),
    ]


def test_every_auth_form_carries_a_csrf_token(app, make_user, csrf_enabled):
    for client, url in _pages(app, make_user):
        page = client.get(url).get_data(as_text=True)
        forms = re.findall(r"<form\b.*?</form>", page, flags=re.S)
        for form in forms:
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (url, form[:120])


def test_pages_have_no_inline_script_or_style(app, make_user):
    for client, url in _pages(app, make_user):
        page = client.get(url).get_data(as_text=True)
        assert " style=" not in page, url
        assert "<style" not in page, url
        assert " hx-on" not in page, url
        for script in re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S):
            assert script.strip() == "", url


@pytest.mark.parametrize(("url", "data"), [
    ("/login", {"email": "a@example.com", "password": "x"}),
    ("/register", {"name": "A", "email": "a@example.com", "password": "x", "confirm": "x"}),
    ("/reset", {"email": "a@example.com"}),
])
def test_posts_without_a_csrf_token_are_refused(client, csrf_enabled, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert b"This form has expired" in response.data


def test_fields_are_labelled_and_errors_tied_to_them(client):
    page = client.post("/register", data={}).get_data(as_text=True)
    for name in ("name", "email", "password", "confirm"):
        assert f'<label for="{name}"' in page
        assert f'id="{name}-error"' in page
        assert re.search(rf'aria-describedby="[^"]*{name}-error"', page)


def test_htmx_verify_error_swaps_only_the_form(app, make_user):
    client = login_client(app, make_user(verified=False))
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    response = client.post("/verify", data={"code": "12"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<form id="verify-form"')
