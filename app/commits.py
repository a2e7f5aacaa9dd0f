"""Committing a request's work and then drawing the answer from the objects in hand."""

from __future__ import annotations

from app.extensions import db


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded: for a view that draws its answer
    from the rows it has just read and written itself (under their locks), which would
    otherwise all be read again, one statement per object, after the commit. Anything not
    loaded yet still loads when first used."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
