"""Error pages: a full page for a normal request, the content block for htmx."""

from __future__ import annotations

import logging

from flask import Flask
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.web import render_page_or_block

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please check what you sent."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here. The link may be old, or the page was removed."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "That upload is larger than we accept. Please send a smaller file."),
    429: ("Slow down", "Too many attempts in a short time. Please wait a minute and try again."),
    500: ("Something went wrong", "We could not finish that. Nothing was lost; please try again."),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_page_or_block("errors/error.html", "content", status=code, code=code,
                                title=title, message=detail or message)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "This form has expired or was not sent from this site. "
                            "Please reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = _render(error.code)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        from app.extensions import db

        db.session.rollback()
        log.error("internal error", exc_info=getattr(error, "original_exception", error))
        return _render(500)
