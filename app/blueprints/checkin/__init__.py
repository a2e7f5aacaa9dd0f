"""Gate check-in: the scanner page, scans and offline uploads, and the organizer's view."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

from app.blueprints.checkin import organizer, routes  # noqa: E402,F401
