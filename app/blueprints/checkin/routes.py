"""The gate: scanner page, scans (form, htmx or JSON), manual check-in, offline kit and sync."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from app.blueprints.checkin import bp
from app.blueprints.checkin.access import gate_access_required
from app.extensions import db, login_manager
from app.models.checkin import CheckIn, Direction
from app.models.types import utcnow
from app.security import safe_next
from app.services.checkin import (
    ScanInput,
    access,
    check_in_ticket,
    offline_kit,
    scan_code,
    search,
    stats,
    upload_offline_scans,
    verdict_of,
)
from app.services.checkin.gate import GateScan, NotAllowed, NotSignedIn, scan_at_gate
from app.services.checkin.vendor_passes import looks_like_vendor_pass
from app.services.checkin.verify import looks_like_code
from app.services.errors import DomainError
from app.web import db_int, is_htmx, no_change, render_page_or_block

TEMPLATE = "checkin/scanner.html"
_CHOICES = "checkin_choices"


# ---------------------------------------------------------------- gate choices

def _session_ids(event) -> set[int]:
    return {s.id for s in event.sessions}


def _default_session_id(event) -> int | None:
    now = utcnow()
    current = [s for s in event.sessions if s.ends_at > now]
    chosen = current[0] if current else (event.sessions[0] if event.sessions else None)
    return chosen.id if chosen else None


def _choice(event) -> tuple[int | None, str]:
    """(session id, gate name): from the form, else what this browser chose last."""
    saved = session.get(_CHOICES, {}).get(str(event.id), [None, ""])
    raw = request.values.get("session_id", saved[0])
    try:
        session_id = int(raw) if raw not in (None, "") else None
    except ValueError:
        session_id = None
    # The scanner form posts "" for an event without sessions: no need to load them.
    if (session_id is not None or raw != "") and session_id not in _session_ids(event):
        session_id = _default_session_id(event)
    gate = (request.values.get("gate", saved[1]) or "").strip()[:60]
    if [session_id, gate] != saved:
        session[_CHOICES] = {**session.get(_CHOICES, {}), str(event.id): [session_id, gate]}
    return session_id, gate


def _scan_input(event, **extra) -> ScanInput:
    session_id, gate = _choice(event)
    device = request.form.get("device_id") or session.setdefault(
        "checkin_device", secrets.token_hex(8))
    return ScanInput(
        event=event, nonce=(request.form.get("nonce") or secrets.token_hex(16))[:64],
        gate=gate, device_id=device[:64], session_id=session_id,
        direction=Direction.OUT if request.form.get("direction") == "out" else Direction.IN,
        scanner_user_id=current_user.id, **extra)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
        "application/json"


def _page(event, verdict=None, query: str = "", status: int = 200):
    session_id, gate = _choice(event)
    return render_page_or_block(
        TEMPLATE, "verdict", status=status, event=event, verdict=verdict, query=query,
        results=search.find_tickets(event.id, query) if query else [],
        session_id=session_id, gate=gate, allow_reentry=access.allows_reentry(event.id),
        version=stats.checkin_version(event.id), counts=stats.gate_counts(event),
        sold=stats.tickets_sold(event.id),
        organizer=access.is_organizer(current_user, event))


def _answer(event, verdict):
    """JSON, the verdict fragment (htmx), or 303 to the page showing it."""
    if _wants_json():
        return jsonify(verdict.as_dict())
    if is_htmx():
        return render_page_or_block(TEMPLATE, "verdict", event=event, verdict=verdict)
    return redirect(url_for("checkin.scanner", event_slug=event.slug,
                            shown=verdict.checkin_id), code=303)


# ---------------------------------------------------------------- views

@bp.get("/checkin")
@login_required
def my_events():
    return render_template("checkin/events.html", events=access.scannable_events(current_user))


@bp.get("/checkin/<event_slug>")
@gate_access_required
def scanner(event):
    shown = db.session.get(CheckIn, request.args.get("shown", 0, type=db_int))
    verdict = verdict_of(shown) if shown is not None and shown.event_id == event.id else None
    response = _page(event, verdict, request.args.get("q", "").strip()[:80])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/checkin/<event_slug>/gate")
@gate_access_required
def choose_gate(event):
    _choice(event)
    return redirect(url_for("checkin.scanner", event_slug=event.slug), code=303)


@bp.post("/checkin/<event_slug>/scan")
def scan(event_slug: str):
    """A gate device asking for JSON with its session named takes the lean path (two
    statements, see app/services/checkin/gate.py); the page's form and htmx, the full one."""
    if _wants_json() and _names_session():
        return _scan_json(event_slug)
    return _scan_form(event_slug=event_slug)


