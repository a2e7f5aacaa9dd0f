from flask import Blueprint

bp = Blueprint("vendors_admin", __name__)

from app.blueprints.vendors_admin import routes  # noqa: E402,F401
