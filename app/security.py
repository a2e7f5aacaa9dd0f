"""Response headers that every page carries, and safe redirect targets."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' data:",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_security(app: Flask) -> None:
    app.after_request(set_security_headers)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login, or `default` for anything that could leave the site."""
    if not target:
        return default
    target = target.strip()
    # Browsers treat backslashes as slashes and ignore tabs/newlines: reject them outright.
    if any(ch in target for ch in "\\\t\r\n") or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    # A proxy or a later redirect may decode the path once more: `/%2F%2Fevil.tld` and
    # `/%5Cevil.tld` must not become `//evil.tld` or `/\evil.tld` there.
    decoded = unquote(target)
    if decoded.startswith("//") or "\\" in decoded or any(ord(ch) < 32 for ch in decoded):
        return default
    return target
