"""GET /healthz: database and Redis reachability as JSON, 200 or 503."""

from __future__ import annotations

import pytest


@pytest.fixture
def with_redis(app):
    """Point the app at a Redis URL for one test (the cached client is dropped around it)."""
    saved = app.config.get("REDIS_URL")

    def use(url: str) -> None:
        app.extensions.pop("marquee_redis", None)
        app.config["REDIS_URL"] = url

    yield use
    app.extensions.pop("marquee_redis", None)
    app.config["REDIS_URL"] = saved


def test_healthy_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    report = response.get_json()
    assert report["database"] == "ok"
    assert report["redis"].startswith("not configured")
    assert report["status"] == "ok"


def test_unreachable_redis_gives_503(client, with_redis):
    with_redis("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["database"] == "ok"
    assert report["redis"].startswith("error")
    assert report["status"] == "degraded"


def test_real_redis_is_ok(client, with_redis, redis_url):
    with_redis(redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"database": "ok", "redis": "ok", "status": "ok"}


def test_broken_database_gives_503(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.services import health

    def fail(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(health.db.session, "execute", fail)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
