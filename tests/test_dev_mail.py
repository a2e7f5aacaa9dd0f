"""The development mail viewer: outbox list, message page, HTML part in a sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from app.extensions import db
from app.models import OutboundEmail
from app.models.types import utcnow
from tests.conftest import base_config


def _mail(subject: str, *, text: str = "Hello", html: str = "<p>Hello</p>",
          age_minutes: int = 0) -> OutboundEmail:
    email = OutboundEmail(to_email="reader@example.com", template="notice", subject=subject,
                          text_body=text, html_body=html,
                          created_at=utcnow() - timedelta(minutes=age_minutes))
    db.session.add(email)
    db.session.commit()
    return email


def test_list_is_newest_first(client):
    _mail("Older message", age_minutes=10)
    _mail("Newer message")
    body = client.get("/dev/mail").get_data(as_text=True)
    assert body.index("Newer message") < body.index("Older message")
    assert "reader@example.com" in body and "queued" in body


def test_message_page_links_text_urls_and_frames_the_html(client):
    email = _mail(
        "Confirm your email",
        text="Open https://marquee.example/verify/email/abc.def?x=1&y=2. Thanks <3",
        html="<p>Hi</p><script>alert(1)</script>",
    )
    response = client.get(f"/dev/mail/{email.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert ('<a href="https://marquee.example/verify/email/abc.def?x=1&amp;y=2">'
            in body)
    assert "Thanks &lt;3" in body
    assert "<script>alert(1)" not in body
    assert f'<iframe class="mail-frame" sandbox src="/dev/mail/{email.id}/html"' in body


def test_html_part_has_its_own_locked_down_policy(client):
    email = _mail("Styled", html="<style>p{color:red}</style><p>Styled</p>")
    response = client.get(f"/dev/mail/{email.id}/html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == "<style>p{color:red}</style><p>Styled</p>"
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    assert "frame-ancestors 'self'" in csp and "script-src" not in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    # Every other page keeps refusing to be framed.
    page = client.get(f"/dev/mail/{email.id}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_unknown_message_is_404(client):
    assert client.get("/dev/mail/999").status_code == 404
    assert client.get("/dev/mail/999/html").status_code == 404


def test_invitation_mail_is_readable_in_the_viewer(world, client_for, client, outbox):
    client_for("organizer").post(f"/orgs/{world.org.slug}/invitations",
                                 data={"email": "viewer@example.com", "role": "viewer"})
    [email] = outbox(to="viewer@example.com")
    body = client.get(f"/dev/mail/{email.id}").get_data(as_text=True)
    assert '<a href="http://localhost/invitations/' in body


@pytest.mark.parametrize("overrides", [
    {"ENV": "production", "DEV_MAIL_VIEWER": True},
    {"DEV_MAIL_VIEWER": False},
])
def test_viewer_is_absent_when_disabled_or_in_production(overrides):
    other = create_app(base_config(**overrides))
    assert "dev.mail" not in {rule.endpoint for rule in other.url_map.iter_rules()}
    with other.test_client() as c:
        assert c.get("/dev/mail").status_code == 404
