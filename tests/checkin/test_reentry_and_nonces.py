"""Re-entry (in, out, in) and idempotent uploads: one nonce, one check-in, one verdict."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.checkin import CheckIn, CheckinSettings, Direction, ScanResult
from app.services.checkin import access


def _count(event_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.event_id == event_id))


def test_without_reentry_exits_are_refused_and_a_second_entry_is_already_in(paid_ticket, scan):
    ticket, event = paid_ticket()

    assert scan(ticket.qr_payload, event).result == ScanResult.VALID
    out = scan(ticket.qr_payload, event, direction=Direction.OUT)
    again = scan(ticket.qr_payload, event)

    assert out.result == ScanResult.NOT_INSIDE and "re-entry" in out.detail
    assert again.result == ScanResult.ALREADY_IN


def test_with_reentry_in_out_in(paid_ticket, scan):
    ticket, event = paid_ticket()
    access.set_reentry(event, True)
    db.session.commit()
    code = ticket.qr_payload

    results = [scan(code, event, direction=direction).result for direction in (
        Direction.OUT, Direction.IN, Direction.IN, Direction.OUT, Direction.OUT, Direction.IN,
        Direction.IN)]

    assert results == [ScanResult.NOT_INSIDE, ScanResult.VALID, ScanResult.ALREADY_IN,
                       ScanResult.EXIT, ScanResult.NOT_INSIDE, ScanResult.VALID,
                       ScanResult.ALREADY_IN]
    numbers = db.session.execute(select(CheckIn.result, CheckIn.entry_number).where(
        CheckIn.result.in_([ScanResult.VALID, ScanResult.EXIT])).order_by(CheckIn.id)).all()
    assert [tuple(row) for row in numbers] == [(ScanResult.VALID, 1), (ScanResult.EXIT, 1),
                                               (ScanResult.VALID, 2)]


def test_turning_reentry_off_stops_the_next_entry(paid_ticket, scan):
    ticket, event = paid_ticket()
    access.set_reentry(event, True)
    db.session.commit()
    scan(ticket.qr_payload, event)
    scan(ticket.qr_payload, event, direction=Direction.OUT)
    db.session.get(CheckinSettings, event.id).allow_reentry = False
    db.session.commit()

    assert scan(ticket.qr_payload, event).result == ScanResult.ALREADY_IN


def test_the_same_nonce_twice_records_once_and_returns_the_first_verdict(paid_ticket, scan):
    ticket, event = paid_ticket()

    first = scan(ticket.qr_payload, event, nonce="device-1-scan-1")
    replay = scan(ticket.qr_payload, event, nonce="device-1-scan-1")
    other = scan(ticket.qr_payload, event, nonce="device-1-scan-2")

    assert first.result == replay.result == ScanResult.VALID
    assert replay.replayed and replay.checkin_id == first.checkin_id
    assert replay.holder_name == ticket.holder_name
    assert other.result == ScanResult.ALREADY_IN
    assert _count(event.id) == 2


def test_a_replayed_failure_is_not_recorded_twice(paid_ticket, scan):
    ticket, event = paid_ticket()

    first = scan("garbage", event, nonce="n-1")
    replay = scan("garbage", event, nonce="n-1")

    assert first.result == replay.result == ScanResult.UNKNOWN and replay.replayed
    assert _count(event.id) == 1
