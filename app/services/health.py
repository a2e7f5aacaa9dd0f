"""Reachability of the database and Redis, for /healthz."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from app.extensions import db, jobs


def check_health() -> tuple[dict, bool]:
    report: dict[str, str] = {}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as exc:  # any driver error means unreachable
        db.session.rollback()
        report["database"] = f"error: {type(exc).__name__}"
        healthy = False
    if current_app.config.get("REDIS_URL"):
        try:
            jobs.redis().ping()
            report["redis"] = "ok"
        except Exception as exc:
            report["redis"] = f"error: {type(exc).__name__}"
            healthy = False
    else:
        report["redis"] = "not configured (jobs run inline)"
    report["status"] = "ok" if healthy else "degraded"
    return report, healthy
