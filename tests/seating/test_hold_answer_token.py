"""The CSRF token a seat click's answer carries (its cart's release buttons): the session's
token, signed once in the process, not again on every click."""

from __future__ import annotations

import re

from flask_wtf.csrf import validate_csrf

from app import csrf_tokens

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_clicks_answer_the_same_valid_token_signed_once(app, htmx_client, seat_map_event,
                                                        monkeypatch):
    se = seat_map_event()
    signed = []
    real = csrf_tokens.generate_csrf
    monkeypatch.setattr(csrf_tokens, "generate_csrf", lambda: signed.append(1) or real())
    tokens = set()
    for label in ("A-1", "A-2", "A-3"):
        response = htmx_client.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold")
        assert response.status_code == 200
        tokens.update(TOKEN.findall(response.get_data(as_text=True)))
    assert len(tokens) == 1 and len(signed) == 1
    with htmx_client.session_transaction() as session:
        raw = session["csrf_token"]
    with app.test_request_context():
        from flask import session as request_session

        request_session["csrf_token"] = raw
        validate_csrf(tokens.pop())
