"""Booths held by applications: reserved on approval, assigned once the fee is paid.

The guard is the unique key `one_vendor_per_booth` on `(event_id, booth_id)`: the check
before the write gives a friendly message in the common case, and when two requests race
past the check the second write fails in its savepoint and becomes `BoothTaken`.
Tests may set `VENDOR_RACE_PAUSE` (TESTING only) to widen the window between check and
write, which shows the race when the constraint is dropped.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.accounts import User
from app.models.orders import Order, OrderStatus, PaymentMethod
from app.models.types import utcnow
from app.models.vendors import ApplicationStatus as S
from app.models.vendors import Booth, BoothApplication
from app.services.orders import hooks, settings
from app.services.orders.checkout import available_methods
from app.services.orders.codes import new_order_code
from app.services.orders.errors import PaymentMethodUnavailable
from app.services.orders.payment_state import mark_paid
from app.services.tickets.invoices import issue_invoice
from app.services.vendors import applications, floorplan
from app.services.vendors.errors import BoothTaken, InvalidTransition


def _race_pause() -> None:
    config = current_app.config
    if config.get("TESTING") and config.get("VENDOR_RACE_PAUSE"):
        time.sleep(float(config["VENDOR_RACE_PAUSE"]))


def hold_booth(application: BoothApplication, booth: Booth) -> None:
    """Give `booth` to the application (flushes); BoothTaken when someone holds it."""
    if booth.event_id != application.event_id or booth.reserved:
        raise BoothTaken(f"Booth {booth.label} cannot be given to a vendor.")
    if application.booth_id == booth.id:
        return
    holder = db.session.scalar(select(BoothApplication.id).where(
        BoothApplication.event_id == booth.event_id, BoothApplication.booth_id == booth.id))
    if holder is not None:
        raise BoothTaken(f"Booth {booth.label} is already taken by another vendor.")
    _race_pause()
    try:
        with db.session.begin_nested():
            application.booth = booth
            db.session.flush()
    except IntegrityError as exc:
        db.session.refresh(application)
        raise BoothTaken(f"Booth {booth.label} was just taken by another vendor.") from exc
    application.touch()


def free_booths(application: BoothApplication) -> list[Booth]:
    """Booths the application could get: its preferences first, then others of its type."""
    held = floorplan.held_booth_ids(application.event)
    spots = [b for b in floorplan.booths(application.event)
             if not b.reserved and b.id not in held]
    by_id = {b.id: b for b in spots}
    preferred = [by_id[i] for i in application.preferences or [] if i in by_id]
    same_type = [b for b in spots if b.booth_type_id == application.booth_type_id
                 and b not in preferred]
    return preferred + same_type


def place_booth_order(application: BoothApplication, buyer: User, method: str,
                      now: datetime | None = None) -> Order:
    """An order for the booth fee, paid through the normal checkout (flushes; the caller
    commits and then starts the payment). An open order is returned as it is."""
    now = now or utcnow()
    if application.status != S.APPROVED:
        raise InvalidTransition("Only an approved application can be paid.")
    if application.order is not None and application.order.is_open:
        return application.order
    fee = application.booth_type.price
    if method not in dict(available_methods(application.event, fee)):
        raise PaymentMethodUnavailable()
    org_settings = settings.payment_settings(application.event.organization)
    window = (settings.approval_window(org_settings) if method == PaymentMethod.MANUAL
              else settings.payment_window(org_settings))
    order = Order(code=new_order_code(), event_id=application.event_id, user_id=buyer.id,
                  buyer_email=buyer.email, buyer_name=buyer.name,
                  currency=application.booth_type.currency, total=fee, created_at=now,
                  status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod(method),
                  expires_at=now + window, version=1)
    db.session.add(order)
    db.session.flush()
    application.order_id = order.id
    application.touch()
    if method == PaymentMethod.FREE:
        mark_paid(order, now)
    return order


@hooks.on_paid
def booth_order_paid(order: Order) -> None:
    """Orders hook: a paid booth fee gets its invoice and assigns the held booth, or the first
    free one of the vendor's preferences (then of their type); with none free the
    application waits as paid for the organizer. The vendor pass is asked for once a booth
    is assigned."""
    if order.lines:  # a ticket order; a booth fee has no lines
        return
    application = db.session.scalar(select(BoothApplication).where(
        BoothApplication.order_id == order.id))
    if application is None or application.status != S.APPROVED:
        return
    applications.transition(application, S.PAID, None,
                            f"We received {order.total} {order.currency}.")
    assign_after_payment(application)
    # Numbered in the transaction that marks the fee paid, and last: the number takes the
    # organization's counter lock until commit, which the booth's own guard must not wait on.
    issue_invoice(order)


def assign_after_payment(application: BoothApplication) -> bool:
    """Assign a booth to a paid application if one can be held; True when assigned."""
    candidates = [application.booth] if application.booth else free_booths(application)
    for booth in candidates:
        try:
            hold_booth(application, booth)
        except BoothTaken:
            continue
        confirm_assignment(application, None)
        return True
    return False


def confirm_assignment(application: BoothApplication, actor: User | None) -> None:
    """Paid with a booth held: assigned, and the vendor pass is rendered and emailed."""
    from app.services.vendors import passes

    applications.transition(application, S.ASSIGNED, actor,
                            f"Your booth is {application.booth.label}.")
    passes.request_pass(application)


def assign_booth(application: BoothApplication, booth: Booth, actor: User) -> None:
    """The organizer gives a paid application a booth."""
    if application.status != S.PAID:
        raise InvalidTransition("Only a paid application waiting for a booth can be assigned.")
    hold_booth(application, booth)
    confirm_assignment(application, actor)
