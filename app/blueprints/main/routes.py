from flask import jsonify, render_template

from app.blueprints.main import bp
from app.extensions import csrf
from app.services.events import upcoming_public_events
from app.services.health import check_health


@bp.get("/")
def home():
    return render_template("main/home.html", events=upcoming_public_events(limit=6))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    report, healthy = check_health()
    return jsonify(report), 200 if healthy else 503
