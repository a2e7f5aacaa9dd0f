"""Job functions the worker tests enqueue (by dotted path) to look at what a job sees."""

from __future__ import annotations

from flask import current_app, g

from app.extensions import db, jobs
from app.models import OutboundEmail

INLINE_RUNS: list[str] = []


def hold_row(email_id: int, label: str, fail: bool = False) -> dict:
    """Report what this job inherited, then leave state behind: a value on `g`, a marker on
    the session, a row locked FOR UPDATE with an uncommitted change. Optionally fail."""
    session = db.session()
    seen = {
        "g": getattr(g, "probe", None),
        "session": session.info.get("probe"),
        "dirty": len(session.dirty) + len(session.new),
    }
    email = db.session.execute(
        db.select(OutboundEmail).where(OutboundEmail.id == email_id)
        .with_for_update(nowait=True)  # PostgreSQL: fails if an earlier job still holds it
    ).scalar_one()
    seen["subject"] = email.subject
    g.probe = label
    session.info["probe"] = label
    email.subject = f"changed by {label}, never committed"
    if fail:
        raise RuntimeError(f"{label} failed on purpose")
    return seen


def record_queue(label: str) -> None:
    """Append `label` to a Redis list, to see in which order the worker took its jobs."""
    jobs.redis().rpush("probe:order", label)
    assert current_app.config["REDIS_URL"]


def count_inline_run(label: str = "run") -> None:
    INLINE_RUNS.append(label)
