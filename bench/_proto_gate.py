"""Prototype: a lean bearer-token scan route, to measure the ceiling (not committed)."""
import os
from flask import request, jsonify, abort
from itsdangerous import URLSafeSerializer
from bench.checkin import bench_app as _base

def bench_app():
    app = _base()
    from app.extensions import csrf, db
    from app.services.checkin.gate import GateScan, scan_at_gate, NotAllowed, NotSignedIn
    from app.models.checkin import Direction
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt="gate-device")

    @app.post("/proto/<slug>/scan")
    @csrf.exempt
    def proto_scan(slug):
        auth = request.headers.get("Authorization", "")
        try:
            login = signer.loads(auth.removeprefix("Bearer "))
        except Exception:
            abort(401)
        f = request.form
        try:
            v = scan_at_gate(GateScan(login=login, event_slug=slug, code=f.get("code", ""),
                nonce=f.get("nonce", "")[:64], gate=f.get("gate", "")[:60],
                device_id=f.get("device_id", "")[:64], session_id=None, direction=Direction.IN))
        except (NotAllowed, NotSignedIn):
            abort(404)
        db.session.commit()
        return jsonify(v.as_dict())
    return app
