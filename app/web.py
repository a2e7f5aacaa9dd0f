"""htmx helpers: one place decides between a whole page and a fragment."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, make_response, redirect, request
from jinja2_fragments import render_block
from werkzeug.routing import IntegerConverter

from app.models.types import DB_INT_MAX


def is_htmx() -> bool:
    """True for an htmx request that swaps a fragment (not a history restore)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render_page_or_block(template: str, block: str = "content", *, oob: Iterable[str] = (),
                         status: int = 200, **context) -> Response:
    """Render the whole page, or for htmx only `block` plus out-of-band blocks.

    An out-of-band block is rendered with `swap_oob=True`; its root element adds
    `hx-swap-oob="true"` when that flag is set, so the same markup serves both cases.
    """
    from flask import render_template

    if is_htmx():
        response = make_response(_render_blocks(template, block, oob, context), status)
    else:
        response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response


def _render_blocks(template: str, block: str, oob: Iterable[str], context: dict) -> str:
    """`block`, then each out-of-band block, with the app's template context computed once
    and one Jinja context for all the out-of-band blocks (not one per block: several
    blocks answer every seat click)."""
    app = current_app._get_current_object()
    app.update_template_context(context)
    oob = tuple(oob)
    if not oob:
        return render_block(app.jinja_env, template, block, **context)
    page = app.jinja_env.get_template(template)
    try:
        parts = [app.jinja_env.concat(page.blocks[block](page.new_context(context)))]
        shared = page.new_context({**context, "swap_oob": True})
        parts += [app.jinja_env.concat(page.blocks[name](shared)) for name in oob]
    except Exception:
        app.jinja_env.handle_exception()
    return "".join(parts)


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: a number past the database's integer range matches no route
    (404), instead of reaching a query that PostgreSQL refuses."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def db_int(value) -> int:
    """A whole number that a database integer column holds, else ValueError: the `type=` of
    ids and counts read from a query string or a form (`request.args.get("id", type=db_int)`
    then answers the default), and the `coerce=` of select fields of ids. Like `<int:…>`
    above: a number past the range names no row, and must not reach PostgreSQL, which
    refuses it."""
    number = int(value)
    if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
        raise ValueError(f"{number} is past the range of a database integer")
    return number


def hx_redirect(url: str) -> Response:
    """303 to `url` for a normal request; `HX-Redirect` for htmx so the browser navigates."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def no_change() -> Response:
    """204: nothing changed since the client's version (cheap polling)."""
    response = make_response("", 204)
    response.headers.add("Vary", "HX-Request")
    return response
