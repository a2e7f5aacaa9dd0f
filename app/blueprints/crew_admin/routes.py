"""Organizers' crew tools: roles, pool and settings; shifts, invitations and the roster grid
of an event; briefings; check-in; communication history; hours.

Everything is scoped to the organization in the URL (owners and managers): another
organization's shift, assignment or email answers 404.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, make_response, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.crew_admin import bp
from app.blueprints.crew_admin.forms import (
    BriefingForm,
    BulkShiftForm,
    InviteForm,
    PoolForm,
    RoleForm,
    ScanForm,
    SettingsForm,
    ShiftForm,
)
from app.blueprints.orgs.forms import show_domain_error
from app.extensions import db
from app.models import Event, Organization, User
from app.security import safe_next
from app.services.crew import (
    assignments,
    attendance,
    briefings,
    history,
    profiles,
    reminders,
    roles,
    roster,
    shifts,
)
from app.services.errors import DomainError
from app.web import hx_redirect, no_change, render_page_or_block

ORGANIZERS = ORGANIZER_ROLES


def _event(org: Organization, event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.organization_id != org.id:
        abort(404)
    return event


def _shift(org: Organization, shift_id: int):
    shift = shifts.shift_in_org(shift_id, org.id)
    if shift is None:
        abort(404)
    return shift


def _overview(org: Organization, status: int = 200, **forms):
    settings = roles.settings_for(org.id)
    forms.setdefault("role_form", RoleForm(formdata=None))
    forms.setdefault("pool_form", PoolForm(formdata=None))
    forms.setdefault("settings_form", SettingsForm(formdata=None, obj=settings))
    forms.setdefault("scan_form", ScanForm(formdata=None))
    events = db.session.scalars(select(Event).where(Event.organization_id == org.id)
                                .order_by(Event.starts_at)).all()
    pool = roles.pool_of(org.id)
    return render_page_or_block(
        "crew_admin/overview.html", "content", org=org, roles=roles.roles_of(org.id),
        pool=pool, pending={p.id: profiles.pending_of(p) for p in pool},
        flagged=attendance.flagged_people(org.id),
        no_shows=attendance.no_show_counts(org.id), events=events,
        hours=attendance.hours_by_person(org.id), labels=roles.QUALIFICATIONS,
        status=status, **forms)


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return hx_redirect(target)


@bp.get("/orgs/<org_slug>/crew")
@org_role_required(*ORGANIZERS)
def overview(org: Organization):
    return _overview(org)


@bp.post("/orgs/<org_slug>/crew/roles")
@org_role_required(*ORGANIZERS)
def create_role(org: Organization):
    form = RoleForm()
    if form.validate_on_submit():
        try:
            roles.create_role(org, form.name.data, form.requirements.data)
            return _done(f"Role {form.name.data} added.", url_for(".overview", org_slug=org.slug))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _overview(org, 422, role_form=form)


@bp.post("/orgs/<org_slug>/crew/pool")
@org_role_required(*ORGANIZERS)
def add_to_pool(org: Organization):
    form = PoolForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.lower()))
        if user is None:
            form.email.errors.append("No account uses this address; invite them to a shift "
                                     "by email instead.")
        else:
            roles.add_to_pool(org, user, form.qualifications.data)
            return _done(f"{user.name} is in the crew pool.",
                         url_for(".overview", org_slug=org.slug))
    return _overview(org, 422, pool_form=form)


@bp.post("/orgs/<org_slug>/crew/pool/<int:profile_id>/confirm")
@org_role_required(*ORGANIZERS)
def confirm_qualification(org: Organization, profile_id: int):
    """Confirm a qualification the person declared on their crew profile."""
    profile = roles.profile_in_org(profile_id, org.id)
    if profile is None:
        abort(404)
    qualification = request.form.get("qualification", "")
    target = url_for(".overview", org_slug=org.slug) + "#crew-pool"
    try:
        roles.confirm_qualification(profile, qualification)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return hx_redirect(target)
    return _done(f"{roles.QUALIFICATIONS[qualification]} confirmed for {profile.user.name}.",
                 target)


@bp.post("/orgs/<org_slug>/crew/settings")
@org_role_required(*ORGANIZERS)
def update_settings(org: Organization):
    form = SettingsForm()
    if form.validate_on_submit():
        roles.update_settings(org.id, **{name: form[name].data for name in (
            "cancel_cutoff_hours", "second_reminder_hours", "no_show_grace_minutes",
            "night_multiplier", "contact")})
        return _done("Crew settings saved.", url_for(".overview", org_slug=org.slug))
    return _overview(org, 422, settings_form=form)


def _shift_forms(org: Organization, event: Event, forms: dict) -> dict:
    choices = [SelectChoice(r.id, r.name) for r in roles.roles_of(org.id)]
    for name, cls in (("shift_form", ShiftForm), ("bulk_form", BulkShiftForm)):
        forms.setdefault(name, cls(formdata=None))
        forms[name].role.choices = choices
    forms.setdefault("briefing_form", BriefingForm(formdata=None))
    forms["briefing_form"].shift.choices = [SelectChoice(0, "Everyone confirmed at the event")] + [
        SelectChoice(s.id, f"{s.role.name} · {s.starts_at:%d %b %H:%M} UTC")
        for s in shifts.shifts_of(event.id)]
    forms.setdefault("invite_form", InviteForm(formdata=None))
    return forms


def _event_page(org: Organization, event: Event, block: str = "content", status: int = 200,
                **forms):
    return render_page_or_block(
        "crew_admin/event.html", block, org=org, event=event, grid=roster.roster_grid(event.id),
        unanswered=reminders.unanswered(event.id), flagged=attendance.flagged_people(org.id),
        status=status, **_shift_forms(org, event, forms))


@bp.get("/orgs/<org_slug>/crew/events/<int:event_id>")
@org_role_required(*ORGANIZERS)
def event_crew(org: Organization, event_id: int):
    return _event_page(org, _event(org, event_id))


@bp.get("/orgs/<org_slug>/crew/events/<int:event_id>/roster/<marker>")
@org_role_required(*ORGANIZERS)
def roster_poll(org: Organization, event_id: int, marker: str):
    """Polled by the grid: 204 while nothing changed, else the fresh grid."""
    event = _event(org, event_id)
    if roster.roster_marker(event.id) == marker:
        return no_change()
    return _event_page(org, event, "roster")


def _spec(org: Organization, form: ShiftForm) -> shifts.ShiftSpec:
    role = next((r for r in roles.roles_of(org.id) if r.id == form.role.data), None)
    if role is None:
        raise DomainError("Choose a role.", "role")
    return shifts.ShiftSpec(role, form.starts_at.data, form.ends_at.data, form.headcount.data,
                            form.location.data or "", form.instructions.data or "",
                            form.self_signup.data)


@bp.post("/orgs/<org_slug>/crew/events/<int:event_id>/shifts")
@org_role_required(*ORGANIZERS)
def create_shift(org: Organization, event_id: int):
    event = _event(org, event_id)
    form = _shift_forms(org, event, {"shift_form": ShiftForm()})["shift_form"]
    if form.validate_on_submit():
        try:
            shifts.create_shift(event, _spec(org, form))
            return _done("Shift added.", url_for(".event_crew", org_slug=org.slug,
                                                 event_id=event.id))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _event_page(org, event, "shift_form", 422, shift_form=form)


@bp.post("/orgs/<org_slug>/crew/events/<int:event_id>/shifts/bulk")
@org_role_required(*ORGANIZERS)
def bulk_shifts(org: Organization, event_id: int):
    event = _event(org, event_id)
    form = _shift_forms(org, event, {"bulk_form": BulkShiftForm()})["bulk_form"]
    if form.validate_on_submit():
        try:
            made = shifts.bulk_create_shifts(event, _spec(org, form), until_local=form.until.data,
                                             every=timedelta(hours=float(form.every_hours.data)))
            return _done(f"{len(made)} shifts added.", url_for(
                ".event_crew", org_slug=org.slug, event_id=event.id))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _event_page(org, event, "bulk_form", 422, bulk_form=form)


@bp.post("/orgs/<org_slug>/crew/shifts/<int:shift_id>/invite")
@org_role_required(*ORGANIZERS)
def invite(org: Organization, shift_id: int):
    shift, form = _shift(org, shift_id), InviteForm()
    target = url_for(".event_crew", org_slug=org.slug, event_id=shift.event_id)
    if not form.validate_on_submit():
        flash("Enter an email address to invite.", "error")
        return hx_redirect(target)
    try:
        assignments.invite_by_email(shift, form.email.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return hx_redirect(target)
    return _done(f"Invitation sent to {form.email.data}.", target)


@bp.post("/orgs/<org_slug>/crew/assignments/<int:assignment_id>/check-in")
@org_role_required(*ORGANIZERS)
def check_in(org: Organization, assignment_id: int):
    assignment = assignments.assignment_in_org(assignment_id, org.id)
    if assignment is None:
        abort(404)
    target = url_for(".event_crew", org_slug=org.slug, event_id=assignment.shift.event_id)
    try:
        attendance.check_in(assignment)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return hx_redirect(target)
    return _done(f"{assignment.user.name} checked in.", target)


@bp.post("/orgs/<org_slug>/crew/check-in")
@org_role_required(*ORGANIZERS)
def scan(org: Organization):
    form = ScanForm()
    if form.validate_on_submit():
        try:
            assignment = attendance.check_in_by_code(form.code.data, org.id)
            return _done(f"{assignment.user.name} checked in for {assignment.shift.role.name}.",
                         url_for(".overview", org_slug=org.slug))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _overview(org, 422, scan_form=form)


@bp.post("/orgs/<org_slug>/crew/events/<int:event_id>/briefings")
@org_role_required(*ORGANIZERS)
def send_briefing(org: Organization, event_id: int):
    event = _event(org, event_id)
    form = _shift_forms(org, event, {"briefing_form": BriefingForm()})["briefing_form"]
    if form.validate_on_submit():
        file = form.attachment.data
        upload = briefings.Upload(file.filename, file.read()) if file else None
        try:
            shift = _shift(org, form.shift.data) if form.shift.data else None
            briefing = briefings.create_briefing(event, shift, form.title.data, form.body.data,
                                                 upload)
            sent = briefings.send_briefing(briefing)
            return _done(f"Briefing sent to {sent} crew member{'s' if sent != 1 else ''}.",
                         url_for(".event_crew", org_slug=org.slug, event_id=event.id))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _event_page(org, event, "briefing_form", 422, briefing_form=form)


@bp.get("/orgs/<org_slug>/crew/shifts/<int:shift_id>/messages")
@org_role_required(*ORGANIZERS)
def shift_messages(org: Organization, shift_id: int):
    shift = _shift(org, shift_id)
    return render_page_or_block(
        "crew_admin/messages.html", "content", org=org, emails=history.emails_for_shift(shift),
        heading=f"{shift.role.name} · {shift.event.title}", event=shift.event,
        here=url_for(".shift_messages", org_slug=org.slug, shift_id=shift.id))


@bp.get("/orgs/<org_slug>/crew/people/<int:user_id>/messages")
@org_role_required(*ORGANIZERS)
def person_messages(org: Organization, user_id: int):
    person = db.session.get(User, user_id)
    if person is None or roles.profile_of(org.id, user_id) is None:
        abort(404)
    return render_page_or_block(
        "crew_admin/messages.html", "content", org=org, event=None, heading=person.name,
        emails=history.emails_for_person(org.id, user_id),
        here=url_for(".person_messages", org_slug=org.slug, user_id=user_id))


@bp.post("/orgs/<org_slug>/crew/emails/<int:email_id>/resend")
@org_role_required(*ORGANIZERS)
def resend(org: Organization, email_id: int):
    """Queue a failed email again, then go back to the message list it was sent from."""
    email = history.email_in_org(email_id, org.id)
    if email is None:
        abort(404)
    target = safe_next(request.form.get("next"), url_for(".overview", org_slug=org.slug))
    try:
        history.resend_failed(email)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return hx_redirect(target)
    return _done(f"The email to {email.to_email} is queued again.", target)


@bp.get("/orgs/<org_slug>/crew/hours.csv")
@org_role_required(*ORGANIZERS)
def hours_csv(org: Organization):
    response = make_response(attendance.hours_csv(org.id))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="crew-hours-{org.slug}.csv"'
    return response
