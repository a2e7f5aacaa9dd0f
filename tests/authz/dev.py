"""Authorization matrix: the development mail viewer (registered outside production only).

It is open to everyone in development: people read their verification and reset mail there
before they can log in.
"""

from __future__ import annotations

from app.extensions import db
from app.models import OutboundEmail
from tests.authz import Route


def _email_id(world) -> int:
    email = OutboundEmail(to_email=world.users["attendee"].email, template="notice",
                          subject="Matrix message", text_body="Hello https://example.com/x",
                          html_body="<p>Hello</p>")
    db.session.add(email)
    db.session.commit()
    return email.id


ROUTES = [
    Route("dev.mail", "GET", lambda w: "/dev/mail", {"*": 200}),
    Route("dev.mail_message", "GET", lambda w: f"/dev/mail/{_email_id(w)}", {"*": 200}),
    Route("dev.mail_html", "GET", lambda w: f"/dev/mail/{_email_id(w)}/html", {"*": 200},
          note="served with its own CSP, framed by the message page"),
]
