"""`next` only ever leads to a page of this site."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from app.security import safe_next

from .support import login_client, mailed_code

PAYLOADS = [
    "//evil.tld",
    "///evil.tld",
    "/\\evil.tld",
    "\\\\evil.tld",
    "https://evil.tld",
    "http:evil.tld",
    "HTTPS://evil.tld/path",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/%2F%2Fevil.tld",
    "%2F%2Fevil.tld",
    "/%5Cevil.tld",
    " //evil.tld",
    "/\t/evil.tld",
    "/%09/evil.tld",
    "evil.tld",
    "data:text/html,<script>alert(1)</script>",
]


def assert_local(location: str) -> None:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    decoded = unquote(location)
    assert location.startswith("/") and not decoded.startswith("//"), location
    assert "\\" not in decoded, location


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_next_refuses_payload(payload):
    assert safe_next(payload, "/home") == "/home"


@pytest.mark.parametrize("target", ["/account", "/events?category=jazz&q=a%20b", "/e/x#seats"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_never_redirects_off_site(client, make_user, password, payload):
    user = make_user(password=password)
    response = client.post("/login", query_string={"next": payload},
                           data={"email": user.email, "password": password})
    assert response.status_code == 303
    assert_local(response.headers["Location"])
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_htmx_login_never_redirects_off_site(htmx_client, make_user, password, payload):
    user = make_user(password=password)
    response = htmx_client.post("/login", query_string={"next": payload},
                                data={"email": user.email, "password": password})
    assert response.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_logged_in_visit_to_login_never_redirects_off_site(app, make_user, payload):
    client = login_client(app, make_user())
    response = client.get("/login", query_string={"next": payload})
    assert_local(response.headers["Location"])


@pytest.mark.parametrize("payload", ["//evil.tld", "/\\evil.tld", "https://evil.tld",
                                     "javascript:alert(1)", "/%2F%2Fevil.tld"])
def test_verification_code_never_redirects_off_site(unverified, outbox, payload):
    code = mailed_code(outbox(to=unverified.user.email)[-1])
    response = unverified.post("/verify", query_string={"next": payload}, data={"code": code})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


def test_login_follows_a_local_next(client, make_user, password):
    user = make_user(password=password)
    response = client.post("/login", query_string={"next": "/account?tab=password"},
                           data={"email": user.email, "password": password})
    assert response.headers["Location"] == "/account?tab=password"


def test_login_page_carries_next_into_the_form(client):
    page = client.get("/login", query_string={"next": "/account"}).get_data(as_text=True)
    assert 'action="/login?next=/account"' in page


def test_sign_up_carries_next_through_verification(client, password, outbox):
    email = "next.follower@example.com"
    response = client.post("/register", query_string={"next": "/account?from=signup"}, data={
        "name": "Nora Next", "email": email, "password": password, "confirm": password,
    })
    location = urlsplit(response.headers["Location"])
    assert location.path == "/verify"
    assert parse_qs(location.query) == {"next": ["/account?from=signup"]}
    code = mailed_code(outbox(to=email)[-1])
    response = client.post(response.headers["Location"], data={"code": code})
    assert response.headers["Location"] == "/account?from=signup"
