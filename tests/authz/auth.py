"""Authorization matrix: accounts (login, registration, verification, password reset).

Every user of `world` is verified. Anonymous visitors may use the public forms; logged-in
people are sent on (303) from login and sign-up. Links with a real token are minted per test.
"""

from __future__ import annotations

import secrets

from app.extensions import db
from app.models import TokenPurpose
from tests.authz import Route

LOGGED_IN_PAGE = {"*": 200, "anonymous": 302}
ANONYMOUS_ONLY_PAGE = {"*": 303, "anonymous": 200}


def _link(world, purpose: TokenPurpose) -> str:
    from app.services.accounts import issue_token

    signed, _ = issue_token(world.users["attendee"], purpose,
                            with_code=purpose is TokenPurpose.VERIFY_EMAIL)
    db.session.commit()
    prefix = "/verify/email" if purpose is TokenPurpose.VERIFY_EMAIL else "/reset"
    return f"{prefix}/{signed}"


def _new_password(world) -> dict:
    password = "matrix-" + secrets.token_urlsafe(12)
    return {"password": password, "confirm": password}


ROUTES = [
    Route("auth.login", "GET", lambda w: "/login", ANONYMOUS_ONLY_PAGE),
    Route("auth.login", "POST", lambda w: "/login", {"*": 303, "anonymous": 422},
          data=lambda w: {"email": "nobody@example.com", "password": "not-the-password"},
          note="anonymous: wrong credentials re-render the form"),
    Route("auth.register", "GET", lambda w: "/register", ANONYMOUS_ONLY_PAGE),
    Route("auth.register", "POST", lambda w: "/register", {"*": 303, "anonymous": 422},
          data=lambda w: {"name": "Matrix", "email": "matrix@example.com",
                          "password": "short", "confirm": "short"}),
    Route("auth.logout", "POST", lambda w: "/logout", {"*": 303}),
    Route("auth.account", "GET", lambda w: "/account", LOGGED_IN_PAGE),
    Route("auth.change_password", "POST", lambda w: "/account/password",
          {"*": 422, "anonymous": 302},
          data=lambda w: {"current_password": "not-the-password",
                          "new_password": "another-password-1", "confirm": "another-password-1"},
          note="a wrong current password is refused on the form"),
    Route("auth.verify_code", "GET", lambda w: "/verify", {"*": 303, "anonymous": 302},
          note="verified people are sent to their account"),
    Route("auth.verify_code", "POST", lambda w: "/verify", {"*": 303, "anonymous": 302},
          data=lambda w: {"code": "000000"}),
    Route("auth.verify_email", "GET", lambda w: "/verify/email/not-a-token", {"*": 400}),
    Route("auth.verify_email", "GET", lambda w: _link(w, TokenPurpose.VERIFY_EMAIL),
          {"*": 303}, note="a live link works for whoever opens it"),
    Route("auth.resend_verification", "POST", lambda w: "/verify/resend",
          {"*": 303, "anonymous": 302}),
    Route("auth.reset_request", "GET", lambda w: "/reset", {"*": 200}),
    Route("auth.reset_request", "POST", lambda w: "/reset", {"*": 303},
          data=lambda w: {"email": "nobody@example.com"}),
    Route("auth.reset_sent", "GET", lambda w: "/reset/sent", {"*": 200}),
    Route("auth.reset_password", "GET", lambda w: "/reset/not-a-token", {"*": 400}),
    Route("auth.reset_password", "GET", lambda w: _link(w, TokenPurpose.RESET_PASSWORD),
          {"*": 200}),
    Route("auth.reset_password", "POST", lambda w: _link(w, TokenPurpose.RESET_PASSWORD),
          {"*": 303}, data=_new_password),
    Route("auth.reset_password", "POST", lambda w: "/reset/not-a-token", {"*": 400},
          data=_new_password),
]
