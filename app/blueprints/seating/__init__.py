from flask import Blueprint

bp = Blueprint("seating", __name__)

from app.blueprints.seating import organizer, routes  # noqa: E402,F401
from app.blueprints.seating.routes import keep_cart_on_login  # noqa: E402,F401
