"""The vendor side: profile and documents, applying on the floor plan, my applications,
paying the booth fee through the normal checkout, waitlist offers and the vendor pass.

Another vendor's application or document answers 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.authz import verified_required
from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.vendors import bp
from app.blueprints.vendors.forms import ApplicationForm, DocumentForm, ProfileForm
from app.extensions import db
from app.models.vendors import QuestionKind
from app.services import payments
from app.services.errors import DomainError
from app.services.events import visible_event
from app.services.orders.checkout import available_methods
from app.services.tickets.invoices import invoice_for_order
from app.services.vendors import (
    applications,
    assignment,
    documents,
    floorplan,
    passes,
    profiles,
    waitlist,
)
from app.services.vendors.errors import DocumentTooLarge
from app.web import hx_redirect, no_change, render_page_or_block

PROFILE, APPLY = "vendors/profile.html", "vendors/apply.html"
MINE, ONE = "vendors/applications.html", "vendors/application.html"


def _profile_page(form=None, upload=None, status: int = 200):
    profile = profiles.profile_of(current_user)
    form = form or ProfileForm(formdata=None, obj=profile,
                               contact_name=profile.contact_name if profile
                               else current_user.name)
    return render_page_or_block(PROFILE, "content", status=status, profile=profile, form=form,
                                upload=upload or DocumentForm(formdata=None),
                                kinds=documents.KINDS, next_url=request.args.get("next"))


@bp.get("/vendor/profile")
@verified_required
def profile():
    return _profile_page()


@bp.post("/vendor/profile")
@verified_required
def save_profile():
    form = ProfileForm()
    if not form.validate():
        return _profile_page(form, status=422)
    try:
        profiles.save_profile(current_user, form.to_input())
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _profile_page(form, status=422)
    db.session.commit()
    flash("Profile saved.", "success")
    return redirect(request.args.get("next") or url_for("vendors.profile"), code=303)


@bp.post("/vendor/documents")
@verified_required
def upload_document():
    profile, form = profiles.profile_of(current_user), DocumentForm()
    if profile is None:
        abort(404)
    if not form.validate():
        return _profile_page(upload=form, status=422)
    try:
        documents.add_document(profile, form.kind.data, form.file.data.filename,
                               form.file.data.read())
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _profile_page(upload=form,
                             status=413 if isinstance(error, DocumentTooLarge) else 422)
    db.session.commit()
    flash("Document uploaded.", "success")
    return redirect(url_for("vendors.profile"), code=303)


@bp.post("/vendor/documents/<int:document_id>/delete")
@verified_required
def delete_document(document_id: int):
    document = documents.own_document(document_id, current_user)
    if document is None:
        abort(404)
    documents.remove_document(document)
    db.session.commit()
    return redirect(url_for("vendors.profile"), code=303)


@bp.get("/vendor/documents/<int:document_id>")
@login_required
def download_document(document_id: int):
    document = documents.readable_document(document_id, current_user)
    path = documents.document_file(document) if document is not None else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- applying

def _event_or_404(slug: str):
    event = visible_event(slug, current_user)
    if event is None:
        abort(404)
    return event


def _apply_page(event, application, form=None, status: int = 200, error: str = ""):
    types = floorplan.booth_types(event)
    form = form or ApplicationForm(formdata=None, obj=application)
    form.booth_type_id.choices = [SelectChoice(0, "Choose a booth type")] + [
        SelectChoice(t.id, t.name) for t in types]
    spots = floorplan.plan(event, application)
    form.preferences.choices = [SelectChoice(s.booth.id, s.booth.label) for s in spots
                                if s.status in ("available", "picked")]
    return render_page_or_block(
        APPLY, "picker" if request.headers.get("HX-Target") == "booth-picker" else "content",
        status=status, event=event, application=application, form=form, types=types,
        spots=spots, size=floorplan.plan_size(spots), error=error,
        remaining=floorplan.remaining_by_type(event), settings=floorplan.settings_for(event),
        questions=floorplan.questions(event), label=applications.LABELS)


def _application_of(event):
    profile = profiles.profile_of(current_user)
    return applications.application_for(event, profile) if profile else None


@bp.get("/events/<slug>/booths")
@verified_required
def apply(slug: str):
    event = _event_or_404(slug)
    if profiles.profile_of(current_user) is None:
        flash("First tell organizers about your business.", "info")
        return redirect(url_for("vendors.profile", next=request.path), code=303)
    return _apply_page(event, _application_of(event))


def _answers(event, application) -> dict[str, str]:
    answers = dict(application.answers or {})
    profile = profiles.profile_of(current_user)
    for question in floorplan.questions(event):
        key = f"q{question.id}"
        upload = request.files.get(key)
        if question.kind == QuestionKind.FILE and upload and upload.filename:
            document = documents.add_document(profile, "answer", upload.filename,
                                              upload.read())
            answers[str(question.id)] = f"document:{document.id}"
        elif question.kind != QuestionKind.FILE:
            answers[str(question.id)] = request.form.get(key, "").strip()
    return answers


@bp.post("/events/<slug>/booths")
@verified_required
def save_application(slug: str):
    event, form = _event_or_404(slug), ApplicationForm()
    profile = profiles.profile_of(current_user)
    if profile is None:
        abort(404)
    application = applications.draft_for(event, profile)
    try:
        applications.check_open(event)
        applications.save_application(application, form.to_input(_answers(event, application)))
        if request.form.get("action") == "submit":
            applications.submit(application, current_user)
    except DomainError as error:
        db.session.rollback()
        return _apply_page(event, _application_of(event), form, 409, error.message)
    db.session.commit()
    flash("Application sent." if request.form.get("action") == "submit"
          else "Draft saved.", "success")
    return redirect(url_for("vendors.application", application_id=application.id), code=303)


@bp.post("/events/<slug>/booths/pick/<int:booth_id>")
@verified_required
def pick_booth(slug: str, booth_id: int):
    event, profile = _event_or_404(slug), profiles.profile_of(current_user)
    if profile is None:
        abort(404)
    application = applications.draft_for(event, profile)
    try:
        applications.toggle_preference(application, booth_id)
    except DomainError as error:
        db.session.rollback()
        return _apply_page(event, _application_of(event), status=409, error=error.message)
    db.session.commit()
    return _apply_page(event, application)


# ---------------------------------------------------------------- my applications

def _own_or_404(application_id: int):
    application = applications.own_application(application_id, current_user)
    if application is None:
        abort(404)
    return application


@bp.get("/vendor/applications")
@login_required
def my_applications():
    return render_page_or_block(MINE, "content",
                                applications=applications.my_applications(current_user),
                                label=applications.LABELS)


def _application_page(application, status: int = 200, error: str = ""):
    fee = application.booth_type.price if application.booth_type else 0
    return render_page_or_block(
        ONE, "status", status=status, application=application, label=applications.LABELS,
        offer=waitlist.open_offer(application), vendor_pass=passes.pass_for(application),
        methods=available_methods(application.event, fee), error=error,
        settings=floorplan.settings_for(application.event),
        invoice=invoice_for_order(application.order_id) if application.order_id else None)


@bp.get("/vendor/applications/<int:application_id>")
@login_required
def application(application_id: int):
    return _application_page(_own_or_404(application_id))


@bp.get("/vendor/applications/<int:application_id>/status")
@login_required
def application_status(application_id: int):
    """Polled by the application page: 204 while its version is unchanged."""
    version = applications.application_version(application_id, current_user.id)
    if version is None:
        abort(404)
    if str(version) == request.args.get("v"):
        return no_change()
    return _application_page(_own_or_404(application_id))


def _act(application, action, message: str):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return _application_page(_own_or_404(application.id), 409, error.message)
    db.session.commit()
    flash(message, "success")
    return hx_redirect(url_for("vendors.application", application_id=application.id))


@bp.post("/vendor/applications/<int:application_id>/withdraw")
@verified_required
def withdraw(application_id: int):
    application = _own_or_404(application_id)
    return _act(application, lambda: applications.withdraw(application, current_user),
                "Application withdrawn.")


@bp.post("/vendor/applications/<int:application_id>/offer")
@verified_required
def answer_offer(application_id: int):
    application = _own_or_404(application_id)
    if request.form.get("answer") == "accept":
        return _act(application, lambda: waitlist.accept_offer(application, current_user),
                    "Booth accepted. Please pay the booth fee.")
    return _act(application, lambda: waitlist.decline_offer(application),
                "Offer declined. You stay on the waitlist.")


@bp.post("/vendor/applications/<int:application_id>/pay")
@verified_required
def pay(application_id: int):
    application = _own_or_404(application_id)
    try:
        order = assignment.place_booth_order(application, current_user,
                                             request.form.get("method", ""))
        step = payments.provider(order.payment_method.value).start(order)
    except DomainError as error:
        db.session.rollback()
        return _application_page(_own_or_404(application_id), 409, error.message)
    db.session.commit()
    return redirect(url_for(step.endpoint, **step.values), code=303)


@bp.get("/vendor/applications/<int:application_id>/pass")
@login_required
def vendor_pass(application_id: int):
    path = passes.pass_file(passes.pass_for(_own_or_404(application_id)))
    if path is None:
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=f"vendor-pass-{application_id}.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
