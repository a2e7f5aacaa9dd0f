"""Payment provider webhooks: the only route without a CSRF token. It authenticates its
caller by the HMAC signature over the raw body, checked before anything else."""

from __future__ import annotations

from flask import jsonify, request

from app.blueprints.webhooks import bp
from app.extensions import csrf, db
from app.services import orders
from app.services.payments import InvalidCallback


@bp.post("/webhooks/<provider>")
@csrf.exempt
def receive(provider: str):
    raw = request.get_data(cache=False)
    try:
        outcome = orders.receive_webhook(provider, raw, request.headers)
    except InvalidCallback as error:
        db.session.rollback()
        return jsonify(error="invalid callback", detail=str(error)), 400
    db.session.commit()
    return jsonify(outcome=outcome), 200
