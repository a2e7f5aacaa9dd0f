"""Organizations: create one, its dashboard, members and invitations."""

from __future__ import annotations

from flask import abort, flash, g, render_template, url_for
from flask_login import current_user, login_required

from app.authz import ORGANIZER_ROLES, org_role_required, verified_required
from app.blueprints.orgs import bp
from app.blueprints.orgs.forms import InviteForm, OrganizationForm, RoleForm, show_domain_error
from app.extensions import db
from app.models import Organization, Role
from app.services import organizations as orgs
from app.services.errors import DomainError
from app.services.events import events_of
from app.web import hx_redirect, is_htmx, render_page_or_block


def _can_manage() -> bool:
    membership = g.get("membership")
    return current_user.is_site_admin or (membership is not None
                                          and membership.role in ORGANIZER_ROLES)


def _is_owner() -> bool:
    membership = g.get("membership")
    return current_user.is_site_admin or (membership is not None
                                          and membership.role == Role.OWNER)


@bp.route("/orgs/new", methods=["GET", "POST"])
@verified_required
def create_org():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = orgs.create_organization(current_user, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"{org.name} is ready. You are its owner.", "success")
            return hx_redirect(url_for("orgs.dashboard", org_slug=org.slug))
    return render_page_or_block("orgs/new.html", "org_form", form=form,
                                status=422 if form.errors else 200)


@bp.get("/orgs/<org_slug>")
@org_role_required()
def dashboard(org: Organization):
    manage = _can_manage()
    return render_template("orgs/dashboard.html", org=org, manage=manage,
                           membership=g.membership, events=events_of(org, public_only=not manage),
                           member_count=len(org.memberships))


def _members_page(org: Organization, invite_form: InviteForm | None = None, *,
                  block: str = "members", notice: str | None = None, status: int = 200):
    return render_page_or_block(
        "orgs/members.html", block, status=status, org=org, owner=_is_owner(),
        members=orgs.members_of(org), invitations=orgs.pending_invitations(org),
        invite_form=invite_form or InviteForm(formdata=None), notice=notice, roles=list(Role),
    )


@bp.get("/orgs/<org_slug>/members")
@org_role_required(*ORGANIZER_ROLES)
def members(org: Organization):
    return _members_page(org)


@bp.post("/orgs/<org_slug>/invitations")
@org_role_required(*ORGANIZER_ROLES)
def invite(org: Organization):
    form = InviteForm()
    if form.validate():
        try:
            orgs.invite_member(current_user, org, form.email.data, Role(form.role.data),
                               g.membership.role if g.membership else None)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"Invitation sent to {form.email.data}.", "success")
            return hx_redirect(url_for("orgs.members", org_slug=org.slug))
    return _members_page(org, form, block="invite", status=422)


def _after_member_change(org: Organization, message: str, ok: bool):
    """Flash and 303 for a plain form; the refreshed members block for htmx."""
    if is_htmx():
        return _members_page(org, notice=message, status=200 if ok else 422)
    flash(message, "success" if ok else "error")
    return hx_redirect(url_for("orgs.members", org_slug=org.slug))


def _membership_or_404(org: Organization, membership_id: int):
    try:
        return orgs.membership_in(org, membership_id)
    except LookupError:
        abort(404)


@bp.post("/orgs/<org_slug>/members/<int:membership_id>/role")
@org_role_required(Role.OWNER)
def change_role(org: Organization, membership_id: int):
    membership = _membership_or_404(org, membership_id)
    form = RoleForm()
    if not form.validate():
        return _after_member_change(org, "Choose one of the roles.", ok=False)
    try:
        orgs.change_role(current_user, membership, Role(form.role.data))
    except DomainError as error:
        return _after_member_change(org, error.message, ok=False)
    db.session.commit()
    return _after_member_change(org, f"{membership.user.name} is now {form.role.data}.", ok=True)


@bp.post("/orgs/<org_slug>/members/<int:membership_id>/remove")
@org_role_required(Role.OWNER)
def remove_member(org: Organization, membership_id: int):
    membership = _membership_or_404(org, membership_id)
    name, leaving = membership.user.name, membership.user_id == current_user.id
    try:
        orgs.remove_member(current_user, membership)
    except DomainError as error:
        return _after_member_change(org, error.message, ok=False)
    db.session.commit()
    if leaving:
        flash(f"You left {org.name}.", "success")
        return hx_redirect(url_for("main.home"))
    return _after_member_change(org, f"{name} was removed from {org.name}.", ok=True)


@bp.get("/invitations/<token>")
def invitation(token: str):
    invitation = orgs.find_invitation(token)
    problem = orgs.invitation_problem(invitation)
    return render_template("orgs/invitation.html", invitation=invitation, problem=problem,
                           token=token), problem.status if problem else 200


@bp.post("/invitations/<token>")
@login_required
def accept_invitation(token: str):
    try:
        membership = orgs.accept_invitation(token, current_user)
    except orgs.InvitationProblem as problem:
        return render_template("orgs/invitation.html", invitation=orgs.find_invitation(token),
                               problem=problem, token=token), problem.status
    db.session.commit()
    org = membership.organization
    flash(f"Welcome to {org.name}. You joined as {membership.role.value}.", "success")
    return hx_redirect(url_for("orgs.dashboard", org_slug=org.slug))
