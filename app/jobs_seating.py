"""Seating's RQ job functions: thin, idempotent, they call the seating services and commit.

Periodic: `periodic("seating.expire_holds", "app.jobs_seating.expire_holds", every=15)`.
"""

from __future__ import annotations

from app.extensions import db
from app.services import seating


def expire_holds() -> int:
    """Release every expired hold (and prune the seat change log); the holds released."""
    released = seating.expire_holds()
    db.session.commit()
    return released


def expire_event_holds(event_id: int) -> int:
    """Release one event's expired holds now; the seats freed."""
    freed = seating.expire_due(event_id)
    db.session.commit()
    return freed
