"""The gate's pages over HTTP: plain forms, htmx fragments and JSON, searches and manual
check-in, remembered gate choices, polling, and who may scan where."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role
from app.models.checkin import CheckIn, EventGateAssignment, ScanResult
from app.services.checkin.stats import checkin_version
from tests.checkin.conftest import tickets_of
from tests.tickets.conftest import Holder


@pytest.fixture
def gate(make_order, make_user, make_member, login_as):
    """(client logged in as gate staff of the event's organization, event, tickets)."""
    order = make_order(seats=2, starts_in_days=0, holders=[
        Holder("Ada Lovelace", "ada@example.test"), Holder("Grace Hopper", "grace@example.test")])
    tickets = tickets_of(order)
    user = make_user(name="Gail Gate")
    make_member(user, tickets[0].event.organization, Role.GATE)
    return login_as(user), tickets[0].event, tickets


def test_scanner_page(gate):
    client, event, _ = gate
    response = client.get(f"/checkin/{event.slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "READY" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "js/scanner.js" in html and "<script>" not in html


def test_plain_form_scan_redirects_to_the_verdict(gate):
    client, event, tickets = gate
    response = client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload})
    assert response.status_code == 303 and "shown=" in response.location

    page = client.get(response.location).get_data(as_text=True)
    assert "VALID" in page and "Ada Lovelace" in page and "verdict-valid" in page


def test_htmx_scan_returns_only_the_verdict(gate, app):
    client, event, tickets = gate
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    first = client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload,
                                                             "gate": "Gate 2"})
    second = client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload})
    html = second.get_data(as_text=True)
    assert first.status_code == 200 and "<html" not in first.get_data(as_text=True)
    assert 'id="verdict"' in html and "ALREADY IN" in html and "by Gate 2" in html


def test_json_scan(gate):
    client, event, tickets = gate
    response = client.post(f"/checkin/{event.slug}/scan", data={"code": "nope", "nonce": "j1"},
                           headers={"Accept": "application/json"})
    assert response.json["result"] == "unknown" and response.json["label"] == "UNKNOWN"


def test_typed_name_searches_and_manual_check_in_needs_a_reason(gate):
    client, event, tickets = gate
    plain = client.post(f"/checkin/{event.slug}/scan", data={"code": "grace"})
    assert plain.status_code == 303 and "q=grace" in plain.location
    assert "Grace Hopper" in client.get(plain.location).get_data(as_text=True)

    client.environ_base["HTTP_HX_REQUEST"] = "true"
    found = client.post(f"/checkin/{event.slug}/scan", data={"code": "Grace"})
    assert found.headers["HX-Retarget"] == "#results"
    assert "Grace Hopper" in found.get_data(as_text=True)
    assert "Ada Lovelace" not in found.get_data(as_text=True)

    no_reason = client.post(f"/checkin/{event.slug}/manual", data={"ticket_id": tickets[1].id})
    checked = client.post(f"/checkin/{event.slug}/manual",
                          data={"ticket_id": tickets[1].id, "reason": "phone flat"})
    assert no_reason.status_code == 422
    assert "VALID" in checked.get_data(as_text=True)
    row = db.session.scalars(db.select(CheckIn)).one()
    assert row.manual_reason == "phone flat" and row.result == ScanResult.VALID


def test_the_gate_name_and_session_are_remembered(gate):
    client, event, tickets = gate
    client.post(f"/checkin/{event.slug}/gate", data={"gate": "North 3"})
    assert "North 3" in client.get(f"/checkin/{event.slug}").get_data(as_text=True)

    client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload})
    assert db.session.scalars(db.select(CheckIn)).one().gate == "North 3"


def test_counts_poll_is_204_when_nothing_changed(gate, scan):
    client, event, tickets = gate
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    version = checkin_version(event.id)
    assert client.get(f"/checkin/{event.slug}/counts?seen={version}").status_code == 204
    scan(tickets[0].qr_payload, event)
    changed = client.get(f"/checkin/{event.slug}/counts?seen={version}")
    assert changed.status_code == 200 and "<strong>1</strong> in of" in changed.get_data(
        as_text=True)


def test_gate_staff_of_one_event_only(make_order, make_user, make_event, login_as):
    order = make_order(seats=1, starts_in_days=0)
    event = tickets_of(order)[0].event
    sibling = make_event(event.organization)
    user = make_user()
    db.session.add(EventGateAssignment(event_id=event.id, user_id=user.id))
    db.session.commit()
    client = login_as(user)

    assert client.get(f"/checkin/{event.slug}").status_code == 200
    assert client.get(f"/checkin/{sibling.slug}").status_code == 404
    assert event.title in client.get("/checkin").get_data(as_text=True)
    organizer_url = f"/orgs/{event.organization.slug}/events/{event.slug}/checkin"
    assert client.get(organizer_url).status_code == 404  # not a member of the organization


def test_gate_staff_of_another_organization_see_nothing(gate, make_order, login_as):
    client, _, _ = gate
    foreign = tickets_of(make_order(seats=1, starts_in_days=0))[0]
    slug = foreign.event.slug

    for url in (f"/checkin/{slug}", f"/checkin/{slug}/offline-kit", f"/checkin/{slug}/counts"):
        assert client.get(url).status_code == 404, url
    scan = client.post(f"/checkin/{slug}/scan", data={"code": foreign.qr_payload})
    assert scan.status_code == 404
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 0


def test_scan_needs_the_csrf_token(gate, csrf_enabled):
    client, event, tickets = gate
    page = client.get(f"/checkin/{event.slug}").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]

    assert client.post(f"/checkin/{event.slug}/scan",
                       data={"code": tickets[0].qr_payload}).status_code == 400
    ok = client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload},
                     headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert ok.json["result"] == "valid"


