"""The crew portal: a person's own assignments, open shifts, hours and calendar.

Another person's assignment answers 404. Actions answer the changed block plus the summary
and lists out of band for htmx, and 303 back to the portal otherwise.
"""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, send_file, url_for
from flask_login import current_user, login_required

from app.authz import verified_required
from app.blueprints.crew import bp
from app.blueprints.crew.forms import DeclineForm, ProfileForm
from app.blueprints.orgs.forms import show_domain_error
from app.extensions import db
from app.models.crew import Briefing
from app.services.crew import assignments, briefings, calendar, certificates, portal, profiles
from app.services.errors import DomainError
from app.services.tickets.mail import public_url
from app.web import hx_redirect, is_htmx, no_change, render_page_or_block

LISTS = ("summary", "invitations", "upcoming", "open_shifts")


def _private(response, status: int | None = None):
    response = make_response(response)
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _page(block: str = "content", problem: tuple[str, int, str] | None = None,
          status: int = 200):
    """The portal (or one block + the others out of band); `problem` = (list, id, message)."""
    view = portal.portal_for(current_user)
    cards = portal.upcoming_cards(view.upcoming)
    feed = calendar.feed_token(current_user)
    db.session.commit()  # the organization's signing key is made on first use
    oob = [name for name in LISTS if name != block] if block != "content" else []
    return _private(render_page_or_block(
        "crew/portal.html", block, oob=oob, view=view, cards=cards, problem=problem,
        decline_form=DeclineForm(), status=status,
        feed_url=public_url("crew.feed", token=feed) if feed else None))


def _own(assignment_id: int):
    assignment = assignments.assignment_for_user(assignment_id, current_user)
    if assignment is None:
        abort(404)
    return assignment


