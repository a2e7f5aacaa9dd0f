"""My tickets: the account pages, PDF downloads, add-to-calendar and transfers."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from app.blueprints.tickets import routes  # noqa: E402,F401
