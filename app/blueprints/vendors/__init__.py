from flask import Blueprint

bp = Blueprint("vendors", __name__)

from app.blueprints.vendors import routes  # noqa: E402,F401
