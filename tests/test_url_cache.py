"""`app.url_cache.url_for`: the URL Flask builds, built once per process for plain calls."""

from __future__ import annotations

import flask
import pytest
from flask import render_template_string

from app import url_cache
from app.url_cache import url_for

CALLS = [("events.event_page", {"slug": "jazz-night"}),
         ("seating.seat_map", {"slug": "jazz-night", "view": "list"}),
         ("seating.seat_map", {"slug": "jazz-night", "view": None}),
         ("seating.release_all", {"slug": "a b/c", "view": None}),
         ("checkout.checkout", {"slug": "jazz-night"}),
         ("static", {"filename": "js/seatmap.js"})]


@pytest.fixture
def counted(monkeypatch):
    built = []
    real = flask.url_for
    monkeypatch.setattr(url_cache.flask, "url_for",
                        lambda *a, **k: built.append((a, k)) or real(*a, **k))
    url_cache._BUILT.clear()
    return built


@pytest.mark.parametrize(("endpoint", "values"), CALLS)
def test_the_url_is_flasks_and_built_once(app, counted, endpoint, values):
    with app.test_request_context("/"):
        first = url_for(endpoint, **values)
        assert first == flask.url_for(endpoint, **values)
        assert url_for(endpoint, **values) == first
    assert len(counted) == 2  # the first call, and Flask's own above


def test_another_app_root_gets_its_own_urls(app, counted):
    with app.test_request_context("/"):
        plain = url_for("events.event_page", slug="jazz-night")
    with app.test_request_context("/", base_url="http://localhost/tickets/"):
        rooted = url_for("events.event_page", slug="jazz-night")
    assert rooted == "/tickets" + plain


@pytest.mark.parametrize("values", [{"slug": "x", "_anchor": "seat-1"},
                                    {"slug": "x", "_external": True},
                                    {"slug": "x", "seat": [3, 1]},
                                    {"slug": "x", "expired": True}])
def test_other_calls_go_to_flask_every_time(app, counted, values):
    with app.test_request_context("/"):
        for _ in range(2):
            assert url_for("seating.seat_map", **values) == \
                flask.url_for("seating.seat_map", **values)
    assert len(counted) == 4 and url_cache._BUILT == {}


def test_outside_a_request_flask_builds_external_urls(app):
    app.config["SERVER_NAME"] = "tickets.example"
    with app.app_context():
        assert url_for("events.event_page", slug="x").startswith("http://tickets.example/")


def test_templates_use_it(app, counted):
    with app.test_request_context("/"):
        template = "{{ url_for('events.event_page', slug='jazz-night') }}"
        assert render_template_string(template) == render_template_string(template)
    assert len(counted) == 1


def test_each_app_gets_its_own_urls(app, counted):
    """Another app in the same process (another URL map) builds its own."""
    other = flask.Flask("other")
    other.add_url_rule("/elsewhere/<slug>", "events.event_page")
    with app.test_request_context("/"):
        ours = url_for("events.event_page", slug="x")
    with other.test_request_context("/"):
        theirs = url_for("events.event_page", slug="x")
    assert (ours, theirs) == ("/events/x", "/elsewhere/x")
