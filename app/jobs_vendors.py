"""Vendor jobs: thin, take ids, idempotent."""

from __future__ import annotations

from app.extensions import db
from app.services.vendors import passes, waitlist


def render_vendor_pass(pass_id: int, revision: int) -> str:
    """`documents` queue: render the pass PDF and email the vendor (once)."""
    try:
        return passes.render_pass(pass_id, revision)
    except Exception as exc:
        db.session.rollback()
        found = db.session.get(passes.VendorPass, pass_id)
        if found is not None:
            found.error = f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
        raise


def expire_waitlist_offers() -> int:
    """Periodic: expire unanswered offers, each in its own transaction (next in line)."""
    expired = 0
    for offer_id in waitlist.due_offer_ids():
        if waitlist.expire_offer(offer_id):
            expired += 1
        db.session.commit()
    return expired
