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


def end_reads() -> None:
    """End the session's transaction if it has only read so far (typically the person
    logged in, loaded by Flask-Login), keeping what it loaded. A service that runs a short
    transaction of its own on PostgreSQL (`sql_batches.transaction`) then does so, rather
    than joining this one and keeping its locks until the view's commit. For a view whose
    reads took no lock it still needs (a `FOR UPDATE` would be let go here)."""
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        commit_keeping_loaded()
