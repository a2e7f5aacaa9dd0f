"""Ticket fixtures: paid orders made directly from models (the checkout flow is tested by
the orders suite), PDFs turned into text, images and decoded QR codes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db, jobs
from app.models import User
from app.models.orders import Order, OrderLine, OrderStatus, PaymentMethod
from app.models.types import utcnow
from app.services.tickets import issue_tickets
from tests.conftest import unique
from tests.seating.conftest import seat_map_event  # noqa: F401 (a shared fixture)


@dataclass
class Holder:
    name: str
    email: str


@pytest.fixture(autouse=True)
def _empty_documents_folder(app):
    """Ids restart when the tables are emptied: leave no earlier test's PDF behind."""
    import shutil

    shutil.rmtree(app.config["DOCUMENTS_PATH"], ignore_errors=True)


@pytest.fixture
def make_order(seat_map_event, make_user):  # noqa: F811 (the imported fixture)
    """`make_order(buyer=None, holders=None, seats=2, general=0, issue=True)` → a paid Order.

    Lines: `seats` seated tickets in row A (VIP, 100.00) and `general` general-admission
    ones; holders default to the buyer. With `issue`, `issue_tickets` runs and the
    transaction commits (jobs run inline in the default test app).
    """

    def make(*, buyer: User | None = None, holders: list[Holder] | None = None,
             seats: int = 2, general: int = 0, issue: bool = True, seated=None,
             status: OrderStatus = OrderStatus.PAID, **event_options) -> Order:
        seated = seated or seat_map_event(general_admission={"Standing": 100} if general
                                          else None, **event_options)
        buyer = buyer or make_user(name="Bea Buyer")
        vip = seated.ticket_types["VIP"]
        taken = set(db.session.scalars(select(OrderLine.seat_id).join(Order).where(
            Order.event_id == seated.event.id, OrderLine.seat_id.is_not(None))))
        free = [seat for seat in seated.row("A") + seated.row("B") if seat not in taken]
        lines = [OrderLine(ticket_type_id=vip.id, seat_id=seat_id, price=Decimal("100.00"),
                           description=f"VIP · seat {seat_id}", attendee_name=buyer.name,
                           attendee_email=buyer.email) for seat_id in free[:seats]]
        if general:
            standing = seated.ticket_types["Standing"]
            lines += [OrderLine(ticket_type_id=standing.id, price=Decimal("20.00"),
                                description="Standing", attendee_name=buyer.name,
                                attendee_email=buyer.email) for _ in range(general)]
        for line, holder in zip(lines, holders or [], strict=False):
            line.attendee_name, line.attendee_email = holder.name, holder.email
        order = Order(code=unique("T").upper().ljust(8, "X")[:12], event_id=seated.event.id,
                      user_id=buyer.id, buyer_email=buyer.email, buyer_name=buyer.name,
                      status=status, currency="ZMW", payment_method=PaymentMethod.SANDBOX,
                      total=sum((line.price for line in lines), Decimal("0")),
                      paid_at=utcnow() if status == OrderStatus.PAID else None, lines=lines)
        db.session.add(order)
        db.session.flush()
        if issue:
            issue_tickets(order)
        db.session.commit()
        return order

    return make


def pdf_text(data: bytes) -> str:
    """All the text of a PDF."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_pages_png(path: Path, out_dir: Path, resolution: int = 100) -> list[Path]:
    """Rasterise a PDF with pdftoppm (poppler); returns the PNG pages."""
    prefix = out_dir / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(path), str(prefix)],
                   check=True, capture_output=True, timeout=60)
    return sorted(out_dir.glob(f"{path.stem}*.png"))


def decode_qr_codes(png: Path) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in an image."""
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(png))
            if result.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture
def no_jobs():
    """Forget the jobs the current session asked for (the test runs them itself)."""

    def clear():
        jobs.pending(db.session()).clear()

    return clear
