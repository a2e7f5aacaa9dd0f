"""Reading orders for their buyer and for organizers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.accounts import User
from app.models.events import Event
from app.models.orders import (
    OPEN_STATUSES,
    ManualPaymentProof,
    Order,
    OrderStatus,
    OrganizationPaymentSettings,
    PaymentMethod,
    PaymentStatus,
    SandboxCharge,
)
from app.models.types import utcnow
from app.services.orders.codes import normalise_code
from app.services.orders.settings import payment_settings
from app.services.payments import sandbox


@dataclass(frozen=True)
class OrderState:
    version: int
    status: str
    expires_at: datetime | None

    @property
    def due(self) -> bool:
        """Open with its window over: the poll expires it rather than answer 204."""
        return (self.status in OPEN_STATUSES and self.expires_at is not None
                and self.expires_at <= utcnow())


def buyer_order(code: str, user: User) -> Order | None:
    """The order with `code` if `user` bought it (anyone else: None, so 404), with its event,
    organization and lines (what the order page shows) in the same statement."""
    return db.session.scalars(
        select(Order).where(Order.code == normalise_code(code), Order.user_id == user.id)
        .options(joinedload(Order.event, innerjoin=True)
                 .joinedload(Event.organization, innerjoin=True),
                 joinedload(Order.lines))
    ).unique().one_or_none()


def order_state(code: str, user_id: int) -> OrderState | None:
    """Version and status of the buyer's order: the one cheap query of a poll."""
    row = db.session.execute(
        select(Order.version, Order.status, Order.expires_at)
        .where(Order.code == normalise_code(code), Order.user_id == user_id)).one_or_none()
    return None if row is None else OrderState(row.version, str(row.status), row.expires_at)


@dataclass(frozen=True)
class PaymentStep:
    """What the buyer's order page shows as the next step of paying, read only while it is
    one: the card session and whether the last card was declined, or the organization's
    transfer instructions. A settled order has none of them."""

    charge: SandboxCharge | None = None
    declined: bool = False
    settings: OrganizationPaymentSettings | None = None


def payment_step(order: Order) -> PaymentStep:
    if order.status != OrderStatus.PENDING_PAYMENT:
        return PaymentStep()
    if order.payment_method == PaymentMethod.SANDBOX:
        return PaymentStep(charge=sandbox.latest_charge(order), declined=card_declined(order))
    if order.payment_method == PaymentMethod.MANUAL:
        return PaymentStep(settings=payment_settings(order.event.organization))
    return PaymentStep()


def card_declined(order: Order) -> bool:
    """Whether the latest card payment attempt of the order was declined."""
    latest = order.payments[-1] if order.payments else None
    return latest is not None and latest.status == PaymentStatus.FAILED


def receipt_for(proof_id: int, user: User) -> ManualPaymentProof | None:
    """A receipt the user may download: their own order's, or an order of an organization
    they organize (owner or manager), or any for a site admin."""
    from app.models.accounts import ORGANIZER_ROLES, Membership

    proof = db.session.get(ManualPaymentProof, proof_id)
    if proof is None or proof.receipt_path is None:
        return None
    order = proof.order
    if order.user_id == user.id or user.is_site_admin:
        return proof
    org_id = db.session.scalar(select(Event.organization_id).where(Event.id == order.event_id))
    role = db.session.scalar(select(Membership.role).where(
        Membership.user_id == user.id, Membership.organization_id == org_id))
    return proof if role in ORGANIZER_ROLES else None
