"""Organizers: the queue of manual payments awaiting approval, payment settings, and
cancelling orders. Every route is scoped to the organization in the URL."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from app.authz import ORGANIZER_ROLES, org_role_required
from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.payments_admin import bp
from app.blueprints.payments_admin.forms import CancelForm, PaymentSettingsForm, RejectForm
from app.extensions import db
from app.services import orders
from app.services.errors import DomainError
from app.web import hx_redirect, is_htmx, render_page_or_block

QUEUE, ROW, SETTINGS, DETAIL = ("payments/queue.html", "payments/_queue_row.html",
                                "payments/settings.html", "payments/order.html")


def _org_order_or_404(org, code: str):
    order = orders.org_order(org, code)
    if order is None:
        abort(404)
    return order


@bp.get("/orgs/<org_slug>/payments")
@org_role_required(*ORGANIZER_ROLES)
def queue(org):
    return render_page_or_block(QUEUE, "queue", org=org, queue=orders.approval_queue(org),
                                reject_form=RejectForm())


def _row(org, order, reject_form=None, status: int = 200, message: str = ""):
    """The queue row alone for htmx; back to the queue otherwise."""
    if not is_htmx():
        if message:
            flash(message, "error" if status >= 400 else "success")
        return hx_redirect(url_for("payments_admin.queue", org_slug=org.slug))
    return render_template(ROW, org=org, order=order, reject_form=reject_form or RejectForm(),
                           message=message), status


@bp.post("/orgs/<org_slug>/payments/<code>/approve")
@org_role_required(*ORGANIZER_ROLES)
def approve(org, code: str):
    order = _org_order_or_404(org, code)
    try:
        orders.approve(order, current_user)
    except DomainError as error:
        db.session.rollback()
        return _row(org, _org_order_or_404(org, code), status=409, message=error.message)
    db.session.commit()
    return _row(org, order, message=f"Order {code} approved; tickets issued.")


@bp.post("/orgs/<org_slug>/payments/<code>/reject")
@org_role_required(*ORGANIZER_ROLES)
def reject(org, code: str):
    order, form = _org_order_or_404(org, code), RejectForm()
    if not form.validate():
        return _row(org, order, form, 422, form.reason.errors[0])
    try:
        orders.reject(order, current_user, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        return _row(org, _org_order_or_404(org, code), form, 422, error.message)
    db.session.commit()
    return _row(org, order, message=f"Order {code} rejected; the buyer was told why.")


@bp.post("/orgs/<org_slug>/payments/approve")
@org_role_required(*ORGANIZER_ROLES)
def bulk_approve(org):
    approved, problems = orders.bulk_approve(org, request.form.getlist("codes"), current_user)
    db.session.commit()
    if approved:
        flash(f"Approved {len(approved)} order(s): {', '.join(approved)}.", "success")
    for problem in problems:
        flash(problem, "error")
    if not approved and not problems:
        flash("Tick the orders to approve first.", "info")
    return hx_redirect(url_for("payments_admin.queue", org_slug=org.slug))


@bp.route("/orgs/<org_slug>/payments/settings", methods=["GET", "POST"])
@org_role_required(*ORGANIZER_ROLES)
def settings(org):
    form = PaymentSettingsForm(obj=orders.payment_settings(org))
    if form.validate_on_submit():
        try:
            orders.update_payment_settings(current_user, org, **{
                name: getattr(form, name).data for name in (
                    "bank_instructions", "mobile_money_instructions", "payment_minutes",
                    "approval_hours")})
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash("Payment settings saved.", "success")
            return hx_redirect(url_for("payments_admin.settings", org_slug=org.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_page_or_block(SETTINGS, "settings_form", status=status, org=org, form=form)


@bp.get("/orgs/<org_slug>/orders/<code>")
@org_role_required(*ORGANIZER_ROLES)
def order_detail(org, code: str):
    return render_page_or_block(DETAIL, "content", org=org,
                                order=_org_order_or_404(org, code), form=CancelForm())


@bp.post("/orgs/<org_slug>/orders/<code>/cancel")
@org_role_required(*ORGANIZER_ROLES)
def cancel(org, code: str):
    order, form = _org_order_or_404(org, code), CancelForm()
    try:
        if form.validate():
            orders.cancel_order(order, current_user, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
    if form.errors or form.form_errors:
        return render_page_or_block(DETAIL, "content", status=422, org=org,
                                    order=_org_order_or_404(org, code), form=form)
    db.session.commit()
    flash(f"Order {code} cancelled.", "success")
    return hx_redirect(url_for("payments_admin.order_detail", org_slug=org.slug, code=code))
