"""`url_for` that builds a URL once per process and gives the same string again.

A path built from an endpoint and its values depends on nothing else but the app's URL map,
its root (`request.script_root`) and, for an endpoint written ".name", the request's
blueprint: the app has no `url_defaults` and no host or subdomain rules. Every seat click
draws several URLs (its cart's release and checkout links, the countdown's refresh), each
one a walk through Werkzeug's URL map; here a repeated one is a dictionary lookup.

Only plain calls are kept: values that are strings, whole numbers or None, and none of the
underscore options (`_external`, `_anchor`, `_method`, `_scheme`), which go to Flask as they
are. Outside a request, Flask builds as usual.
"""

from __future__ import annotations

import flask
from flask import current_app, has_request_context, request

_BUILT: dict[tuple, str] = {}
_BUILT_MAX = 8192  # then start again: a process sees a bounded set of events and pages


def url_for(endpoint: str, /, **values) -> str:
    """`flask.url_for(endpoint, **values)`, built once per process for plain calls."""
    if not has_request_context():
        return flask.url_for(endpoint, **values)
    for name, value in values.items():
        if name[:1] == "_" or not (value is None or type(value) in (str, int)):
            return flask.url_for(endpoint, **values)
    key = (id(current_app.url_map), request.script_root,
           request.blueprint if endpoint[:1] == "." else None, endpoint, *sorted(values.items()))
    url = _BUILT.get(key)
    if url is None:
        url = flask.url_for(endpoint, **values)
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        _BUILT[key] = url
    return url


def init_url_cache(app: flask.Flask) -> None:
    """Templates' `url_for` is this one."""
    app.jinja_env.globals["url_for"] = url_for
