"""The CSRF token pages carry: signed once per session token in a process, and still the
token Flask-WTF signs and accepts."""

from __future__ import annotations

from flask import g, session
from flask_wtf.csrf import validate_csrf

from app import csrf_tokens
from app.csrf_tokens import csrf_token


def _token(app, raw: str | None = None) -> str:
    """The token one request draws (an app context of its own: `g` is the request's)."""
    with app.app_context(), app.test_request_context():
        if raw is not None:
            session["csrf_token"] = raw
        token = csrf_token()
        assert g.csrf_token == token  # Flask-WTF's own forms draw the same one
        validate_csrf(token)  # Flask-WTF accepts it for this session
        return token


def test_a_sessions_token_is_signed_once_and_given_again(app, monkeypatch):
    signed = []
    real = csrf_tokens.generate_csrf
    monkeypatch.setattr(csrf_tokens, "generate_csrf", lambda: signed.append(1) or real())
    csrf_tokens._SIGNED.clear()
    first = _token(app, "a" * 40)
    assert _token(app, "a" * 40) == first
    assert len(signed) == 1
    assert _token(app, "b" * 40) != first
    assert len(signed) == 2


def test_a_token_signed_under_another_secret_is_not_given(app):
    csrf_tokens._SIGNED.clear()
    first = _token(app, "c" * 40)
    old = app.secret_key
    app.secret_key = old + "-rotated"
    try:
        rotated = _token(app, "c" * 40)
    finally:
        app.secret_key = old
    assert rotated != first


def test_with_a_time_limit_every_request_signs_afresh(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    csrf_tokens._SIGNED.clear()
    _token(app, "d" * 40)
    assert csrf_tokens._SIGNED == {}


def test_a_new_session_gets_a_raw_token_and_a_signed_one(app):
    with app.app_context(), app.test_request_context():
        token = csrf_token()
        assert session["csrf_token"]
        validate_csrf(token)


def test_templates_draw_this_token_and_sign_a_new_sessions_token_once(app, monkeypatch):
    """Flask-WTF puts its own `csrf_token` in every template's context: this one wins."""
    from flask import render_template_string

    signed = []
    real = csrf_tokens.generate_csrf
    monkeypatch.setattr(csrf_tokens, "generate_csrf", lambda: signed.append(1) or real())
    with app.app_context(), app.test_request_context():
        first = render_template_string("{{ csrf_token() }}")
        raw = session["csrf_token"]
    with app.app_context(), app.test_request_context():
        session["csrf_token"] = raw
        assert render_template_string("{{ csrf_token() }}") == first
        validate_csrf(first)
    assert len(signed) == 1
