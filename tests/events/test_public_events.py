"""The public list (filters, search, htmx fragment) and the event page."""

from __future__ import annotations

from app.extensions import db
from app.models import EventStatus, Venue


def _titles(response) -> list[str]:
    import re

    return re.findall(r"<h3>([^<]+)</h3>", response.get_data(as_text=True))


def test_upcoming_first_and_past_hidden(client, make_event, make_org):
    org = make_org()
    make_event(org, title="Later Show", starts_in_days=20)
    make_event(org, title="Sooner Show", starts_in_days=2)
    make_event(org, title="Old Show", starts_in_days=-10)
    assert _titles(client.get("/events")) == ["Sooner Show", "Later Show"]
    assert _titles(client.get("/events?when=past")) == ["Old Show"]


def test_category_filter(client, make_event, make_org):
    org = make_org()
    make_event(org, title="Big Match", category="sport")
    make_event(org, title="Loud Band", category="concert")
    assert _titles(client.get("/events?category=sport")) == ["Big Match"]
    assert len(_titles(client.get("/events?category=nonsense"))) == 2


def test_search_title_description_and_venue_case_insensitively(client, make_event, make_org):
    org = make_org()
    a = make_event(org, title="Kalimba Evening")
    b = make_event(org, title="Choir Gala")
    b.description = "Featuring the KALIMBA ensemble."
    c = make_event(org, title="Open Mic")
    c.venue.name = "The Kalimba Lounge"
    make_event(org, title="Unrelated")
    db.session.commit()
    assert sorted(_titles(client.get("/events?q=kalimba"))) == sorted(
        [a.title, b.title, c.title])
    assert _titles(client.get("/events?q=kAlImBa+ev")) == ["Kalimba Evening"]
    assert _titles(client.get("/events?q=%25")) == []  # a LIKE wildcard is taken literally


def test_search_combines_with_category(client, make_event, make_org):
    org = make_org()
    make_event(org, title="Jazz Brunch", category="concert")
    make_event(org, title="Jazz Market", category="market")
    assert _titles(client.get("/events?q=jazz&category=market")) == ["Jazz Market"]


def test_drafts_never_listed_and_cancelled_marked(client, make_event, make_org):
    org = make_org()
    make_event(org, title="Draft Thing", status=EventStatus.DRAFT)
    make_event(org, title="Called Off", status=EventStatus.CANCELLED)
    response = client.get("/events")
    assert _titles(response) == ["Called Off"]
    assert b"tag-cancelled" in response.data


def test_htmx_gets_only_the_results_fragment(htmx_client, client, make_event):
    make_event(title="Fragment Fest")
    response = htmx_client.get("/events?q=fragment")
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<nav" not in body.split('id="results"')[0]
    assert body.lstrip().startswith('<section id="results"')
    assert "Fragment Fest" in body
    full = client.get("/events?q=fragment")
    assert "HX-Request" in full.headers.get("Vary", "")
    assert "<html" in full.get_data(as_text=True)


def test_filter_form_is_wired_for_htmx_and_plain_get(client):
    body = client.get("/events").get_data(as_text=True)
    assert 'method="get"' in body and 'action="/events"' in body
    assert 'hx-get="/events"' in body and 'hx-target="#results"' in body
    assert 'hx-push-url="true"' in body


def test_empty_results_say_so(client):
    response = client.get("/events?q=nothing-like-this")
    assert response.status_code == 200 and b"No upcoming events" in response.data


def test_paging(client, make_event, make_org, monkeypatch):
    from app.services import events

    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    org = make_org()
    for n in range(3):
        make_event(org, title=f"Show {n}", starts_in_days=n + 1)
    first = client.get("/events")
    assert _titles(first) == ["Show 0", "Show 1"] and b"page=2" in first.data
    assert _titles(client.get("/events?page=2")) == ["Show 2"]
    assert client.get("/events?page=abc").status_code == 200
    assert client.get(f"/events?page={10**25}").status_code == 200  # past any offset


def test_event_page_shows_details(client, make_event):
    event = make_event(title="Harbour Lights", timezone="Africa/Lusaka")
    from datetime import UTC, datetime, timedelta

    from app.models import EventSession

    event.starts_at = datetime(2031, 5, 2, 17, 0, tzinfo=UTC)
    event.ends_at = event.starts_at + timedelta(hours=3)
    event.sessions.append(EventSession(name="Opening night", starts_at=event.starts_at,
                                       ends_at=event.ends_at))
    db.session.commit()
    body = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Harbour Lights" in body and "Opening night" in body
    assert "Fri 2 May 2031, 19:00" in body
    assert event.venue.name in body and "Upcoming" in body
    assert client.get("/events/no-such-event").status_code == 404


def test_home_lists_published_events(client, make_event):
    make_event(title="Home Page Hit")
    make_event(title="Home Draft", status=EventStatus.DRAFT)
    body = client.get("/").get_data(as_text=True)
    assert "Home Page Hit" in body and "Home Draft" not in body


def test_search_by_venue_uses_outer_join(client, make_event):
    event = make_event(title="No Venue Gig")
    event.venue = None
    db.session.commit()
    db.session.execute(db.delete(Venue))
    db.session.commit()
    assert _titles(client.get("/events?q=gig")) == ["No Venue Gig"]
