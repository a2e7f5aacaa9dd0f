from flask import Blueprint

bp = Blueprint("sandbox_gateway", __name__)

from app.blueprints.sandbox_gateway import routes  # noqa: E402,F401
