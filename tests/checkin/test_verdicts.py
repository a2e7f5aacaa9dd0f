"""Every verdict the gate gives, in the order the checks run, and that each scan is recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.checkin import CheckIn, ScanResult, TicketTypeSession
from app.models.events import EventSession
from app.models.orders import Order, OrderStatus
from app.models.types import utcnow
from app.services.checkin import ScanInput, check_in_ticket
from app.services.tickets import reissue_ticket, revoke_order_tickets
from tests.checkin.conftest import nonce, tickets_of


def _rows(event_id: int) -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.event_id == event_id).order_by(CheckIn.id)))


def test_a_paid_ticket_is_valid_once_then_already_in(paid_ticket, scan):
    ticket, event = paid_ticket()

    first = scan(ticket.qr_payload, event, gate="Gate 2")
    second = scan(ticket.qr_payload, event, gate="Gate 5")

    assert first.result == ScanResult.VALID and first.label == "VALID"
    assert first.holder_name == ticket.holder_name
    assert first.ticket_type == "VIP" and first.seat == ticket.seat.label
    assert first.place == f"Seat {ticket.seat.label}"
    assert second.result == ScanResult.ALREADY_IN and second.label == "ALREADY IN"
    assert "by Gate 2" in second.detail and second.detail.startswith("at ")
    rows = _rows(event.id)
    assert [r.result for r in rows] == [ScanResult.VALID, ScanResult.ALREADY_IN]
    assert [r.gate for r in rows] == ["Gate 2", "Gate 5"]


def test_garbage_and_truncated_codes_are_unknown_and_recorded(paid_ticket, scan):
    ticket, event = paid_ticket()

    verdicts = [scan(text, event) for text in
                ("hello", ticket.qr_payload[:-1], ticket.qr_payload[:-2] + "AA", "")]

    assert {v.result for v in verdicts} == {ScanResult.UNKNOWN}
    rows = _rows(event.id)
    assert len(rows) == 4 and all(r.ticket_id is None for r in rows)


def test_another_events_ticket_is_unknown(paid_ticket, make_order, scan):
    ticket, event = paid_ticket()
    other_order = make_order(seats=1)  # another event of another organization
    other = tickets_of(other_order)[0]

    verdict = scan(other.qr_payload, event)

    assert verdict.result == ScanResult.UNKNOWN
    assert verdict.holder_name == ""  # nothing about someone else's ticket


def test_another_event_of_the_same_organization_is_unknown(paid_ticket, make_order,
                                                           make_event, scan):
    ticket, event = paid_ticket()
    sibling = make_event(event.organization)

    assert scan(ticket.qr_payload, sibling).result == ScanResult.UNKNOWN


def test_revoked_ticket(paid_ticket, scan):
    ticket, event = paid_ticket()
    order = db.session.get(Order, ticket.order_id)
    revoke_order_tickets(order, "refunded")
    order.status = OrderStatus.REFUNDED
    db.session.commit()

    assert scan(ticket.qr_payload, event).result == ScanResult.REVOKED


def test_old_code_of_a_reissued_ticket_is_revoked(paid_ticket, scan):
    ticket, event = paid_ticket()
    old_code = ticket.qr_payload
    reissue_ticket(ticket)
    db.session.commit()

    old = scan(old_code, event)
    new = scan(ticket.qr_payload, event)

    assert old.result == ScanResult.REVOKED and "reissued" in old.detail
    assert new.result == ScanResult.VALID


def test_not_paid(paid_ticket, scan):
    ticket, event = paid_ticket()
    db.session.get(Order, ticket.order_id).status = OrderStatus.AWAITING_APPROVAL
    db.session.commit()

    assert scan(ticket.qr_payload, event).label == "NOT PAID"


def test_wrong_day_by_session_grant(paid_ticket, scan):
    ticket, event = paid_ticket()
    day1 = EventSession(event=event, name="Day 1", starts_at=event.starts_at,
                        ends_at=event.starts_at + timedelta(hours=2))
    day2 = EventSession(event=event, name="Day 2", starts_at=event.starts_at + timedelta(days=1),
                        ends_at=event.starts_at + timedelta(days=1, hours=2))
    db.session.add_all([day1, day2])
    db.session.flush()
    db.session.add(TicketTypeSession(ticket_type_id=ticket.ticket_type_id, session_id=day1.id))
    db.session.commit()

    wrong = scan(ticket.qr_payload, event, session_id=day2.id)
    right = scan(ticket.qr_payload, event, session_id=day1.id)

    assert wrong.result == ScanResult.WRONG_DAY and wrong.label == "WRONG DAY"
    assert right.result == ScanResult.VALID


def test_a_type_without_grants_is_valid_for_every_session(paid_ticket, scan):
    ticket, event = paid_ticket()
    day1 = EventSession(event=event, name="Day 1", starts_at=event.starts_at,
                        ends_at=event.starts_at + timedelta(hours=2))
    day2 = EventSession(event=event, name="Day 2", starts_at=event.starts_at + timedelta(days=1),
                        ends_at=event.starts_at + timedelta(days=1, hours=2))
    db.session.add_all([day1, day2])
    db.session.commit()

    assert scan(ticket.qr_payload, event, session_id=day1.id).result == ScanResult.VALID
    assert scan(ticket.qr_payload, event, session_id=day2.id).result == ScanResult.VALID
    assert scan(ticket.qr_payload, event, session_id=day2.id).result == ScanResult.ALREADY_IN


def test_wrong_day_outside_the_codes_validity(paid_ticket, scan):
    ticket, event = paid_ticket(starts_in_days=30)  # the code is not valid yet

    too_early = scan(ticket.qr_payload, event, scanned_at=utcnow())
    on_the_day = scan(ticket.qr_payload, event, scanned_at=event.starts_at)

    assert too_early.result == ScanResult.WRONG_DAY
    assert on_the_day.result == ScanResult.VALID


def test_manual_check_in_records_the_reason(paid_ticket, scan):
    ticket, event = paid_ticket()

    verdict = check_in_ticket(ticket.id, ScanInput(event=event, nonce=nonce(), gate="Desk",
                                                   manual_reason="phone broken"))
    db.session.commit()
    again = scan(ticket.qr_payload, event)

    assert verdict.result == ScanResult.VALID
    assert again.result == ScanResult.ALREADY_IN and "by Desk" in again.detail
    assert _rows(event.id)[0].manual_reason == "phone broken"


def test_manual_check_in_of_another_events_ticket_is_unknown(paid_ticket, make_order):
    ticket, event = paid_ticket()
    other = tickets_of(make_order(seats=1))[0]

    verdict = check_in_ticket(other.id, ScanInput(event=event, nonce=nonce(),
                                                  manual_reason="x"))

    assert verdict.result == ScanResult.UNKNOWN and verdict.holder_name == ""


def test_every_scan_is_one_row(paid_ticket, scan):
    ticket, event = paid_ticket()
    for _ in range(3):
        scan(ticket.qr_payload, event)
    scan("nonsense", event)

    count = db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.event_id == event.id))
    assert count == 4


def test_ids_beyond_a_database_integer_are_unknown_not_an_error(paid_ticket, scan):
    import base64

    ticket, event = paid_ticket()
    raw = bytearray(base64.urlsafe_b64decode(ticket.qr_payload + "=="))
    raw[1:5] = b"\xff\xff\xff\xff"  # key id 4,294,967,295 (unverified)
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()

    assert scan(forged, event).result == ScanResult.UNKNOWN
