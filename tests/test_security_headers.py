"""Security headers and script-free markup on every page a person can open.

The pages come from the authorization matrix: every GET entry that answers 200 to the
anonymous visitor or to the organizer is fetched as that person and checked.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from tests.test_authorization_matrix import ENTRIES, make_request

# endpoint -> why it sends a Content-Security-Policy of its own. Such a page may relax
# frame-ancestors and styles (it is shown inside our own frame) but must never run scripts.
OWN_CSP: dict[str, str] = {
    "dev.mail_html": "an email's own HTML (inline styles), framed sandboxed by /dev/mail/<id>; "
                     "development only",
}
PAGE_ROLES = ("anonymous", "organizer")
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                     "strict-origin-when-cross-origin"}


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed.setdefault(words[0].lower(), words[1:])
    return parsed


def _pages() -> list:
    cases, seen = [], {}
    for entry in ENTRIES:
        route = entry.route
        if route.method != "GET":
            continue
        for role in PAGE_ROLES:
            if route.status_for(role) != 200:
                continue
            base = f"{route.endpoint}{'-htmx' if route.htmx else ''}-{role}"
            seen[base] = seen.get(base, 0) + 1
            label = base if seen[base] == 1 else f"{base}-{seen[base]}"
            cases.append(pytest.param(entry, role, id=label))
    return cases


class _MarkupAudit(HTMLParser):
    """Collects whatever the CSP would block or what the htmx contract forbids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.htmx_config: str | None = None

    def handle_starttag(self, tag, attrs):
        where = f"line {self.getpos()[0]}: <{tag}>"
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.problems.append(f"{where} inline script (use a file in static/js)")
        if tag == "style":
            self.problems.append(f"{where} inline <style> (use the stylesheet)")
        if tag == "meta" and values.get("name") == "htmx-config":
            self.htmx_config = values.get("content")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{where} event handler attribute {name}=")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{where} {name}= (hx-on needs eval; use marquee.js)")
            elif name == "style":
                self.problems.append(f"{where} style= attribute (use a class)")
            elif name in {"href", "src", "action", "formaction"} and value and \
                    value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{where} javascript: URL in {name}=")

    handle_startendtag = handle_starttag


def audit_markup(html: str) -> _MarkupAudit:
    audit = _MarkupAudit()
    audit.feed(html)
    audit.close()
    return audit


def check_headers(response, endpoint: str, what: str) -> list[str]:
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    if not csp:
        return [f"{what}: no Content-Security-Policy"]
    directives = _directives(csp)
    if "'unsafe-eval'" in csp:
        problems.append(f"{what}: CSP allows 'unsafe-eval': {csp}")
    scripts = directives.get("script-src", directives.get("default-src"))
    if endpoint in OWN_CSP:
        if scripts != ["'none'"]:
            problems.append(f"{what}: a page with its own CSP must not run scripts: {csp}")
    else:
        if "'unsafe-inline'" in csp:
            problems.append(f"{what}: CSP allows 'unsafe-inline': {csp}")
        if directives.get("frame-ancestors") != ["'none'"]:
            problems.append(f"{what}: CSP lacks frame-ancestors 'none': {csp}")
        if not scripts or "*" in scripts or any(s.endswith(":") for s in scripts):
            problems.append(f"{what}: CSP does not restrict scripts: {csp}")
        if headers.get("X-Frame-Options", "").upper() != "DENY":
            problems.append(f"{what}: X-Frame-Options is {headers.get('X-Frame-Options')!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{what}: X-Content-Type-Options is "
                        f"{headers.get('X-Content-Type-Options')!r}")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"{what}: Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    return problems


@pytest.mark.parametrize(("entry", "role"), _pages())
def test_page_headers_and_markup(entry, role, world, client_for):
    route = entry.route
    url = route.url(world)
    response = make_request(route, url, role, world, client_for)
    what = f"GET {url}{' (htmx)' if route.htmx else ''} as {role}"
    assert response.status_code == 200, f"{what}: {response.status_code} (see the matrix)"

    problems = check_headers(response, route.endpoint, what)
    if response.mimetype == "text/html" and route.endpoint not in OWN_CSP:
        problems += [f"{what}: {p}" for p in audit_markup(response.get_data(as_text=True))
                     .problems]
    assert not problems, "\n".join(problems)


def test_error_page_headers_and_markup(client):
    response = client.get("/no-such-page-here")
    assert response.status_code == 404
    problems = check_headers(response, "", "the 404 page")
    problems += audit_markup(response.get_data(as_text=True)).problems
    assert not problems, "\n".join(problems)


def test_home_page_headers_and_markup(client):
    response = client.get("/")
    assert response.status_code == 200
    problems = check_headers(response, "main.home", "GET /")
    problems += audit_markup(response.get_data(as_text=True)).problems
    assert not problems, "\n".join(problems)


def test_session_cookie_is_httponly_and_lax(app, client):
    response = client.get("/")  # renders a form token, so the session is set
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert cookies, "GET / should start a session (it renders the CSRF token)"
    flags = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert "httponly" in flags, cookies[0]
    assert "samesite=lax" in flags, cookies[0]
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_base_template_configures_htmx_safely(client):
    response = client.get("/")
    audit = audit_markup(response.get_data(as_text=True))
    assert audit.htmx_config, "base.html should carry <meta name=htmx-config>"
    config = json.loads(audit.htmx_config)
    assert config.get("selfRequestsOnly") is True, config
    assert config.get("allowEval") is False, config
    assert config.get("includeIndicatorStyles") is False, (
        "htmx would inject a <style> element, which the CSP blocks", config)


def test_markup_audit_catches_what_the_csp_blocks():
    html = ('<p style="color:red" onclick="x()">a</p><script>alert(1)</script>'
            '<div hx-on:click="x()"></div><a href=" JavaScript:x()">b</a><style>p{}</style>'
            '<script src="/static/js/marquee.js"></script>')
    problems = audit_markup(html).problems
    assert len(problems) == 6, problems


def test_own_csp_list_names_existing_routes(app):
    stale = sorted(set(OWN_CSP) - set(app.view_functions))
    assert not stale, f"OWN_CSP lists routes that do not exist: {stale}"
