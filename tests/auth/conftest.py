"""Fixtures for the account tests: sign up through the form, an unverified logged-in client."""

from __future__ import annotations

import pytest

from app.extensions import db

from .support import new_email


@pytest.fixture
def sign_up(client, password):
    """`sign_up(email=None)` → (response, email, password) after posting the register form."""

    def submit(email: str | None = None, *, with_client=None, pw: str | None = None):
        email = email or new_email()
        pw = pw or password
        response = (with_client or client).post("/register", data={
            "name": "Rita Registrant", "email": email, "password": pw, "confirm": pw,
        })
        return response, email, pw

    return submit


@pytest.fixture
def unverified(make_user, login_as, password):
    """A logged-in client of a new unverified account that has been mailed a code."""
    from app.services.accounts import send_verification

    user = make_user(new_email(), password=password, verified=False)
    send_verification(user)
    db.session.commit()
    client = login_as(user)
    client.user = user
    return client