def test_organizer_screen_shows_counts_conflicts_and_settings(gate, make_user, make_member,
                                                              login_as):
    client, event, tickets = gate
    organizer = make_user()
    make_member(organizer, event.organization, Role.MANAGER)
    desk = login_as(organizer)
    client.post(f"/checkin/{event.slug}/scan", data={"code": tickets[0].qr_payload,
                                                     "gate": "Gate 1"})
    client.post(f"/checkin/{event.slug}/sync", json={"scans": [{
        "nonce": "off-1", "code": tickets[0].qr_payload, "gate": "Gate 4",
        "offline_result": "valid"}]})
    url = f"/orgs/{event.organization.slug}/events/{event.slug}/checkin"

    html = desk.get(url).get_data(as_text=True)
    assert "Conflicts" in html and "Gate 4" in html and "Ada Lovelace" in html
    assert desk.post(f"{url}/settings", data={"allow_reentry": "on"}).status_code == 303
    assert 'name="direction"' in client.get(f"/checkin/{event.slug}").get_data(as_text=True)
    assert desk.post(f"{url}/gate-staff", data={"email": "nobody@example.test"}
                     ).status_code == 422
    assert client.get(url).status_code == 403  # gate staff: scanner only


def test_per_event_gate_staff_can_be_removed(gate, make_user, make_member, login_as):
    _, event, tickets = gate
    organizer = make_user()
    make_member(organizer, event.organization, Role.OWNER)
    desk = login_as(organizer)
    helper = make_user(name="Hal Helper")
    url = f"/orgs/{event.organization.slug}/events/{event.slug}/checkin"
    assert desk.post(f"{url}/gate-staff", data={"email": helper.email}).status_code == 303
    scanner = login_as(helper)
    assert scanner.post(f"/checkin/{event.slug}/scan", data={
        "code": tickets[0].qr_payload, "session_id": ""},
        headers={"Accept": "application/json"}).json["result"] == "valid"

    assignment = db.session.scalar(db.select(EventGateAssignment.id).where(
        EventGateAssignment.user_id == helper.id))
    html = desk.get(url).get_data(as_text=True)
    assert "Hal Helper" in html and f"/gate-staff/{assignment}/remove" in html
    assert desk.post(f"{url}/gate-staff/{assignment}/remove").status_code == 303
    assert f"/gate-staff/{assignment}/remove" not in desk.get(url).get_data(as_text=True)
    # the next scan, on either path, is refused; the person keeps their account
    assert scanner.post(f"/checkin/{event.slug}/scan", data={
        "code": tickets[1].qr_payload, "session_id": ""},
        headers={"Accept": "application/json"}).status_code == 404
    assert scanner.get(f"/checkin/{event.slug}").status_code == 404
    assert desk.post(f"{url}/gate-staff/{assignment}/remove").status_code == 404  # gone


def test_search_by_name_offers_manual_check_in_at_the_gate(gate):
    client, event, tickets = gate
    found = client.post(f"/checkin/{event.slug}/scan", data={"code": "grace"},
                        headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert found.headers["HX-Retarget"] == "#results"
    assert "Grace Hopper" in html and "Ada Lovelace" not in html
    assert f'hx-post="/checkin/{event.slug}/manual"' in html and 'name="nonce"' in html
    assert f'for="reason-{tickets[1].id}"' in html

    verdict = client.post(f"/checkin/{event.slug}/manual", data={
        "ticket_id": tickets[1].id, "reason": "Phone battery dead, ID checked"},
        headers={"HX-Request": "true"})
    assert 'data-result="valid"' in verdict.get_data(as_text=True)
    row = db.session.scalar(db.select(CheckIn).where(CheckIn.ticket_id == tickets[1].id))
    assert row.result == ScanResult.VALID
    assert row.manual_reason == "Phone battery dead, ID checked"


def test_organizer_desk_search_and_manual_check_in(gate, make_user, make_member, login_as):
    _, event, tickets = gate
    organizer = make_user()
    make_member(organizer, event.organization, Role.OWNER)
    desk = login_as(organizer)
    page = f"/orgs/{event.organization.slug}/events/{event.slug}/checkin"
    html = desk.get(f"{page}?q=ada").get_data(as_text=True)
    assert "Ada Lovelace" in html and 'name="gate" value="Organizer desk"' in html
    assert f'name="next" value="{page}"' in html

    back = desk.post(f"/checkin/{event.slug}/manual", data={
        "ticket_id": tickets[0].id, "reason": "Wristband list", "gate": "Organizer desk",
        "next": page})
    assert back.status_code == 303 and back.location.endswith(page)
    row = db.session.scalar(db.select(CheckIn).where(CheckIn.ticket_id == tickets[0].id))
    assert (row.result, row.gate) == (ScanResult.VALID, "Organizer desk")


BEYOND = 2**31  # one past the largest id a database integer column holds


def test_ids_past_the_database_range_are_unknown_not_errors(gate):
    """PostgreSQL refuses such a number in a query: it must stop at the route."""
    client, event, tickets = gate
    assert client.get(f"/checkin/{event.slug}?shown={BEYOND}").status_code == 200
    assert client.get(f"/checkin/{event.slug}?shown={10**25}").status_code == 200
    answer = client.post(f"/checkin/{event.slug}/manual", data={
        "ticket_id": BEYOND, "reason": "typed by hand"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'data-result="unknown"' in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(CheckIn.result)).all() == [ScanResult.UNKNOWN]
