"""A short-lived, per-process cache of the public event page as anonymous visitors see it.

Only pages of public events (published or cancelled) rendered for an anonymous visitor with
nothing to flash are stored, so a draft is never stored. An entry lives
`EVENT_PAGE_CACHE_SECONDS` (0 turns the cache off; tests run without it unless they switch
it on). The event's status is read again at most every `EVENT_PAGE_STATUS_SECONDS` (one
indexed lookup; between checks a hit costs no database work at all), and an entry is served
only while that status is the one it was rendered with: a cancellation made in another
process shows within that second, one made in this process at once (`invalidate`), like
every other change the organizer makes here. Other processes' edits of texts or sessions show
within the entry's lifetime, as they would through any shared cache honouring max-age.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app

DEFAULT_SECONDS = 5.0
STATUS_SECONDS = 1.0
MAX_ENTRIES = 512


@dataclass
class Entry:
    expires: float
    status: str
    body: bytes
    checked: float  # when the status was last read


_entries: dict[tuple[str, bool], Entry] = {}


def seconds() -> float:
    default = 0.0 if current_app.testing else DEFAULT_SECONDS
    return float(current_app.config.get("EVENT_PAGE_CACHE_SECONDS", default))


def status_seconds() -> float:
    return float(current_app.config.get("EVENT_PAGE_STATUS_SECONDS", STATUS_SECONDS))


def get(slug: str, htmx: bool, current_status) -> bytes | None:
    """The stored page, or None. `current_status()` reads the event's status (a string, or
    None when the event is gone); it is called only when the last check is older than
    `status_seconds()`."""
    entry = _entries.get((slug, htmx))
    if entry is None:
        return None
    now = time.monotonic()
    if entry.expires <= now:
        _entries.pop((slug, htmx), None)
        return None
    if now - entry.checked >= status_seconds():
        if current_status() != entry.status:
            invalidate(slug)
            return None
        entry.checked = now
    return entry.body


def put(slug: str, htmx: bool, status: str, body: bytes, ttl: float) -> None:
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    now = time.monotonic()
    _entries[(slug, htmx)] = Entry(now + ttl, status, body, now)


def invalidate(slug: str) -> None:
    """Forget the event's pages in this process (after an organizer changed it)."""
    for htmx in (False, True):
        _entries.pop((slug, htmx), None)


def clear() -> None:
    _entries.clear()
