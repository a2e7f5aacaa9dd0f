"""PDF tickets: how fast one worker renders them, against WeasyPrint's raw rate, and the peak
memory of a 50-ticket order PDF.

    .venv/bin/python bench/pdf.py [--tickets 100] [--order-size 50]

1. Job rate: `render_ticket_pdf(ticket_id, revision)` in a loop, each call in its own app
   context as the worker runs it (load the ticket, build the card and QR code, render, write
   the file, mark the row ready), WeasyPrint imported once.
2. Raw rate: WeasyPrint alone on exactly the same HTML (the job's templates, rendered
   beforehand), with the same parsed stylesheet: `HTML(string=...).write_pdf(...)`.

   The two take turns, a slice of tickets each (`--rounds`), so that a change in the
   machine's speed during the run weighs on both alike; each rate is over the sum of its
   slices, by the clock and by this process's CPU time.
3. Peak memory: a fresh process renders the PDF of one 50-ticket order through the job and
   reports its maximum resident set size (getrusage).

Uses a throwaway SQLite database and documents folder. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The spawned child of step 3 reads the parent's folder from the environment.
WORK = Path(os.environ.setdefault("BENCH_PDF_WORK", tempfile.mkdtemp(prefix="marquee-bench-pdf-")))
os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance"))
os.environ.setdefault("FLASK_ENV", "bench")


def build_app():
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.db'}",
        "SECRET_KEY": secrets.token_urlsafe(32), "DOCUMENTS_PATH": str(WORK / "documents"),
        "REDIS_URL": None, "JOBS_INLINE": True, "MAIL_SERVER": None, "TESTING": False,
    })


def make_orders(app, order_sizes: list[int]) -> list[int]:
    """Paid orders of the given sizes (seated tickets), issued, no job run; their ids."""
    from datetime import timedelta

    from app.extensions import db, jobs
    from app.models import Event, Organization, User, Venue
    from app.models.orders import Order, OrderLine, OrderStatus, PaymentMethod
    from app.models.seating import Seat, TicketType
    from app.models.types import utcnow
    from app.services import seating
    from app.services.tickets import issue_tickets

    with app.app_context():
        db.create_all()
        org = Organization(name="Bench Productions", slug="bench")
        venue = Venue(organization=org, name="Bench Arena", address="1 Long Street, Lusaka",
                      timezone="Africa/Lusaka")
        starts = utcnow() + timedelta(days=30)
        event = Event(organization=org, venue=venue, title="Benchmark Night: Strings Live",
                      slug="bench-night", starts_at=starts, ends_at=starts + timedelta(hours=4),
                      timezone="Africa/Lusaka", currency="ZMW")
        buyer = User(email="bench@example.test", name="Bench Buyer",
                     password_hash="not-a-hash")  # noqa: S106 (never logs in)
        db.session.add_all([event, buyer])
        db.session.flush()
        rows = max(1, -(-sum(order_sizes) // 40))
        seat_map = seating.generate_seat_map(venue, "Bench map", [seating.SectionSpec(
            "Stalls", rows, 40, zone_for_rows="Standard")])
        seating.attach_seat_map(event, seat_map, {"Standard": Decimal("50.00")})
        ticket_type = db.session.scalars(db.select(TicketType)).first()
        seats = iter(db.session.scalars(db.select(Seat.id).order_by(Seat.id)))
        ids = []
        for n, size in enumerate(order_sizes):
            lines = [OrderLine(ticket_type_id=ticket_type.id, seat_id=next(seats),
                               price=Decimal("50.00"), description="Standard",
                               attendee_name=f"Attendee {n}-{i}",
                               attendee_email=f"a{n}-{i}@example.test") for i in range(size)]
            order = Order(code=f"BENCH{n:04d}", event_id=event.id, user_id=buyer.id,
                          buyer_email=buyer.email, buyer_name=buyer.name,
                          status=OrderStatus.PAID, currency="ZMW", total=50 * size,
                          payment_method=PaymentMethod.FREE, paid_at=utcnow(), lines=lines)
            db.session.add(order)
            db.session.flush()
            issue_tickets(order)
            ids.append(order.id)
        jobs.pending(db.session()).clear()  # the benchmark runs the jobs itself
        db.session.commit()
        return ids


def ticket_jobs(app) -> list[tuple[int, int]]:
    from app.extensions import db
    from app.models.tickets import Ticket

    with app.app_context():
        return list(db.session.execute(db.select(Ticket.id, Ticket.revision)
                                       .order_by(Ticket.id)))


def timed(run, *args) -> tuple[float, float]:
    """(seconds by the clock, CPU seconds of this process) that `run(*args)` took."""
    clock, cpu = time.perf_counter(), time.process_time()
    run(*args)
    return time.perf_counter() - clock, time.process_time() - cpu


def render_jobs(app, work: list[tuple[int, int]]) -> None:
    from app.jobs_documents import render_ticket_pdf

    for ticket_id, revision in work:
        with app.app_context():
            assert render_ticket_pdf(ticket_id, revision) == "rendered"


def same_html(app, work: list[tuple[int, int]]) -> list[str]:
    from app.extensions import db
    from app.models.tickets import DocumentKind
    from app.services.tickets.documents import _html_for

    with app.test_request_context(), app.app_context():
        pages = [_html_for(DocumentKind.TICKET_PDF, ticket_id, revision)[1]
                 for ticket_id, revision in work]
        db.session.rollback()
        return pages


def render_raw(pages: list[str]) -> None:
    from weasyprint import HTML

    from app.services.tickets.documents import STYLESHEET, stylesheet

    css, base = stylesheet(), str(STYLESHEET.parent)
    for html in pages:
        HTML(string=html, base_url=base).write_pdf(stylesheets=[css])


def in_turns(app, work: list[tuple[int, int]], pages: list[str],
             rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Jobs and raw renders of the same tickets, a slice each in turn: the (clock, CPU)
    seconds of all the jobs, and of all the raw renders."""
    job, raw = (0.0, 0.0), (0.0, 0.0)
    size = -(-len(work) // rounds)
    for start in range(0, len(work), size):
        clock, cpu = timed(render_jobs, app, work[start:start + size])
        job = (job[0] + clock, job[1] + cpu)
        clock, cpu = timed(render_raw, pages[start:start + size])
        raw = (raw[0] + clock, raw[1] + cpu)
    return job, raw


def _order_pdf_peak(order_id: int, revision: int, queue) -> None:
    """In a fresh process: render one order's PDF through the job; report peak RSS."""
    import weasyprint  # noqa: F401  (the worker imports it once, at start)

    app = build_app()
    from app.jobs_documents import render_order_pdf

    with app.app_context():
        start = time.perf_counter()
        status = render_order_pdf(order_id, revision)
        seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((status, seconds, peak_kib / 1024))


def order_revision(app, order_id: int) -> int:
    from app.extensions import db
    from app.models.orders import Order

    with app.app_context():
        return db.session.get(Order, order_id).version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--order-size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import weasyprint

    app = build_app()
    big, *_ = make_orders(app, [args.order_size] + [1] * args.tickets)
    work = [job for job in ticket_jobs(app)][args.order_size:]
    warm, work = work[:3], work[3:]
    render_jobs(app, warm)  # templates compiled, fonts loaded
    pages = same_html(app, work)
    render_raw(pages[:3])
    (job_clock, job_cpu), (raw_clock, raw_cpu) = in_turns(app, work, pages, args.rounds)

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_order_pdf_peak,
                            args=(big, order_revision(app, big), queue))
    child.start()
    status, seconds, peak_mib = queue.get(timeout=600)
    child.join()

    count = len(work)
    print(f"WeasyPrint {weasyprint.__version__}, {count} tickets, one worker process, "
          f"in {args.rounds} turns")
    print(f"  job (render_ticket_pdf) : {count / job_clock:6.1f} tickets/s   "
          f"({count / job_cpu:.1f} per CPU-second)")
    print(f"  raw WeasyPrint, same HTML: {count / raw_clock:6.1f} tickets/s   "
          f"({count / raw_cpu:.1f} per CPU-second)")
    print(f"  job / raw               : {100 * raw_clock / job_clock:6.1f} %"
          f"   (target >= 80 %; by CPU time {100 * raw_cpu / job_cpu:.1f} %)")
    print(f"  {args.order_size}-ticket order PDF: {status} in {seconds:.2f} s, "
          f"peak RSS {peak_mib:.0f} MiB   (target < 300 MiB)")


if __name__ == "__main__":
    main()
