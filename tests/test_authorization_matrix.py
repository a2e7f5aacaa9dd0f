"""The authorization matrix: every route, every role, the expected status.

Entries live in `tests/authz/<module>.py` as `ROUTES: list[Route]` (see tests/authz/__init__.py).
This file only runs them:

- `test_every_route_has_an_entry`: a rule of `app.url_map` (other than static files) whose
  (endpoint, method) has no entry fails the suite, with the list of what is missing;
- `test_entries_are_well_formed` / `test_entries_name_existing_routes`: typos in roles,
  methods or endpoints, and entries left behind by removed routes, fail too;
- `test_role_gets_expected_status`: one test per (entry, role), no redirects followed.
"""

from __future__ import annotations

import importlib
import pkgutil
import traceback
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

import tests.authz as authz
from tests.conftest import ROLES

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
KNOWN_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Entry:
    module: str
    index: int
    route: authz.Route

    @property
    def where(self) -> str:
        return f"tests/authz/{self.module}.py ROUTES[{self.index}]"


def load_entries() -> tuple[list[Entry], list[str]]:
    """Every entry of every module in tests/authz, and the modules that could not be loaded
    (reported by a test rather than breaking collection of the whole suite)."""
    entries: list[Entry] = []
    problems: list[str] = []
    for info in sorted(pkgutil.iter_modules(authz.__path__), key=lambda i: i.name):
        name = f"{authz.__name__}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception:
            problems.append(f"{name} failed to import:\n{traceback.format_exc(limit=3)}")
            continue
        routes = getattr(module, "ROUTES", None)
        if not isinstance(routes, list | tuple):
            problems.append(f"{name} defines no ROUTES list")
            continue
        entries.extend(Entry(info.name, i, route) for i, route in enumerate(routes))
    return entries, problems


ENTRIES, LOAD_PROBLEMS = load_entries()


def routing_rules(app):
    """(endpoint, method, rule) for every routed method, without static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            yield rule.endpoint, method, rule


def entries_for(endpoint: str, method: str) -> list[authz.Route]:
    return [e.route for e in ENTRIES
            if e.route.endpoint == endpoint and e.route.method.upper() == method]


def _cases() -> list:
    cases, seen = [], {}
    for entry in ENTRIES:
        route = entry.route
        base = f"{route.endpoint}-{str(route.method).upper()}" + ("-htmx" if route.htmx else "")
        seen[base] = seen.get(base, 0) + 1
        label = base if seen[base] == 1 else f"{base}-{seen[base]}"
        for role in ROLES:
            cases.append(pytest.param(entry, role, id=f"{label}-{role}"))
    return cases


def test_authz_modules_load():
    assert not LOAD_PROBLEMS, "Authorization matrix modules are broken:\n" + "\n".join(
        LOAD_PROBLEMS)


def test_entries_are_well_formed():
    problems = []
    for entry in ENTRIES:
        route = entry.route
        if not isinstance(route, authz.Route):
            problems.append(f"{entry.where}: {route!r} is not a tests.authz.Route")
            continue
        if route.method not in KNOWN_METHODS:
            problems.append(f"{entry.where}: method {route.method!r} (write it upper-case, "
                            f"one of {sorted(KNOWN_METHODS)})")
        unknown = set(route.expect) - set(ROLES) - {"*"}
        if unknown:
            problems.append(f"{entry.where} ({route.endpoint}): unknown roles {sorted(unknown)};"
                            f" roles are {ROLES} and '*'")
        if "*" not in route.expect and not set(ROLES) <= set(route.expect):
            missing = sorted(set(ROLES) - set(route.expect))
            problems.append(f"{entry.where} ({route.endpoint}): no '*' default and no status "
                            f"for {missing}")
        bad = {k: v for k, v in route.expect.items()
               if not isinstance(v, int) or isinstance(v, bool) or not 100 <= v <= 599}
        if bad:
            problems.append(f"{entry.where} ({route.endpoint}): statuses must be HTTP codes, "
                            f"got {bad}")
        if not callable(route.url) or (route.data is not None and not callable(route.data)):
            problems.append(f"{entry.where} ({route.endpoint}): url and data take the world")
    assert not problems, "Malformed authorization matrix entries:\n  " + "\n  ".join(problems)


def test_every_route_has_an_entry(app):
    missing = [f"{method:6} {rule.rule}  ({endpoint})"
               for endpoint, method, rule in routing_rules(app)
               if not entries_for(endpoint, method)]
    assert not missing, (
        f"{len(missing)} route(s) have no authorization matrix entry. Add a Route for each to "
        "tests/authz/<blueprint>.py (every role's expected status):\n  " + "\n  ".join(missing)
    )


def test_entries_name_existing_routes(app):
    routed = {(endpoint, method) for endpoint, method, _ in routing_rules(app)}
    stale = sorted({f"{e.where}: {e.route.method} {e.route.endpoint}" for e in ENTRIES
                    if (e.route.endpoint, str(e.route.method).upper()) not in routed})
    assert not stale, ("Authorization matrix entries for routes that do not exist (removed or "
                       "misspelt):\n  " + "\n  ".join(stale))


def _endpoint_of(app, url: str, method: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(url).path, method=method)
    except RequestRedirect as redirect:
        return f"a redirect to {redirect.new_url}"
    except HTTPException as exc:
        return f"no route ({exc.code})"
    return endpoint


def make_request(route: authz.Route, url: str, role: str, world, client_for):
    """The entry's request as `role` would make it (no redirects followed)."""
    client = client_for(role, htmx=route.htmx)
    kwargs = {}
    if route.data is not None:
        kwargs["data"] = route.data(world)
    return client.open(url, method=route.method, follow_redirects=False, **kwargs)


@pytest.mark.parametrize(("entry", "role"), _cases())
def test_role_gets_expected_status(app, entry, role, world, client_for):
    route = entry.route
    url = route.url(world)
    matched = _endpoint_of(app, url, route.method)
    assert matched == route.endpoint, (
        f"{entry.where}: url(world) gave {route.method} {url}, which routes to {matched}, "
        f"not {route.endpoint}"
    )

    response = make_request(route, url, role, world, client_for)
    expected = route.status_for(role)
    if response.status_code != expected:
        detail = []
        if response.location:
            detail.append(f"Location: {response.location}")
        if response.headers.get("HX-Redirect"):
            detail.append(f"HX-Redirect: {response.headers['HX-Redirect']}")
        body = response.get_data(as_text=True).strip()
        if body and response.status_code >= 500:
            detail.append(f"body: {body[:300]}")
        pytest.fail(
            f"{route.method} {url}{' (htmx)' if route.htmx else ''} as {role}: expected "
            f"{expected}, got {response.status_code}. {' '.join(detail)}\n"
            f"entry: {entry.where}{' - ' + route.note if route.note else ''}",
            pytrace=False,
        )
