"""The public event page: statement budget (counts, not times), no session for anonymous
visitors, and the short-lived page cache that never serves a draft or a stale status."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.blueprints.events import page_cache
from app.extensions import db
from app.models import EventSession, EventStatus
from tests.statements import statements as _statements

PAGE_BUDGET = 3         # the event with venue, organization and sessions; its seating row;
#                         its vendor settings (the "Apply for a booth" link)
CHECKED_HIT_BUDGET = 1  # a hit whose status check is due: the event's status
FORMAT = "%Y-%m-%dT%H:%M"




@pytest.fixture
def page_cache_on(app):
    """The cache on, with the status read again on every hit (as if a second had passed)."""
    app.config.update(EVENT_PAGE_CACHE_SECONDS=30, EVENT_PAGE_STATUS_SECONDS=0)
    page_cache.clear()
    yield app.config
    app.config.pop("EVENT_PAGE_CACHE_SECONDS")
    app.config.pop("EVENT_PAGE_STATUS_SECONDS")
    page_cache.clear()


def _with_sessions(event, count: int):
    for n in range(count):
        db.session.add(EventSession(event=event, name=f"Day {n + 2}", starts_at=event.starts_at,
                                    ends_at=event.ends_at))
    db.session.commit()
    return event


def test_the_event_page_stays_within_its_statement_budget(client, make_event):
    slug = _with_sessions(make_event(), 4).slug  # no query per session
    db.session.remove()
    with statements() as seen:
        response = client.get(f"/events/{slug}")
    assert response.status_code == 200 and "Day 5" in response.text
    assert len(seen) <= PAGE_BUDGET, seen


def test_an_anonymous_visit_creates_no_session_and_may_be_shared(client, make_event):
    event = make_event()
    response = client.get(f"/events/{event.slug}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "X-CSRFToken" not in response.text
    assert response.headers["Cache-Control"].startswith("public")
    assert {"Cookie", "HX-Request"} <= set(response.vary)


def test_a_logged_in_visit_keeps_the_token_and_is_private(make_event, client_for):
    event = make_event()
    response = client_for("attendee").get(f"/events/{event.slug}")
    assert response.status_code == 200 and "X-CSRFToken" in response.text
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_pages_with_htmx_posts_outside_forms_keep_the_token_for_anonymous_visitors(client):
    assert "X-CSRFToken" in client.get("/").text


def test_a_cached_hit_reads_only_the_status_and_only_when_its_check_is_due(
        client, make_event, page_cache_on):
    slug = make_event().slug
    first = client.get(f"/events/{slug}")
    db.session.remove()
    with statements() as seen:
        again = client.get(f"/events/{slug}")
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["Cache-Control"] == "public, max-age=30"
    assert "Set-Cookie" not in again.headers
    assert len(seen) <= CHECKED_HIT_BUDGET, seen
    page_cache_on["EVENT_PAGE_STATUS_SECONDS"] = 30  # checked just now: not due again
    with statements() as seen:
        assert client.get(f"/events/{slug}").data == first.data
    assert seen == []


def test_a_cancellation_elsewhere_shows_at_once(client, make_event, page_cache_on):
    event = make_event()
    assert "tag-cancelled" not in client.get(f"/events/{event.slug}").text
    event.status = EventStatus.CANCELLED  # as another process would: no invalidation here
    db.session.commit()
    assert "This event has been cancelled" in client.get(f"/events/{event.slug}").text


def test_a_draft_is_never_served_from_the_cache(client, make_event, page_cache_on):
    event = make_event()
    assert client.get(f"/events/{event.slug}").status_code == 200
    event.status = EventStatus.DRAFT
    db.session.commit()
    assert client.get(f"/events/{event.slug}").status_code == 404


def test_members_and_flashes_bypass_the_cache(app, client, client_for, make_event,
                                              page_cache_on):
    event = make_event()
    client.get(f"/events/{event.slug}")
    event.title = "Renamed while cached"
    db.session.commit()
    assert "Renamed while cached" in client_for("attendee").get(f"/events/{event.slug}").text
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Just for you")]
    response = client.get(f"/events/{event.slug}")
    assert "Just for you" in response.text and "Renamed while cached" in response.text
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_organizer_change_refreshes_the_page_in_this_process(client, client_for, world,
                                                                page_cache_on):
    event = world.event
    assert "Encore day" not in client.get(f"/events/{event.slug}").text
    zone, minute = ZoneInfo(event.timezone), timedelta(minutes=1)
    local = {"session_name": "Encore day",
             "session_starts_at": f"{(event.starts_at + minute).astimezone(zone):{FORMAT}}",
             "session_ends_at": f"{(event.ends_at - minute).astimezone(zone):{FORMAT}}"}
    added = client_for("organizer").post(
        f"/orgs/{world.org.slug}/events/{event.slug}/sessions", data=local)
    assert added.status_code == 303
    assert "Encore day" in client.get(f"/events/{event.slug}").text


def statements():
    """Every statement, savepoints included (the event page opens none)."""
    return _statements(skip_savepoints=False)
