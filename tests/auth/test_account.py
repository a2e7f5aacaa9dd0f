"""The account page and changing the password from it."""

from __future__ import annotations

from app.services.passwords import verify_password

from .support import fresh_user


def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new,
    })


def test_account_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"


def test_account_shows_name_email_and_status(login_as, make_user):
    user = make_user(name="Vera Verified", verified=True)
    page = login_as(user).get("/account").get_data(as_text=True)
    assert "Vera Verified" in page and user.email in page
    assert "Confirmed" in page
    assert 'action="/verify/resend"' not in page
    assert 'action="/account/password"' in page


def test_unverified_account_offers_a_resend_button(login_as, make_user):
    page = login_as(make_user(verified=False)).get("/account").get_data(as_text=True)
    assert "Not confirmed yet" in page
    assert 'action="/verify/resend"' in page


def test_change_password_keeps_this_session_and_ends_others(login_as, make_user, password,
                                                            outbox):
    user = make_user(password=password)
    here, elsewhere = login_as(user), login_as(user)
    new_password = "brand-new-" + password
    response = _change(here, password, new_password)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert verify_password(fresh_user(user.email).password_hash, new_password)
    assert outbox(to=user.email)[-1].template == "password_changed"


def test_change_password_needs_the_current_one(login_as, make_user, password):
    user = make_user(password=password)
    response = _change(login_as(user), "wrong-" + password, "other-" + password)
    assert response.status_code == 422
    assert b"current password is not right" in response.data
    assert verify_password(fresh_user(user.email).password_hash, password)


def test_change_password_applies_the_policy(login_as, make_user, password):
    user = make_user(password=password)
    response = _change(login_as(user), password, "iloveyou01")
    assert response.status_code == 422
    assert b"commonly used" in response.data
    assert verify_password(fresh_user(user.email).password_hash, password)


def test_htmx_change_password_error_swaps_only_the_form(login_as, make_user, password):
    client = login_as(make_user(password=password), htmx=True)
    response = _change(client, password, "mismatch-" + password, "other-" + password)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="password-form"')
    assert "The two passwords do not match." in body
