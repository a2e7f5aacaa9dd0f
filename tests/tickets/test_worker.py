"""Ticket documents and emails through real workers on real Redis: rendered and sent once,
also when a worker is killed in the middle of a render."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboundEmail
from app.models.orders import Order
from app.models.tickets import DocumentKind, DocumentStatus, Ticket, TicketDocument
from app.services.tickets import documents, issue_tickets
from tests.messaging.conftest import (  # noqa: F401 (fixtures)
    ROOT,
    _no_worker_left_behind,
    mail_settings,
    make_app,
    run_worker,
    smtp_server,
    wait_for,
)

pytestmark = pytest.mark.redis
REDIS_DB = 7


@pytest.fixture
def redis7(redis_url):
    """(url, client) of Redis database 7, emptied before and after."""
    from redis import Redis

    url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{REDIS_DB}"))
    client = Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


@pytest.fixture
def redis_app(make_app, smtp_server, redis7):  # noqa: F811
    url, _ = redis7
    return make_app(REDIS_URL=url, JOBS_INLINE=False, DOCUMENT_JOB_RETRIES=(0, 0),
                    **mail_settings(smtp_server))


def _issue_through(app, order_id: int) -> None:
    """Issue in `app` (jobs go to its Redis), as the paid transaction would."""
    with app.app_context():
        issue_tickets(db.session.get(Order, order_id))
        db.session.commit()


def _pdf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.pdf"))


def _documents() -> list[TicketDocument]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketDocument).order_by(TicketDocument.id)))


def test_pdfs_and_the_email_are_produced_by_a_real_worker(redis_app, make_order,
                                                           smtp_server):  # noqa: F811
    order = make_order(seats=2, issue=False)
    _issue_through(redis_app, order.id)
    assert {d.status for d in _documents()} == {DocumentStatus.PENDING}

    run_worker(redis_app, "--burst", "--no-scheduler")

    assert {d.status for d in _documents()} == {DocumentStatus.READY}
    root = documents.documents_root()
    assert len(_pdf_files(root / "ticket_pdf")) == 2
    sent = db.session.scalars(select(OutboundEmail)).all()
    assert [(e.status.value, e.last_error) for e in sent] == [("sent", None)]
    [message] = smtp_server.handler.messages
    assert message["To"] == order.buyer_email
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 2 and all(p.get_content().startswith(b"%PDF") for p in pdfs)


def test_a_render_killed_mid_job_is_retried_and_produces_one_pdf_and_one_email(
        redis_app, redis7, make_order, smtp_server, tmp_path):  # noqa: F811
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    order = make_order(seats=1, issue=False)
    _issue_through(redis_app, order.id)
    ticket = db.session.scalars(select(Ticket)).one()
    marker = tmp_path / "paused"
    config = {key: redis_app.config[key] for key in (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH",
        "DOCUMENTS_PATH", "MAIL_SERVER", "MAIL_PORT", "MAIL_DEFAULT_SENDER")}
    config.update(JOBS_INLINE=False, DOCUMENT_RENDER_PAUSE=60,
                  DOCUMENT_RENDER_PAUSE_MARKER=str(marker))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "TEST_"))}
    victim = subprocess.Popen([sys.executable, "-m", "tests.tickets.pausing_worker",
                               json.dumps(config)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(marker.exists, timeout=60, message="the render job to start and pause")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()

    # The job is stranded in the started registry; the PDF was never written.
    url, _ = redis7
    connection = Redis.from_url(url)
    queue = Queue("documents", connection=connection)
    registry = StartedJobRegistry(queue=queue)
    stranded = registry.get_job_ids()
    assert stranded == [f"ticket_pdf-{ticket.id}-r1"]
    assert documents.ready_file(documents.document_for(DocumentKind.TICKET_PDF,
                                                       ticket.id)) is None
    # Its heartbeat runs out (job timeout + 60 s; here: pretend the hour has passed). RQ's
    # cleanup treats the job as abandoned and, with retries left, puts it back in the queue.
    registry.cleanup(timestamp=__import__("time").time() + 3600)
    assert f"ticket_pdf-{ticket.id}-r1" in queue.get_job_ids()

    run_worker(redis_app, "--burst", "--no-scheduler")

    assert {d.status for d in _documents()} == {DocumentStatus.READY}
    files = _pdf_files(documents.documents_root() / "ticket_pdf" / str(ticket.id))
    assert [f.name for f in files] == [f"ticket-{ticket.id}-r1.pdf"]
    assert len(smtp_server.handler.messages) == 1
    [message] = smtp_server.handler.messages
    assert [p.get_filename() for p in message.iter_attachments()] == [
        f"ticket-{ticket.id}.pdf"]
    assert queue.fetch_job(f"ticket_pdf-{ticket.id}-r1").get_status() == "finished"
