"""Checkout, the buyer's order page (live status, manual payment proof) and receipts.

Views parse, call one order service, commit, and render blocks of `checkout/checkout.html`
or `orders/order.html`. Payment starts after the order's transaction commits.
"""

from __future__ import annotations

from flask import abort, redirect, request, send_file, session, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from app.authz import verified_required
from app.blueprints.checkout import bp
from app.blueprints.checkout.forms import CheckoutForm, ProofForm
from app.blueprints.orgs.forms import show_domain_error
from app.commits import commit_keeping_loaded
from app.extensions import db
from app.models.orders import Order
from app.models.types import utcnow
from app.services import orders, payments
from app.services.errors import DomainError
from app.services.events import visible_event
from app.services.orders.receipts import receipt_file
from app.web import no_change, render_page_or_block

CHECKOUT, ORDER = "checkout/checkout.html", "orders/order.html"


def _event_or_404(slug: str):
    event = visible_event(slug, current_user)
    if event is None:
        abort(404)
    return event


def _checkout_page(event, form: CheckoutForm, view, status: int = 200, error: str = ""):
    if view is not None:
        form.payment_method.choices = [SelectChoice(*m) for m in view.methods]
        if not form.payment_method.data and view.methods:
            form.payment_method.data = view.methods[0][0]
    return render_page_or_block(CHECKOUT, "checkout", status=status, event=event, form=form,
                                view=view, error=error, now=utcnow())


@bp.get("/events/<slug>/checkout")
@verified_required
def checkout(slug: str):
    event = _event_or_404(slug)
    form = CheckoutForm()
    try:
        view = orders.checkout_view(event, session.get("cart_id"))
    except DomainError as error:
        return _checkout_page(event, form, None, error=error.message)
    form.prefill(view.slots, current_user)
    return _checkout_page(event, form, view)


@bp.post("/events/<slug>/checkout")
@verified_required
def place_order(slug: str):
    """The form is checked against every payment method; the service refuses one that is
    not open for this order. The checkout view is read again only to draw a refusal."""
    event = _event_or_404(slug)
    form, cart = CheckoutForm(), session.get("cart_id")
    form.payment_method.choices = orders.METHOD_CHOICES
    if not form.validate():
        return _refused(event, form, cart, 422)
    try:
        order = orders.place_order(event, cart, current_user, form.attendee_inputs(),
                                   form.payment_method.data)
        step = payments.provider(order.payment_method.value).start(order)
    except DomainError as error:
        db.session.rollback()
        return _refused(event, form, cart, 409, error.message)
    db.session.commit()
    return redirect(url_for(step.endpoint, **step.values), code=303)


def _refused(event, form: CheckoutForm, cart, status: int, message: str = ""):
    try:
        view = orders.checkout_view(event, cart)
    except DomainError as error:  # nothing left to buy: say why rather than the form's
        return _checkout_page(event, form, None, 409, error.message)
    return _checkout_page(event, form, view, status, message)


# ---------------------------------------------------------------- the order page

def _order_or_404(code: str) -> Order:
    order = orders.buyer_order(code, current_user)
    if order is None:
        abort(404)
    return order


def _tickets_url() -> str | None:
    try:
        return url_for("tickets.my_tickets")
    except BuildError:
        return None


def _order_page(order: Order, proof_form: ProofForm | None = None, status: int = 200):
    proof_form = proof_form or ProofForm()
    step = orders.payment_step(order)
    return render_page_or_block(
        ORDER, "order_status", status=status, order=order, proof_form=proof_form,
        charge=step.charge, declined=step.declined, settings=step.settings,
        tickets_url=_tickets_url(), now=utcnow())


@bp.get("/orders/<code>")
@login_required
def order_page(code: str):
    """Where the buyer lands back from a hosted payment page: a charge the provider reports
    as succeeded is applied here and then, so the buyer arrives on a paid order."""
    order = _order_or_404(code)
    if orders.settle_on_return(order):
        commit_keeping_loaded()  # the page shows the order just settled, as it is in hand
    return _order_page(order)


@bp.get("/orders/<code>/status")
@login_required
def order_status(code: str):
    """Polled by the order page: 204 while the order's version is unchanged."""
    state = orders.order_state(code, current_user.id)
    if state is None:
        abort(404)
    if str(state.version) == request.args.get("v") and not state.due:
        return no_change()
    order = _order_or_404(code)
    if orders.expire_order(order.id):
        db.session.commit()
    return _order_page(order)


@bp.post("/orders/<code>/proof")
@verified_required
def submit_proof(code: str):
    order, form = _order_or_404(code), ProofForm()
    if not form.validate():
        return _order_page(order, form, 422)
    upload = form.receipt.data
    try:
        orders.submit_proof(order, form.channel.data, form.reference.data,
                            upload.read() if upload else None)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        too_large = isinstance(error, orders.ReceiptTooLarge)
        return _order_page(_order_or_404(code), form, 413 if too_large else 422)
    db.session.commit()
    return redirect(url_for("checkout.order_page", code=order.code), code=303)


@bp.get("/receipts/<int:proof_id>")
@login_required
def receipt(proof_id: int):
    proof = orders.receipt_for(proof_id, current_user)
    path = receipt_file(proof.receipt_path) if proof is not None else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=proof.receipt_content_type, as_attachment=True,
                         download_name=f"receipt-{proof.order.code}{path.suffix}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
