"""The gate device's lean JSON path (`app/services/checkin/gate.py`): the same verdicts and
the same authorization as the full path, within a statement budget: a count, not a time.

A warm scan (the organization's key already read by this process) is one SELECT (person,
right to scan, session, ticket state and entries) and one INSERT … ON CONFLICT; ALREADY IN
needs nothing more. BEGIN/COMMIT are not statements here: on PostgreSQL they are not sent.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role
from app.models.accounts import User
from app.models.checkin import CheckIn, EventGateAssignment, ScanResult
from app.models.events import EventSession
from app.models.tickets import OrganizationKey
from app.services.checkin import gate as gate_path
from app.services.tickets import signing
from tests.checkin.conftest import tickets_of
from tests.statements import statements
from tests.tickets.conftest import Holder

WARM_SCAN = 2   # the gate's SELECT, the INSERT
COLD_SCAN = 3   # + the organization's public key, once per process




@pytest.fixture
def device(make_order, make_user, make_member, login_as):
    """(post(code, **form) → response, event, tickets, gate user) for a gate device."""
    gate_path._keys.clear()
    order = make_order(seats=2, starts_in_days=0, holders=[
        Holder("Ada Lovelace", "ada@example.test"), Holder("Grace Hopper", "grace@example.test")])
    tickets = tickets_of(order)
    user = make_user(name="Gail Gate")
    make_member(user, tickets[0].event.organization, Role.GATE)
    client = login_as(user)
    event = tickets[0].event
    nonces = iter(range(1, 1000))

    def post(code: str, slug: str = event.slug, **form):
        data = {"code": code, "nonce": f"device-{next(nonces)}", "session_id": "",
                "gate": "Gate 7", **form}
        return client.post(f"/checkin/{slug}/scan", data=data,
                           headers={"Accept": "application/json"})

    return post, event, tickets, user


def _scan_counted(post, code: str, **form):
    db.session.remove()
    with statements() as seen:
        response = post(code, **form)
    return response, seen


def test_a_scan_stays_within_its_statement_budget(device):
    post, _, tickets, _ = device
    first, second = (ticket.qr_payload for ticket in tickets)
    response, seen = _scan_counted(post, first)
    assert response.json["result"] == "valid"
    assert len(seen) <= COLD_SCAN, "\n".join([f"cold scan: {len(seen)}", *seen])

    response, seen = _scan_counted(post, second)
    assert response.json["result"] == "valid"
    assert len(seen) <= WARM_SCAN, "\n".join([f"warm scan: {len(seen)}", *seen])

    response, seen = _scan_counted(post, second)
    assert response.json["result"] == "already_in" and "by Gate 7" in response.json["detail"]
    assert len(seen) <= WARM_SCAN, "\n".join([f"already in: {len(seen)}", *seen])


def test_verdicts_match_the_full_path(device):
    post, event, tickets, _ = device
    first = post(tickets[0].qr_payload).json
    assert first["result"] == "valid" and first["holder_name"] == "Ada Lovelace"
    again = post(tickets[0].qr_payload, gate="Gate 8").json
    assert again["result"] == "already_in" and "by Gate 7" in again["detail"]
    forged = tickets[1].qr_payload[:-4] + ("AAAA" if not tickets[1].qr_payload.endswith(
        "AAAA") else "BBBB")
    assert post(forged).json["result"] == "unknown"
    assert post("not a code").json["result"] == "unknown"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CheckIn.id))
                             .where(CheckIn.event_id == event.id)) == 4  # every scan recorded


def test_a_repeated_nonce_records_one_scan(device):
    post, _, tickets, _ = device
    first = post(tickets[0].qr_payload, nonce="same").json
    repeat = post(tickets[0].qr_payload, nonce="same").json
    assert first["result"] == repeat["result"] == "valid"
    assert repeat["replayed"] and repeat["checkin_id"] == first["checkin_id"]
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_a_stale_cached_key_costs_a_read_never_a_verdict(device, make_order):
    post, _, tickets, _ = device
    assert post(tickets[0].qr_payload).json["result"] == "valid"
    (key_id, ours), = gate_path._keys.items()
    other = tickets_of(make_order(seats=1, starts_in_days=0))[0]  # another organization
    theirs = db.session.scalar(select(OrganizationKey.public_key).where(
        OrganizationKey.id == other.key_id))
    # The cache holds another key under this id (as after the database was rebuilt):
    gate_path._keys[key_id] = gate_path._Key(ours.organization_id,
                                             signing.load_public_key(bytes(theirs)))
    assert post(tickets[1].qr_payload).json["result"] == "valid"  # read again, verified
    assert gate_path._keys[key_id].public.public_bytes_raw() == \
        ours.public.public_bytes_raw()
    assert post(other.qr_payload).json["detail"] == "Not one of this organizer's tickets"


def test_authorization_is_checked_on_every_scan(device, make_order, make_user):
    post, event, tickets, user = device
    assert post(tickets[0].qr_payload).json["result"] == "valid"
    other = tickets_of(make_order(seats=1, starts_in_days=0))[0]
    assert post(other.qr_payload, slug=other.event.slug).status_code == 404  # not theirs

    db.session.execute(db.delete(EventGateAssignment))  # no effect: the role is org-wide
    from app.models.accounts import Membership

    db.session.execute(db.delete(Membership).where(Membership.user_id == user.id))
    db.session.commit()
    assert post(tickets[1].qr_payload).status_code == 404  # at once, not after a cache
    db.session.add(EventGateAssignment(event_id=event.id, user_id=user.id))
    db.session.commit()
    assert post(tickets[1].qr_payload).json["result"] == "valid"

    db.session.execute(db.update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.commit()  # "log out everywhere"
    response = post(tickets[1].qr_payload)
    assert response.status_code in (302, 401)
    assert db.session.scalar(select(func.count(CheckIn.id))
                             .where(CheckIn.result == ScanResult.VALID)) == 2


def test_a_session_of_another_event_is_refused(device, make_order):
    post, _, tickets, _ = device
    other = tickets_of(make_order(seats=1, starts_in_days=0))[0].event
    foreign = EventSession(event_id=other.id, name="Day 1", starts_at=other.starts_at,
                           ends_at=other.ends_at)
    db.session.add(foreign)
    db.session.commit()
    assert post(tickets[0].qr_payload, session_id=str(foreign.id)).status_code == 404
    assert post(tickets[0].qr_payload).json["result"] == "valid"
