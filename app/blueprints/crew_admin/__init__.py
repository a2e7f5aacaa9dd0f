from flask import Blueprint

bp = Blueprint("crew_admin", __name__)

from app.blueprints.crew_admin import routes  # noqa: E402,F401
