"""Email verification: a single-use expiring link, a 6-digit code with limited tries, resend."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask_login import login_user

from app.authz import verified_required
from app.extensions import db
from app.models import TokenPurpose
from app.models.types import utcnow

from .support import fresh_user, mailed_code, mailed_path, tokens_for


def _latest_mail(outbox, user):
    return outbox(to=user.email)[-1]


def _verified(user) -> bool:
    return fresh_user(user.email).email_verified_at is not None


def test_link_confirms_the_address(app, unverified, outbox):
    path = mailed_path(_latest_mail(outbox, unverified.user))
    response = app.test_client().get(path)  # on another device, not logged in
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert _verified(unverified.user)


def test_link_clicked_while_logged_in_goes_to_the_account(unverified, outbox):
    response = unverified.get(mailed_path(_latest_mail(outbox, unverified.user)),
                              follow_redirects=True)
    assert response.status_code == 200
    assert b"is confirmed" in response.data
    assert b"Confirmed" in response.data  # the account page's status
    assert _verified(unverified.user)


def test_link_is_single_use(app, unverified, outbox):
    path = mailed_path(_latest_mail(outbox, unverified.user))
    assert unverified.get(path).status_code == 303
    again = app.test_client().get(path)
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_link_expires(app, unverified, outbox):
    path = mailed_path(_latest_mail(outbox, unverified.user))
    later = utcnow() + timedelta(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 60)
    with time_machine.travel(later, tick=False):
        response = app.test_client().get(path)
    assert response.status_code == 400
    assert b"expired" in response.data
    assert not _verified(unverified.user)


def test_link_still_works_just_before_expiry(app, unverified, outbox):
    path = mailed_path(_latest_mail(outbox, unverified.user))
    later = utcnow() + timedelta(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] - 60)
    with time_machine.travel(later, tick=False):
        assert app.test_client().get(path).status_code == 303
    assert _verified(unverified.user)


@pytest.mark.parametrize("mangle", [
    lambda path: path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"),
    lambda path: path.rsplit(".", 1)[0],
    lambda path: "/verify/email/garbage",
])
def test_tampered_link_is_refused(app, unverified, outbox, mangle):
    path = mailed_path(_latest_mail(outbox, unverified.user))
    response = app.test_client().get(mangle(path))
    assert response.status_code == 400
    assert not _verified(unverified.user)


def test_a_reset_link_cannot_verify(app, unverified, outbox):
    from app.services.accounts import issue_token

    signed, _ = issue_token(unverified.user, TokenPurpose.RESET_PASSWORD)
    db.session.commit()
    assert app.test_client().get(f"/verify/email/{signed}").status_code == 400
    assert not _verified(unverified.user)


def test_code_confirms_the_address(unverified, outbox):
    code = mailed_code(_latest_mail(outbox, unverified.user))
    response = unverified.post("/verify", data={"code": code})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert _verified(unverified.user)
    # the same email's link is used up with it
    path = mailed_path(_latest_mail(outbox, unverified.user))
    assert unverified.get(path).status_code == 400


def test_code_may_be_typed_with_a_space(unverified, outbox):
    code = mailed_code(_latest_mail(outbox, unverified.user))
    response = unverified.post("/verify", data={"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 303
    assert _verified(unverified.user)


def test_wrong_code_counts_an_attempt(unverified, outbox):
    code = mailed_code(_latest_mail(outbox, unverified.user))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = unverified.post("/verify", data={"code": wrong})
    assert response.status_code == 422
    assert b"not right" in response.data
    [token] = tokens_for(unverified.user, TokenPurpose.VERIFY_EMAIL)
    assert token.attempts == 1
    assert not _verified(unverified.user)


def test_code_dies_after_too_many_wrong_attempts(app, unverified, outbox):
    message = _latest_mail(outbox, unverified.user)
    code = mailed_code(message)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(app.config["CODE_MAX_ATTEMPTS"]):
        assert unverified.post("/verify", data={"code": wrong}).status_code == 422

    response = unverified.post("/verify", data={"code": code})
    assert response.status_code == 422
    assert b"expired or was replaced" in response.data
    assert not _verified(unverified.user)
    assert app.test_client().get(mailed_path(message)).status_code == 400  # the link died too


def test_code_expires(app, unverified, outbox):
    code = mailed_code(_latest_mail(outbox, unverified.user))
    later = utcnow() + timedelta(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 60)
    with time_machine.travel(later, tick=False):
        response = unverified.post("/verify", data={"code": code})
    assert response.status_code == 422
    assert not _verified(unverified.user)


def test_malformed_code_is_refused_without_using_an_attempt(unverified):
    response = unverified.post("/verify", data={"code": "12ab56"})
    assert response.status_code == 422
    assert b"The code is 6 digits." in response.data
    [token] = tokens_for(unverified.user, TokenPurpose.VERIFY_EMAIL)
    assert token.attempts == 0


def test_resend_invalidates_the_older_link_and_code(app, unverified, outbox):
    first = _latest_mail(outbox, unverified.user)
    response = unverified.post("/verify/resend")
    assert response.status_code == 303
    assert response.headers["Location"] == "/verify"
    second = _latest_mail(outbox, unverified.user)
    assert second.id != first.id

    old_code, new_code = mailed_code(first), mailed_code(second)
    if old_code != new_code:
        assert unverified.post("/verify", data={"code": old_code}).status_code == 422
    assert app.test_client().get(mailed_path(first)).status_code == 400
    assert unverified.post("/verify", data={"code": new_code}).status_code == 303
    assert _verified(unverified.user)


def test_resend_when_already_verified_sends_nothing(login_as, make_user, outbox):
    user = make_user(verified=True)
    client = login_as(user)
    response = client.post("/verify/resend", follow_redirects=True)
    assert b"already confirmed" in response.data
    assert outbox(to=user.email) == []


def test_only_digests_are_stored(unverified, outbox):
    message = _latest_mail(outbox, unverified.user)
    code, path = mailed_code(message), mailed_path(message)
    [token] = tokens_for(unverified.user, TokenPurpose.VERIFY_EMAIL)
    assert len(token.secret_hash) == 64 and len(token.code_hash) == 64
    assert code not in token.code_hash
    assert token.secret_hash not in path and token.code_hash != token.secret_hash


def test_verify_page_for_a_verified_person_goes_to_the_account(login_as, make_user):
    response = login_as(make_user()).get("/verify")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


def test_verify_page_shows_where_the_code_went_and_a_resend_button(unverified):
    page = unverified.get("/verify").get_data(as_text=True)
    assert unverified.user.email in page
    assert 'action="/verify/resend"' in page
    assert 'autocomplete="one-time-code"' in page


def test_unverified_account_can_log_in(app, make_user, password):
    user = make_user(password=password, verified=False)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303
    assert client.get("/account").status_code == 200


def test_verified_required_refuses_unverified_with_an_explanation(app, make_user):
    def buy_tickets():
        return "bought"

    guarded = verified_required(buy_tickets)
    user = make_user(verified=False)
    with app.test_request_context("/events/x/buy"):
        login_user(user)
        page, status = guarded()
    assert status == 403
    assert "Confirm your email first" in page
    assert "buying tickets" in page.lower()
    assert 'action="/verify/resend"' in page  # the resend button
    assert "/verify" in page

    user.email_verified_at = utcnow()
    db.session.commit()
    with app.test_request_context("/events/x/buy"):
        login_user(user)
        assert guarded() == "bought"


def test_verified_required_sends_anonymous_people_to_login(app):
    guarded = verified_required(lambda: "bought")
    with app.test_request_context("/events/x/buy"):
        response = guarded()
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
