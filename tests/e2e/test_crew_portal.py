"""Crew in a real browser: the organizer adds a shift and invites a crew member; the crew
member (another browser) confirms on a phone; the organizer's roster grid turns confirmed by
itself (polling). Phone screenshots of the portal, desktop ones of the grid."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.models.crew import CrewRole
from app.services.crew import roles
from tests.e2e.conftest import DESKTOP, PHONE


def test_invite_confirm_and_live_roster(make_user, make_org, make_event, new_page, login_page,
                                        screenshot):
    organizer = make_user(name="Olive Organizer")
    org = make_org(owner=organizer, name="Main Stage Productions")
    event = make_event(org, title="Harvest Festival", hours=48)
    db.session.add(CrewRole(organization_id=org.id, name="Usher", requirements=[]))
    crew_member = make_user(name="Cory Crew")
    roles.add_to_pool(org, crew_member, [])
    db.session.commit()
    start = event.starts_at.strftime("%Y-%m-%dT16:00")
    end = event.starts_at.strftime("%Y-%m-%dT20:00")

    boss = new_page(DESKTOP)
    login_page(boss, organizer)
    boss.goto(f"/orgs/{org.slug}/crew/events/{event.id}")
    form = boss.locator("#shift-form")
    form.get_by_label("Starts").fill(start)
    form.get_by_label("Ends").fill(end)
    form.get_by_label("People needed").fill("3")
    form.get_by_label("Location").fill("North gate")
    form.get_by_label("Instructions").fill("Black T-shirt, torch, be there 15 minutes early.")
    form.get_by_role("button", name="Add shift").click()
    expect(boss.get_by_text("Shift added.")).to_be_visible()
    boss.get_by_placeholder("email").fill(crew_member.email)
    boss.get_by_role("button", name="Invite").click()
    expect(boss.locator(".crew-grid .crew-invited")).to_be_visible()
    screenshot(boss, "organizer-grid-invited")

    phone = new_page(PHONE, 844)
    login_page(phone, crew_member)
    phone.goto("/crew")
    invitations = phone.locator("#crew-invitations")
    expect(invitations.get_by_text("Usher")).to_be_visible()
    screenshot(phone, "portal-invitation-phone")
    invitations.get_by_role("button", name="Confirm").click()
    expect(phone.locator("#crew-invitations")).to_contain_text("No invitations waiting")
    upcoming = phone.locator("#crew-upcoming")
    expect(upcoming.get_by_text("Cory Crew")).to_be_visible()
    expect(phone.locator("#crew-summary")).to_contain_text("1 upcoming shift")
    screenshot(phone, "portal-upcoming-phone")

    expect(boss.locator(".crew-grid .crew-confirmed")).to_be_visible(timeout=8000)
    screenshot(boss, "organizer-grid-confirmed")
    assert not boss.js_errors and not phone.js_errors


def test_crew_profile_on_a_phone(make_user, make_org, new_page, login_page, screenshot):
    org = make_org(owner=make_user(name="Olive Organizer"), name="Main Stage Productions")
    crew_member = make_user(name="Cory Crew")
    roles.add_to_pool(org, crew_member, ["first_aid"])
    db.session.commit()

    phone = new_page(PHONE, 844)
    login_page(phone, crew_member)
    phone.goto("/crew")
    phone.get_by_role("link", name="Crew profile: phone and qualifications").click()
    phone.get_by_label("Phone number", exact=True).fill("+260 97 123 4567")
    phone.get_by_label("Show my phone number to the crew of my shifts").check()
    phone.get_by_label("Driving licence").check()
    expect(phone.get_by_label("First aid")).to_be_checked()
    phone.get_by_role("button", name="Save profile").click()
    expect(phone.get_by_text("Your crew profile is saved.")).to_be_visible()
    expect(phone.get_by_text("Driving licence: waiting for confirmation")).to_be_visible()
    expect(phone.get_by_label("Phone number", exact=True)).to_have_value("+260 97 123 4567")
    screenshot(phone, "profile-phone")
    assert not phone.js_errors
