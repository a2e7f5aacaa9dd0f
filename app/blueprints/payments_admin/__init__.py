from flask import Blueprint

bp = Blueprint("payments_admin", __name__)

from app.blueprints.payments_admin import routes  # noqa: E402,F401
