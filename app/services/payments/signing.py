"""HMAC-SHA256 webhook signatures with a timestamp (replay window), Stripe-style.

Header: `Marquee-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from app.services.payments.base import InvalidCallback

HEADER = "Marquee-Signature"


def sign(secret: str, raw_body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for `raw_body` at `timestamp` (now by default)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str], *, tolerance: int,
           now: float | None = None) -> None:
    """Raise InvalidCallback unless the header signs exactly `raw_body`, recently enough."""
    header = headers.get(HEADER) or ""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        raise InvalidCallback("missing or malformed signature header")
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > tolerance:
        raise InvalidCallback("signature timestamp outside the replay window")
    expected = sign(secret, raw_body, int(stamp)).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise InvalidCallback("signature does not match the body")
