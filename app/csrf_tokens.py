"""The CSRF token pages carry, signed once per session token in a process.

Flask-WTF keeps a raw token in the session and signs it (an HMAC with a timestamp) on every
request that draws a form: every seat click draws its cart's release buttons. Here tokens do
not expire by age (`WTF_CSRF_TIME_LIMIT` is None), so a signed token stays valid for as long
as its raw token and the secret key: the process keeps the last ones it signed, by secret,
field and raw token, and gives the same one again. With a time limit configured, every
request signs afresh, as Flask-WTF does.

Validation is Flask-WTF's, unchanged: a token given here is one it signed.
"""

from __future__ import annotations

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

_SIGNED: dict[tuple[str, str, str], str] = {}
_SIGNED_MAX = 4096  # about half a megabyte at most


def csrf_token() -> str:
    """`generate_csrf()` for this request, signing a session's token once per process."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    given = g.get(field)
    if given is not None:
        return given
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or not secret:
        return generate_csrf()
    raw = session.get(field)
    signed = _SIGNED.get((secret, field, raw)) if raw is not None else None
    if signed is not None:
        setattr(g, field, signed)  # what Flask-WTF's own forms read for this request
        return signed
    signed = generate_csrf()  # makes the session's raw token when it has none
    made = session.get(field)
    if isinstance(made, str) and (raw is None or made == raw):  # else: one it could not sign
        if len(_SIGNED) >= _SIGNED_MAX:
            _SIGNED.clear()
        _SIGNED[(secret, field, made)] = signed
    return signed


def init_csrf_tokens(app) -> None:
    """Templates' `csrf_token()` is this one. Call after `CSRFProtect.init_app`, which sets
    its own both as a Jinja global and in a context processor: this one's context processor,
    registered later, wins."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