def _act(block: str, item_id: int, action, success: str):
    """Run a service action, commit, and answer the block (htmx) or 303 to the portal."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        if is_htmx():
            return _page(block, (block, item_id, error.message), status=409)
        flash(error.message, "error")
        return hx_redirect(url_for("crew.portal"))
    db.session.commit()
    if is_htmx():
        return _page(block)
    flash(success, "success")
    return hx_redirect(url_for("crew.portal"))


@bp.get("/crew", endpoint="portal")
@login_required
def portal_page():
    return _page()


@bp.post("/crew/assignments/<int:assignment_id>/confirm")
@verified_required
def confirm(assignment_id: int):
    assignment = _own(assignment_id)
    return _act("invitations", assignment.id,
                lambda: assignments.confirm_assignment(assignment), "Shift confirmed.")


@bp.post("/crew/assignments/<int:assignment_id>/decline")
@login_required
def decline(assignment_id: int):
    assignment, form = _own(assignment_id), DeclineForm()
    reason = form.reason.data if form.validate_on_submit() else ""
    return _act("invitations", assignment.id,
                lambda: assignments.decline_assignment(assignment, reason or ""),
                "Invitation declined.")


@bp.post("/crew/assignments/<int:assignment_id>/cancel")
@login_required
def cancel(assignment_id: int):
    assignment = _own(assignment_id)
    return _act("upcoming", assignment.id,
                lambda: assignments.cancel_assignment(assignment), "Shift cancelled.")


@bp.post("/crew/shifts/<int:shift_id>/signup")
@verified_required
def signup(shift_id: int):
    shift = portal.shift_for_signup(shift_id, current_user)
    if shift is None:
        abort(404)
    return _act("open_shifts", shift.id, lambda: assignments.sign_up(shift, current_user),
                "You are on the shift.")


def _profile_page(form: ProfileForm | None = None, status: int = 200):
    mine = profiles.own_profile(current_user)
    if form is None:
        form = ProfileForm(formdata=None, data={"phone": mine.phone,
                                                "share_phone": mine.share_phone,
                                                "qualifications": mine.declared})
    return _private(render_template("crew/profile.html", form=form, mine=mine,
                                    labels=profiles.QUALIFICATIONS), status)


@bp.get("/crew/profile", endpoint="profile")
@login_required
def profile_page():
    return _profile_page()


@bp.post("/crew/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            profiles.update_own_profile(current_user, phone=form.phone.data or "",
                                        share_phone=form.share_phone.data,
                                        qualifications=form.qualifications.data)
            db.session.commit()
            flash("Your crew profile is saved.", "success")
            return hx_redirect(url_for("crew.profile"))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _profile_page(form, 422)


@bp.get("/crew/assignments/<int:assignment_id>/shift.ics")
@login_required
def shift_ics(assignment_id: int):
    response = make_response(calendar.shift_calendar(_own(assignment_id)))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="shift-{assignment_id}.ics"'
    return _private(response)


@bp.get("/crew/briefings/<int:briefing_id>/attachment")
@login_required
def briefing_attachment(briefing_id: int):
    briefing = db.session.get(Briefing, briefing_id)
    path = briefings.attachment_path(briefing) if briefing else None
    if path is None or not briefings.may_read(briefing, current_user):
        abort(404)
    return _private(send_file(path, mimetype=briefing.attachment_type, as_attachment=True,
                              download_name=briefing.attachment_name))


def _event_with_hours(event_id: int):
    event = portal.event_with_hours(event_id, current_user)
    if event is None:
        abort(404)
    return event


@bp.post("/crew/events/<int:event_id>/certificate")
@login_required
def request_certificate(event_id: int):
    certificates.request_certificate(current_user, _event_with_hours(event_id))
    db.session.commit()
    return hx_redirect(url_for("crew.certificate_pdf", event_id=event_id))


@bp.get("/crew/events/<int:event_id>/certificate.pdf")
@login_required
def certificate_pdf(event_id: int):
    event = _event_with_hours(event_id)
    certificate = certificates.certificate_for(current_user.id, event.id)
    path = certificates.ready_file(certificate)
    if path is not None:
        return _private(send_file(path, mimetype="application/pdf", as_attachment=True,
                                  download_name=f"hours-{event.slug}.pdf"))
    if certificate is None:
        abort(404)
    return _private(render_template("crew/certificate.html", event=event,
                                    certificate=certificate), 202)


@bp.get("/crew/certificates/<int:certificate_id>/status/<seen>")
@login_required
def certificate_status(certificate_id: int, seen: str):
    """Polled while the PDF is prepared: 204 until its state differs from `seen`."""
    certificate = db.session.get(certificates.HoursCertificate, certificate_id)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    if seen == f"{certificate.status}-{certificate.revision}":
        return no_change()
    return _private(_certificate_block(certificate))


def _certificate_block(certificate):
    return render_page_or_block("crew/certificate.html", "certificate_status",
                                event=certificate.event, certificate=certificate)


@bp.post("/crew/calendar")
@login_required
def enable_feed():
    calendar.enable_feed(current_user)
    db.session.commit()
    flash("Your calendar feed is on. Subscribe to the address below.", "success")
    return hx_redirect(url_for("crew.portal") + "#calendar")


@bp.post("/crew/calendar/revoke")
@login_required
def revoke_feed():
    calendar.revoke_feed(current_user)
    db.session.commit()
    flash("The old calendar address no longer works.", "success")
    return hx_redirect(url_for("crew.portal") + "#calendar")


@bp.get("/crew/calendar/<token>.ics")
def feed(token: str):
    user = calendar.user_for_feed(token)
    if user is None:
        abort(404)
    response = make_response(calendar.feed_calendar(user))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    return _private(response)


@bp.get("/crew/invitations/<token>")
def invitation(token: str):
    assignment = assignments.invitation_by_token(token)
    return render_template("crew/invitation.html", assignment=assignment, token=token
                           ), 200 if assignment else 404


@bp.post("/crew/invitations/<token>")
@login_required
def accept_invitation(token: str):
    try:
        assignments.accept_invitation(token, current_user)
    except DomainError as error:
        db.session.rollback()
        return render_template("crew/invitation.html", token=token, problem=error.message,
                               assignment=assignments.invitation_by_token(token)), 409
    db.session.commit()
    flash("The invitation is in your crew portal: confirm or decline it there.", "success")
    return hx_redirect(url_for("crew.portal"))