def _names_session() -> bool:
    """The scan names its session: "" (whole event) or an id."""
    raw = request.form.get("session_id")
    return raw is not None and (raw == "" or (raw.isdigit() and len(raw) < 10))


def _scan_json(event_slug: str):
    login = session.get("_user_id") or (
        current_user.get_id() if current_user.is_authenticated else None)
    raw = request.form.get("session_id", "")
    try:
        verdict = scan_at_gate(GateScan(
            login=login or "", event_slug=event_slug, code=request.form.get("code", ""),
            nonce=(request.form.get("nonce") or secrets.token_hex(16))[:64],
            gate=request.form.get("gate", "").strip()[:60],
            device_id=request.form.get("device_id", "")[:64],
            session_id=int(raw) if raw else None,
            direction=Direction.OUT if request.form.get("direction") == "out" else Direction.IN))
    except NotSignedIn:
        return login_manager.unauthorized()
    except NotAllowed:
        abort(404)
    db.session.commit()
    return jsonify(verdict.as_dict())


@gate_access_required
def _scan_form(event):
    text = request.form.get("code", "").strip()
    if not (looks_like_code(text) or looks_like_vendor_pass(text)) and not _wants_json():
        return _search_answer(event, text)
    verdict = scan_code(text, _scan_input(event))
    db.session.commit()
    return _answer(event, verdict)


def _search_answer(event, text: str):
    """Typed text that is not a code: an order code or name to look up."""
    if not is_htmx():
        return redirect(url_for("checkin.scanner", event_slug=event.slug, q=text[:80]),
                        code=303)
    response = render_page_or_block(TEMPLATE, "results", event=event, query=text[:80],
                                    results=search.find_tickets(event.id, text))
    response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#results", "outerHTML"
    return response


@bp.post("/checkin/<event_slug>/manual")
@gate_access_required
def manual(event):
    reason = request.form.get("reason", "").strip()[:200]
    if not reason:
        return _page(event, query=request.form.get("q", ""), status=422)
    verdict = check_in_ticket(request.form.get("ticket_id", 0, type=db_int),
                              _scan_input(event, manual_reason=reason))
    db.session.commit()
    back = safe_next(request.form.get("next"), "")
    if back and not is_htmx():
        return redirect(back, code=303)
    return _answer(event, verdict)


@bp.get("/checkin/<event_slug>/counts")
@gate_access_required
def counts(event):
    version = stats.checkin_version(event.id)
    if request.args.get("seen", type=db_int) == version:
        return no_change()
    return render_page_or_block(TEMPLATE, "counts", event=event, version=version,
                                counts=stats.gate_counts(event),
                                sold=stats.tickets_sold(event.id))


@bp.get("/checkin/<event_slug>/offline-kit")
@gate_access_required
def kit(event):
    response = jsonify(offline_kit(event, _choice(event)[0]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/checkin/<event_slug>/sync")
@gate_access_required
def sync(event):
    payload = request.get_json(silent=True) or {}
    try:
        answers = upload_offline_scans(event, payload.get("scans"), _session_ids(event),
                                       current_user.id)
    except DomainError as error:
        db.session.rollback()
        return jsonify({"error": error.message}), 422
    db.session.commit()
    return jsonify({"results": answers})


@bp.get("/checkin/sw.js")
def service_worker():
    """The scanner's service worker, served from /checkin/ so that it may control it."""
    path = Path(current_app.static_folder) / "js" / "scanner-sw.js"
    if not path.exists():
        abort(404)
    response = make_response(send_file(path, mimetype="text/javascript", max_age=0))
    response.headers["Service-Worker-Allowed"] = "/checkin/"
    return response
