from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from app.blueprints.webhooks import routes  # noqa: E402,F401
