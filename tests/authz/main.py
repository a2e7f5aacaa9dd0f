"""Authorization matrix: the home page and the health check."""

from __future__ import annotations

from tests.authz import Route

ROUTES = [
    Route("main.home", "GET", lambda w: "/", {"*": 200}),
    Route("main.healthz", "GET", lambda w: "/healthz", {"*": 200}),
]
