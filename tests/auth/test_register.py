"""Registration: the password policy, email normalisation, duplicates, and what happens next."""

from __future__ import annotations

import secrets

from app.extensions import db
from app.models import User

from .support import fresh_user, mailed_code, mailed_path, new_email


def _user_count() -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count(User.id))).scalar_one()


def test_register_creates_account_logs_in_and_mails_verification(client, sign_up, outbox):
    email = "Mixed.Case." + new_email().upper()
    response, _, pw = sign_up(email)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/verify")
    user = fresh_user(email)
    assert user.email == email.lower()
    assert user.password_hash.startswith("$argon2id$")
    assert pw not in user.password_hash
    assert user.email_verified_at is None
    assert client.get("/account").status_code == 200  # logged in straight away

    [message] = outbox(to=email)
    assert message.template == "verify_email"
    assert message.status.value == "kept"
    assert mailed_path(message).startswith("/verify/email/")
    assert len(mailed_code(message)) == 6


def test_short_password_is_refused(client, sign_up):
    response, email, _ = sign_up(pw="Ab3$" + secrets.token_hex(2)[:5])  # 9 characters
    assert response.status_code == 422
    assert b"at least 10 characters" in response.data
    assert _user_count() == 0


def test_common_password_is_refused_whatever_its_case(client, sign_up):
    response, _, _ = sign_up(pw="ILoveYou01")
    assert response.status_code == 422
    assert b"commonly used passwords" in response.data
    assert _user_count() == 0


def test_long_passphrase_is_accepted_and_works_for_login(app, client, sign_up):
    passphrase = " ".join(secrets.token_hex(4) for _ in range(16))  # 143 characters
    assert len(passphrase) >= 64
    response, email, _ = sign_up(pw=passphrase)
    assert response.status_code == 303

    other = app.test_client()
    login = other.post("/login", data={"email": email, "password": passphrase})
    assert login.status_code == 303


def test_duplicate_email_gets_a_clear_message_whatever_its_case(client, app, sign_up):
    _, email, _ = sign_up()
    response, _, _ = sign_up(email.upper(), with_client=app.test_client())
    assert response.status_code == 422
    assert b"An account with this email already exists" in response.data
    assert _user_count() == 1


def test_invalid_email_is_refused(sign_up):
    response, _, _ = sign_up("not-an-address")
    assert response.status_code == 422
    assert b"@-sign" in response.data
    assert _user_count() == 0


def test_passwords_must_match(client, password):
    response = client.post("/register", data={
        "name": "Rita", "email": new_email(), "password": password, "confirm": password + "x",
    })
    assert response.status_code == 422
    assert b"The two passwords do not match." in response.data
    assert _user_count() == 0


def test_password_equal_to_email_is_refused(sign_up):
    email = new_email()
    response, _, _ = sign_up(email, pw=email)
    assert response.status_code == 422
    assert b"must not be your email address" in response.data


def test_register_page_explains_the_password_rule_and_links_to_login(client, csrf_enabled):
    response = client.get("/register")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "At least 10 characters. Long passphrases welcome." in page
    assert 'href="/login"' in page
    assert 'name="csrf_token"' in page


def test_logged_in_person_is_sent_away_from_register(login_as, make_user):
    client = login_as(make_user())
    response = client.get("/register")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_every_problem_is_shown_at_once(client):
    response = client.post("/register", data={
        "name": "Rita", "email": "not-an-address", "password": "short", "confirm": "other",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and "@-sign" in page
    assert 'id="password-error"' in page and "at least 10 characters" in page
    assert 'id="confirm-error"' in page and "do not match" in page
