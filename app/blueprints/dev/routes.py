"""Development mail viewer: read the outbox when no SMTP server is configured.

Registered only outside production (see `create_app`). The HTML part of a message is served
from its own route with a locked-down CSP and shown in a sandboxed iframe, so nothing in a
message can run script or reach the network.
"""

from __future__ import annotations

import re

from flask import abort, make_response, render_template
from markupsafe import Markup, escape

from app.blueprints.dev import bp
from app.extensions import db
from app.models import OutboundEmail

MAIL_HTML_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'self'")
_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escape `text` and turn its http(s) links into anchors (trailing punctuation excluded)."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _message_or_404(email_id: int) -> OutboundEmail:
    return db.session.get(OutboundEmail, email_id) or abort(404)


@bp.get("/dev/mail")
def mail():
    messages = db.session.execute(
        db.select(OutboundEmail).order_by(OutboundEmail.created_at.desc(),
                                          OutboundEmail.id.desc()).limit(200)
    ).scalars().all()
    return render_template("dev/mail.html", messages=messages)


@bp.get("/dev/mail/<int:email_id>")
def mail_message(email_id: int):
    message = _message_or_404(email_id)
    return render_template("dev/message.html", message=message, text=linkify(message.text_body))


@bp.get("/dev/mail/<int:email_id>/html")
def mail_html(email_id: int):
    response = make_response(_message_or_404(email_id).html_body)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = MAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response
