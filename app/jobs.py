"""RQ job functions: thin, take ids, call services. They run inside an app context.

Periodic jobs are listed in `app.scheduling`.
"""

from __future__ import annotations

from app.services import outbox


def send_email(email_id: int) -> str | None:
    status = outbox.deliver_email(email_id)
    return status.value if status is not None else None


def sweep_outbox() -> int:
    return outbox.sweep_outbox()
