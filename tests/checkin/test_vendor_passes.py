"""Vendor passes at the gate: recognised by their form, verified with the organization's key,
judged on the application as it is now, and recorded as a vendor check-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.models.checkin import CheckIn, CredentialKind, ScanResult
from app.models.vendors import ApplicationStatus
from app.services.checkin import offline_kit, stats
from app.services.vendors import passes
from tests.vendors.conftest import market  # noqa: F401 (a shared fixture)
from tests.vendors.test_passes import assigned


@pytest.fixture
def vendor_pass(market):  # noqa: F811 (the imported fixture)
    application = assigned(market, booth_index=1)
    return application, passes.vendor_code(application), market.event


def test_a_valid_pass_admits_on_every_scan_and_is_recorded_as_a_vendor(vendor_pass, scan):
    application, code, event = vendor_pass
    first = scan(code, event, scanned_at=event.starts_at)
    again = scan(code, event, scanned_at=event.starts_at)  # vendors come and go
    assert first.result == again.result == ScanResult.VALID
    assert first.holder_name == "Bao Stand"
    assert first.ticket_type == "Vendor pass" and first.seat == f"Booth {application.booth.label}"
    assert first.place == first.seat  # a booth names itself; a seat is "Seat B-12"
    kinds = db.session.scalars(db.select(CheckIn.credential_kind)).all()
    assert kinds == [CredentialKind.VENDOR, CredentialKind.VENDOR]


def test_outside_its_days_the_pass_is_wrong_day(vendor_pass, scan):
    _, code, event = vendor_pass  # the event starts in a month: too early to load in
    assert scan(code, event).result == ScanResult.WRONG_DAY


def test_a_pass_replaced_by_a_booth_change_is_revoked(vendor_pass, scan, market):  # noqa: F811
    application, code, event = vendor_pass
    application.booth_id = market.booths[2].id
    db.session.commit()
    verdict = scan(code, event, scanned_at=event.starts_at)
    assert verdict.result == ScanResult.REVOKED and "newer pass" in verdict.detail


def test_a_pass_is_unknown_at_another_organizations_event(vendor_pass, scan, world):
    _, code, _ = vendor_pass
    verdict = scan(code, world.other_event, scanned_at=world.other_event.starts_at)
    assert verdict.result == ScanResult.UNKNOWN and "another organization" in verdict.detail


def test_a_forged_pass_is_unknown(vendor_pass, scan):
    _, code, event = vendor_pass
    forged = code[:10] + ("A" if code[10] != "A" else "B") + code[11:]
    assert scan(forged, event, scanned_at=event.starts_at).result == ScanResult.UNKNOWN


def test_the_gate_scanner_endpoint_gives_the_vendor_verdict(vendor_pass, client_for):
    _, code, event = vendor_pass  # world.users["gate"] is gate staff of the market's org
    response = client_for("gate").post(
        f"/checkin/{event.slug}/scan", data={"code": code, "nonce": "vendor-http-1",
                                             "session_id": "", "gate": "Gate 3"},
        headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["holder_name"] == "Bao Stand" and body["ticket_type"] == "Vendor pass"
    assert body["result"] == "wrong_day"  # the event starts in a month: not load-in yet


def test_the_scanner_page_judges_a_vendor_pass_instead_of_searching_for_it(vendor_pass,
                                                                           client_for):
    _, code, event = vendor_pass
    response = client_for("gate").post(
        f"/checkin/{event.slug}/scan", data={"code": code, "nonce": "vendor-page-1",
                                             "session_id": "", "gate": "Gate 3"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Retarget" not in response.headers
    page = response.get_data(as_text=True)
    assert 'id="verdict"' in page and "WRONG DAY" in page and "Bao Stand" in page
    assert db.session.scalar(db.select(CheckIn.credential_kind)) == CredentialKind.VENDOR


def test_the_offline_kit_lists_assigned_vendors_and_the_passes_that_no_longer_admit(
        vendor_pass, market):  # noqa: F811
    application, _, event = vendor_pass
    waiting = market.submitted(preferences=[market.booths[2]], name="Tea Cart")
    kit = offline_kit(event, None)
    assert kit["vendors"] == {str(application.id): {
        "b": application.booth_id, "l": application.booth.label, "n": "Bao Stand"}}
    assert kit["vendors_revoked"] == [waiting.id]

    application.status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    kit = offline_kit(event, None)
    assert kit["vendors"] == {} and kit["vendors_revoked"] == sorted([application.id, waiting.id])


def test_the_scanner_reads_vendor_passes_as_they_are_signed(vendor_pass):
    """The gate page's script checks vendor passes offline with its own copy of the pass's
    signing context and length: they must be the ones passes are signed with."""
    _, code, _ = vendor_pass
    script = (Path(__file__).parents[2] / "app/static/js/scanner.js").read_text()
    context = passes.KIND.context.decode().replace("\x00", "\\u0000")
    assert f'VENDOR_CONTEXT = new TextEncoder().encode("{context}")' in script
    assert f"VENDOR_CODE_LENGTH = {len(code)};" in script
    assert f"VENDOR_PAYLOAD = {passes.KIND.layout.size};" in script


def test_vendor_passes_are_counted_apart_from_the_people_inside(vendor_pass, scan):
    _, code, event = vendor_pass
    for _ in range(3):  # a trader going back and forth to the van
        scan(code, event, scanned_at=event.starts_at)
    scan(code, event)  # too early: refused
    (count,) = stats.gate_counts(event)
    assert (count.entered, count.exited, count.vendor_scans, count.refused) == (0, 0, 3, 1)


def test_a_replayed_vendor_scan_names_the_vendor_and_booth_again(vendor_pass, scan):
    """A gate sending the same scan twice (an offline upload retried) gets the verdict it
    was given, read back from the recorded check-in."""
    application, code, event = vendor_pass
    first = scan(code, event, scanned_at=event.starts_at, nonce="vendor-replay-1")
    again = scan(code, event, scanned_at=event.starts_at, nonce="vendor-replay-1")
    assert again.replayed and again.checkin_id == first.checkin_id
    assert (again.result, again.holder_name, again.ticket_type, again.place) == (
        ScanResult.VALID, "Bao Stand", "Vendor pass", f"Booth {application.booth.label}")
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 1


def test_the_organizers_screen_names_the_vendor_and_counts_apart(vendor_pass, scan,
                                                                  client_for):
    application, code, event = vendor_pass
    for _ in range(2):
        scan(code, event, scanned_at=event.starts_at)
    counts = stats.gate_counts(event)
    assert (counts.inside, counts.vendor_scans) == (0, 2)
    page = client_for("organizer").get(
        f"/orgs/{event.organization.slug}/events/{event.slug}/checkin").get_data(as_text=True)
    recent = page[page.index('id="recent-scans"'):]
    assert recent.count("Bao Stand") == 2
    assert f"Vendor pass · Booth {application.booth.label}" in recent
