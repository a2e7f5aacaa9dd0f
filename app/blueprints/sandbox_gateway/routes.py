"""The sandbox gateway's hosted payment page. Like a real gateway's, it is reached by an
unguessable session token, not by our login; it reports the outcome by signed webhook."""

from __future__ import annotations

from flask import abort, redirect, url_for

from app.blueprints.orgs.forms import show_domain_error
from app.blueprints.sandbox_gateway import bp
from app.blueprints.sandbox_gateway.forms import CardForm
from app.extensions import db
from app.services.errors import DomainError
from app.services.payments import sandbox
from app.web import render_page_or_block

PAGE = "sandbox/pay.html"


def _charge_or_404(token: str):
    charge = sandbox.open_charge(token)
    if charge is None:
        abort(404)
    return charge


def _page(charge, form: CardForm, status: int = 200, declined: str = ""):
    return render_page_or_block(PAGE, "payment", status=status, charge=charge, form=form,
                                declined=declined, cards=sandbox.TEST_CARDS)


@bp.get("/sandbox-gateway/pay/<token>")
def pay(token: str):
    return _page(_charge_or_404(token), CardForm())


@bp.post("/sandbox-gateway/pay/<token>")
def charge_card(token: str):
    charge, form = _charge_or_404(token), CardForm()
    if not charge.order.is_open:
        return redirect(url_for("checkout.order_page", code=charge.order.code), code=303)
    if not form.validate():
        return _page(charge, form, 422)
    try:
        result = sandbox.pay_with_card(charge, form.number.data, form.expiry.data,
                                       form.cvc.data)
    except DomainError as error:
        show_domain_error(form, error)
        return _page(charge, form, 422)
    code = charge.order.code
    db.session.commit()
    if result.outcome == "declined":
        return _page(charge, CardForm(), 422, declined=result.message)
    return redirect(url_for("checkout.order_page", code=code), code=303)
