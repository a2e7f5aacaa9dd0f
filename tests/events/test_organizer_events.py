"""Organizers create, publish and cancel events; times are entered in the event's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import AuditEntry, Event, EventStatus, Role, Venue


def _form(**overrides) -> dict:
    data = {
        "title": "Zambezi Jazz Night", "slug": "", "category": "concert",
        "description": "Smooth sounds by the river.", "venue_name": "Riverside Hall",
        "venue_address": "1 River Road, Livingstone", "timezone": "Africa/Lusaka",
        "starts_at": "2031-06-01T19:00", "ends_at": "2031-06-01T23:30", "currency": "zmw",
    }
    data.update(overrides)
    return data


def _event(slug: str) -> Event | None:
    db.session.expire_all()
    return db.session.execute(db.select(Event).filter_by(slug=slug)).scalar_one_or_none()


def _create(client, org, **overrides):
    return client.post(f"/orgs/{org.slug}/events/new", data=_form(**overrides))


def test_create_event_stores_utc_and_a_default_session(world, client_for):
    response = _create(client_for("organizer"), world.org)
    assert response.status_code == 303
    event = _event("zambezi-jazz-night")
    assert response.location == f"/orgs/{world.org.slug}/events/{event.slug}"
    assert event.status == EventStatus.DRAFT and event.organization_id == world.org.id
    # 19:00 in Lusaka (UTC+2, no daylight saving) is 17:00 UTC.
    assert event.starts_at == datetime(2031, 6, 1, 17, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2031, 6, 1, 21, 30, tzinfo=UTC)
    assert event.currency == "ZMW" and event.timezone == "Africa/Lusaka"
    assert event.venue.name == "Riverside Hall" and event.venue.organization_id == world.org.id
    [session] = event.sessions
    assert (session.starts_at, session.ends_at) == (event.starts_at, event.ends_at)
    assert db.session.execute(db.select(AuditEntry).filter_by(action="event.created")).first()


def test_daylight_saving_zone_converts_with_the_right_offset(world, client_for):
    _create(client_for("organizer"), world.org, timezone="Europe/London",
            starts_at="2031-07-10T19:00", ends_at="2031-07-10T22:00", slug="summer-gig")
    _create(client_for("organizer"), world.org, timezone="Europe/London",
            starts_at="2031-12-10T19:00", ends_at="2031-12-10T22:00", slug="winter-gig")
    assert _event("summer-gig").starts_at == datetime(2031, 7, 10, 18, 0, tzinfo=UTC)
    assert _event("winter-gig").starts_at == datetime(2031, 12, 10, 19, 0, tzinfo=UTC)


def test_event_page_shows_times_in_the_event_timezone(world, client_for):
    _create(client_for("organizer"), world.org)
    body = client_for("organizer").get("/events/zambezi-jazz-night").get_data(as_text=True)
    assert "19:00" in body and "23:30" in body and "Africa/Lusaka" in body
    assert "17:00" not in body


def test_end_before_start_is_a_form_error(world, client_for):
    response = _create(client_for("organizer"), world.org, ends_at="2031-06-01T18:00")
    assert response.status_code == 422
    assert b"The end must be after the start." in response.data
    assert db.session.execute(db.select(Event).filter_by(organization_id=world.org.id)
                              .where(Event.title == "Zambezi Jazz Night")).first() is None


def test_bad_inputs_are_form_errors_not_crashes(world, client_for):
    client = client_for("organizer")
    cases = [
        ({"timezone": "Mars/Olympus_Mons"}, b"Choose a timezone"),
        ({"timezone": "../../etc/passwd"}, b"Choose a timezone"),
        ({"currency": "XX1"}, b"three-letter"),
        ({"currency": "QQQ"}, b"three-letter"),
        ({"starts_at": "not a date"}, b"error-text"),
        ({"ends_at": ""}, b"Enter an end"),
        ({"category": "rodeo"}, b"error-text"),
        ({"title": ""}, b"error-text"),
        ({"slug": "Bad Slug!"}, b"lowercase"),
        ({"timezone": "America/New_York", "starts_at": "2031-03-09T02:30"}, b"does not exist"),
    ]
    for overrides, message in cases:
        response = _create(client, world.org, **overrides)
        assert response.status_code == 422, overrides
        assert message in response.data, overrides
    assert db.session.execute(db.select(Event).where(Event.title == "Zambezi Jazz Night")
                              ).first() is None
    assert db.session.execute(db.select(Venue).filter_by(name="Riverside Hall")).first() is None


def test_slug_from_title_unique_and_editable(world, client_for):
    client = client_for("organizer")
    _create(client, world.org)
    _create(client, world.org)
    assert _event("zambezi-jazz-night-2") is not None
    assert _create(client, world.org, slug="jazz-2031").status_code == 303
    assert _event("jazz-2031").title == "Zambezi Jazz Night"
    taken = _create(client, world.org, slug="jazz-2031")
    assert taken.status_code == 422 and b"already uses" in taken.data


def test_invalid_form_over_htmx_returns_the_form_block(world, client_for):
    response = _create(client_for("organizer", htmx=True), world.org, ends_at="2031-06-01T18:00")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="event-form"' in body and "aria-invalid" in body


def test_publish_and_cancel(world, client_for, client):
    organizer = client_for("organizer")
    _create(organizer, world.org)
    base = f"/orgs/{world.org.slug}/events/zambezi-jazz-night"
    assert client.get("/events/zambezi-jazz-night").status_code == 404
    assert organizer.post(f"{base}/publish").status_code == 303
    assert _event("zambezi-jazz-night").status == EventStatus.PUBLISHED
    assert client.get("/events/zambezi-jazz-night").status_code == 200
    again = organizer.post(f"{base}/publish", follow_redirects=True)
    assert b"Only a draft event can be published" in again.data
    assert organizer.post(f"{base}/cancel").status_code == 303
    assert _event("zambezi-jazz-night").status == EventStatus.CANCELLED
    page = client.get("/events/zambezi-jazz-night")
    assert page.status_code == 200 and b"This event has been cancelled" in page.data
    actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
    assert {"event.published", "event.cancelled"} <= actions


def test_htmx_publish_navigates_with_hx_redirect(world, client_for, make_event):
    event = make_event(world.org, status=EventStatus.DRAFT)
    response = client_for("organizer", htmx=True).post(
        f"/orgs/{world.org.slug}/events/{event.slug}/publish")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/orgs/{world.org.slug}/events/{event.slug}"


def test_draft_is_visible_only_to_its_organization(world, client_for, make_event):
    draft = make_event(world.org, status=EventStatus.DRAFT, title="Hush Hush")
    path = f"/events/{draft.slug}"
    for role in ("anonymous", "attendee", "vendor", "crew", "other_organizer"):
        assert client_for(role).get(path).status_code == 404, role
    for role in ("organizer", "gate", "site_admin"):
        response = client_for(role).get(path)
        assert response.status_code == 200, role
        assert b"Draft" in response.data
    assert b"Hush Hush" not in client_for("anonymous").get("/events").data


def test_other_org_cannot_manage_or_publish(world, client_for, make_event):
    draft = make_event(world.org, status=EventStatus.DRAFT)
    other = client_for("other_organizer")
    # Through its own organization's URL the event does not exist; through ours, neither.
    for org in (world.other_org, world.org):
        base = f"/orgs/{org.slug}/events/{draft.slug}"
        assert other.get(base).status_code == 404
        assert other.post(f"{base}/publish").status_code == 404
    assert _event(draft.slug).status == EventStatus.DRAFT


def test_gate_cannot_create_or_publish(world, client_for, make_event):
    draft = make_event(world.org, status=EventStatus.DRAFT)
    gate = client_for("gate")
    assert _create(gate, world.org).status_code == 403
    assert gate.post(f"/orgs/{world.org.slug}/events/{draft.slug}/publish").status_code == 403
    assert _event(draft.slug).status == EventStatus.DRAFT


def test_manager_can_create(world, make_user, make_member, login_as):
    manager = make_user()
    make_member(manager, world.org, Role.MANAGER)
    assert _create(login_as(manager), world.org).status_code == 303


def test_sessions_add_and_remove(world, client_for):
    organizer = client_for("organizer")
    _create(organizer, world.org, starts_at="2031-06-01T10:00", ends_at="2031-06-03T22:00")
    base = f"/orgs/{world.org.slug}/events/zambezi-jazz-night"
    day2 = {"session_name": "Day 2", "session_starts_at": "2031-06-02T10:00",
            "session_ends_at": "2031-06-02T22:00"}
    assert organizer.post(f"{base}/sessions", data=day2).status_code == 303
    event = _event("zambezi-jazz-night")
    assert [s.name for s in event.sessions] == ["Zambezi Jazz Night", "Day 2"]
    assert event.sessions[1].starts_at == datetime(2031, 6, 2, 8, 0, tzinfo=UTC)

    outside = dict(day2, session_starts_at="2031-06-05T10:00", session_ends_at="2031-06-05T12:00")
    refused = organizer.post(f"{base}/sessions", data=outside)
    assert refused.status_code == 422 and b"within the event" in refused.data
    backwards = dict(day2, session_ends_at="2031-06-02T09:00")
    assert organizer.post(f"{base}/sessions", data=backwards).status_code == 422

    first = event.sessions[0].id
    assert organizer.post(f"{base}/sessions/{first}/remove").status_code == 303
    event = _event("zambezi-jazz-night")
    assert [s.name for s in event.sessions] == ["Day 2"]
    last = organizer.post(f"{base}/sessions/{event.sessions[0].id}/remove", follow_redirects=True)
    assert b"at least one session" in last.data
    assert len(_event("zambezi-jazz-night").sessions) == 1


def test_add_session_over_htmx_returns_the_sessions_block(world, client_for, make_event):
    event = make_event(world.org, status=EventStatus.DRAFT)
    response = client_for("organizer", htmx=True).post(
        f"/orgs/{world.org.slug}/events/{event.slug}/sessions",
        data={"session_name": "", "session_starts_at": "", "session_ends_at": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="sessions"') and "<html" not in body
