"""Orders' RQ job functions: thin, idempotent, they call the order services and commit.

Periodic: `orders.expire` runs `expire_orders` (see app/scheduling.py).
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app

from app.extensions import db, jobs
from app.services import orders
from app.services.payments import sandbox

WEBHOOK_JOB = sandbox.WEBHOOK_JOB


def expire_orders() -> int:
    """Expire every open order past its window, one short transaction each."""
    expired = 0
    for order_id in orders.due_order_ids():
        expired += orders.expire_order(order_id)
        db.session.commit()
    return expired


def send_sandbox_webhook(payload: dict, delay: float = 0) -> int | None:
    """Deliver one sandbox webhook (signed), now or after `delay` seconds.

    A delayed delivery is re-enqueued for later with RQ's scheduler; without Redis (inline
    jobs) a timer thread runs it later in its own app context. Delivery failures raise, so
    RQ retries the job with the same event id (the receiver deduplicates).
    """
    if delay > 0:
        _later(payload, delay)
        return None
    return sandbox.deliver_webhook(payload)


def _later(payload: dict, delay: float) -> None:
    if not jobs.inline:
        jobs.queue(jobs.PAYMENTS).enqueue_in(
            timedelta(seconds=delay), WEBHOOK_JOB, payload, 0,
            retry=_retry(), job_timeout=current_app.config["JOB_TIMEOUT"])
        return
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            sandbox.deliver_webhook(payload)

    timer = threading.Timer(delay, run)
    timer.daemon = True
    timer.start()


def _retry():
    from rq import Retry

    return Retry(max=len(sandbox.WEBHOOK_RETRIES), interval=list(sandbox.WEBHOOK_RETRIES))
