"""Offline mode, server side: the encrypted roster, the revocation list, and uploads of
offline scans (idempotent by nonce, conflicts reported)."""

from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role
from app.models.checkin import CheckIn, ScanResult
from app.models.orders import Order, OrderStatus
from app.services.checkin import offline_kit, stats, upload_offline_scans
from app.services.checkin.offline import open_record, roster_material
from app.services.tickets import reissue_ticket, revoke_order_tickets
from tests.checkin.conftest import tickets_of
from tests.tickets.conftest import Holder


@pytest.fixture
def event_with_tickets(make_order):
    order = make_order(seats=3, starts_in_days=0, holders=[
        Holder("Ada Lovelace", "ada@example.test"), Holder("Grace Hopper", "grace@example.test"),
        Holder("Alan Turing", "alan@example.test")])
    tickets = tickets_of(order)
    return tickets[0].event, tickets


def test_each_record_opens_with_its_own_tickets_secret_only(event_with_tickets):
    event, tickets = event_with_tickets
    kit = offline_kit(event, None)

    assert len(kit["roster"]) == 3
    for ticket in tickets:
        secret = bytes.fromhex(ticket.secret)
        index, _ = roster_material(secret, event.id)
        record = open_record(secret, event.id, kit["roster"][index])
        assert record == {"t": ticket.id, "r": 1, "n": ticket.holder_name, "y": "VIP",
                          "s": ticket.seat.label}
    stranger = bytes.fromhex(tickets[1].secret)
    index, _ = roster_material(bytes.fromhex(tickets[0].secret), event.id)
    with pytest.raises(InvalidTag):
        open_record(stranger, event.id, kit["roster"][index])


def test_the_kit_holds_no_names_emails_or_ticket_ids_in_clear(event_with_tickets):
    event, tickets = event_with_tickets
    text = json.dumps(offline_kit(event, None))

    for ticket in tickets:
        for word in (*ticket.holder_name.split(), ticket.holder_email, ticket.secret,
                     f'"t": {ticket.id}'):
            assert word not in text
    assert "Bea Buyer" not in text


def test_revocation_list_and_current_revisions(event_with_tickets):
    event, tickets = event_with_tickets
    reissue_ticket(tickets[1])
    db.session.commit()
    assert offline_kit(event, None)["revisions"] == {str(tickets[1].id): 2}

    order = db.session.get(Order, tickets[0].order_id)
    revoke_order_tickets(order, "refunded")
    order.status = OrderStatus.REFUNDED
    db.session.commit()
    kit = offline_kit(event, None)

    assert sorted(kit["revoked"]) == sorted(t.id for t in tickets)
    assert kit["roster"] == {}


def test_tickets_already_in_are_listed_by_roster_index(event_with_tickets, scan):
    event, tickets = event_with_tickets
    scan(tickets[2].qr_payload, event)

    kit = offline_kit(event, None)

    assert kit["inside"] == [roster_material(bytes.fromhex(tickets[2].secret), event.id)[0]]


def _offline(ticket, nonce: str, gate: str, result: str = "valid") -> dict:
    return {"nonce": nonce, "code": ticket.qr_payload, "gate": gate, "device_id": "phone-b",
            "scanned_at": "2030-01-01T00:00:00Z", "offline_result": result}


def test_an_offline_entry_of_someone_already_in_is_a_conflict(event_with_tickets, scan):
    event, tickets = event_with_tickets
    scan(tickets[0].qr_payload, event, gate="Gate 1")  # online, first

    answers = upload_offline_scans(event, [_offline(tickets[0], "b-1", "Gate 2"),
                                           _offline(tickets[1], "b-2", "Gate 2")], set(), None)
    db.session.commit()

    assert [(a["result"], a["conflict"]) for a in answers] == [("already_in", True),
                                                               ("valid", False)]
    [conflict] = stats.conflicts(event.id)
    assert conflict.gate == "Gate 2" and conflict.offline
    assert "ALREADY IN" in conflict.conflict_reason and "Gate 1" in conflict.conflict_reason


def test_two_offline_gates_letting_one_ticket_in_give_one_conflict(event_with_tickets):
    event, tickets = event_with_tickets

    upload_offline_scans(event, [_offline(tickets[0], "a-1", "Gate A")], set(), None)
    upload_offline_scans(event, [_offline(tickets[0], "b-1", "Gate B")], set(), None)
    db.session.commit()

    rows = db.session.execute(select(CheckIn.gate, CheckIn.result, CheckIn.conflict)
                              .order_by(CheckIn.id)).all()
    assert [tuple(r) for r in rows] == [("Gate A", ScanResult.VALID, False),
                                        ("Gate B", ScanResult.ALREADY_IN, True)]


def test_replaying_an_upload_records_nothing_new(event_with_tickets, scan):
    event, tickets = event_with_tickets
    scan(tickets[0].qr_payload, event)
    batch = [_offline(tickets[0], "r-1", "Gate 2"), _offline(tickets[1], "r-2", "Gate 2"),
             _offline(tickets[1], "r-3", "Gate 2", result="already_in")]

    first = upload_offline_scans(event, batch, set(), None)
    db.session.commit()
    again = upload_offline_scans(event, batch, set(), None)
    db.session.commit()

    strip = [{k: v for k, v in a.items() if k != "replayed"} for a in first]
    assert [{k: v for k, v in a.items() if k != "replayed"} for a in again] == strip
    assert all(a["replayed"] for a in again)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 4
    assert len(stats.conflicts(event.id)) == 1


def test_sync_endpoint_takes_json_with_the_csrf_header(app, csrf_enabled, event_with_tickets,
                                                       make_user, make_member, login_as):
    event, tickets = event_with_tickets
    user = make_user()
    make_member(user, event.organization, Role.GATE)
    client = login_as(user)
    page = client.get(f"/checkin/{event.slug}").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    body = {"scans": [_offline(tickets[0], "h-1", "Gate 9")]}

    refused = client.post(f"/checkin/{event.slug}/sync", json=body)
    accepted = client.post(f"/checkin/{event.slug}/sync", json=body,
                           headers={"X-CSRFToken": token})
    bad = client.post(f"/checkin/{event.slug}/sync", json={"scans": [{"code": "x"}]},
                      headers={"X-CSRFToken": token})

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert accepted.json["results"][0]["result"] == "valid"
    assert bad.status_code == 422 and "nonce" in bad.json["error"]
