"""Helpers for the account tests: read what was mailed, reload rows."""

from __future__ import annotations

import re
import secrets

from app.extensions import db
from app.models import AccountToken, OutboundEmail, TokenPurpose, User

_LINK = re.compile(r"http://localhost(/(?:verify/email|reset)/[A-Za-z0-9._\-]+)")
_CODE = re.compile(r"(\d{6})$")


def new_email() -> str:
    return f"person.{secrets.token_hex(6)}@example.com"


def mailed_path(message: OutboundEmail) -> str:
    """The site path of the link in a mailed message (the same in the text and HTML parts)."""
    text = _LINK.search(message.text_body)
    html = _LINK.search(message.html_body)
    assert text and html and text.group(1) == html.group(1), message.text_body
    return text.group(1)


def mailed_code(message: OutboundEmail) -> str:
    found = _CODE.search(message.subject)
    assert found and found.group(1) in message.text_body and found.group(1) in message.html_body
    return found.group(1)


def fresh_user(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email.lower())).scalar_one()


def tokens_for(user: User, purpose: TokenPurpose) -> list[AccountToken]:
    db.session.expire_all()
    return list(db.session.execute(
        db.select(AccountToken).filter_by(user_id=user.id, purpose=purpose)
        .order_by(AccountToken.id)
    ).scalars())


def login_client(app, user: User):
    """A fresh test client whose session belongs to `user`."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
