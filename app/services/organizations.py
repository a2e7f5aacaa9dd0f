"""Organizations: creation, members and their roles, invitations by email.

Every change that affects who may do what in an organization leaves an `AuditEntry`.
Functions flush; the caller commits once (and the invitation email goes out after that).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from app.extensions import db
from app.models import AuditEntry, Invitation, Membership, Organization, Role, User
from app.models.types import utcnow
from app.services.accounts import normalise_email
from app.services.errors import DomainError
from app.services.outbox import queue_email

INVITATION_MAX_AGE = timedelta(days=7)
ROLE_LABELS = {
    Role.OWNER: "Owner: everything, including members and roles",
    Role.MANAGER: "Manager: events and invitations",
    Role.GATE: "Gate staff: check-in at the door",
    Role.VIEWER: "Viewer: read-only",
}


class InvitationProblem(DomainError):
    """The invitation link cannot be used: unknown (404), used or expired (410), or meant
    for another email address (403). `status` is the HTTP status a page should answer."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- slugs and audit

def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug: "Zambezi Jazz Night!" → "zambezi-jazz-night"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


# Path words that a slug must not shadow (/orgs/new, /orgs/<org>/events/new).
RESERVED_SLUGS = frozenset({"new", "edit", "members", "invitations", "events", "settings"})


def unique_slug(model, text: str, *, max_length: int = 60) -> str:
    """`slugify(text)`, made unique in `model.slug` with a numeric suffix when taken."""
    base = slugify(text, max_length) or "untitled"
    taken = set(db.session.execute(
        db.select(model.slug).where(model.slug.like(f"{base}%"))
    ).scalars()) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[:max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def record_audit(actor: User | None, organization: Organization | None, action: str,
                 obj: object, **details) -> AuditEntry:
    """Write who did `action` to `obj` (any model with an `id`) in `organization`."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        organization_id=organization.id if organization else None,
        action=action, object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None), details=details,
    )
    db.session.add(entry)
    return entry


# ---------------------------------------------------------------- organizations

def create_organization(owner: User, name: str) -> Organization:
    """Create an organization with a unique slug; `owner` becomes its first owner."""
    name = name.strip()
    if not name:
        raise DomainError("Please give the organization a name.", field="name")
    org = Organization(name=name, slug=unique_slug(Organization, name), contact_email=owner.email)
    db.session.add(org)
    db.session.add(Membership(user=owner, organization=org, role=Role.OWNER))
    db.session.flush()
    record_audit(owner, org, "organization.created", org, name=name)
    db.session.flush()
    return org


def members_of(org: Organization) -> list[Membership]:
    """Memberships of `org`, owners first, then by name."""
    order = {Role.OWNER: 0, Role.MANAGER: 1, Role.GATE: 2, Role.VIEWER: 3}
    rows = db.session.execute(
        db.select(Membership).join(Membership.user)
        .where(Membership.organization_id == org.id).order_by(User.name, User.email)
    ).scalars().all()
    return sorted(rows, key=lambda m: order[m.role])


def membership_in(org: Organization, membership_id: int) -> Membership:
    """A membership of `org` by id; someone else's id is a 404 for the caller."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != org.id:
        raise LookupError(membership_id)
    return membership


def _owner_count(org: Organization) -> int:
    return db.session.execute(
        db.select(func.count()).select_from(Membership)
        .where(Membership.organization_id == org.id, Membership.role == Role.OWNER)
    ).scalar_one()


def change_role(actor: User, membership: Membership, role: Role) -> Membership:
    """Give `membership` a new role; the last owner cannot step down."""
    old = membership.role
    if old == role:
        return membership
    if old == Role.OWNER and _owner_count(membership.organization) <= 1:
        raise DomainError("An organization needs at least one owner. Make someone else an "
                          "owner first.")
    membership.role = role
    record_audit(actor, membership.organization, "member.role_changed", membership,
                 user_id=membership.user_id, old=old.value, new=role.value)
    db.session.flush()
    return membership


def remove_member(actor: User, membership: Membership) -> None:
    """Remove `membership`; the last owner cannot be removed."""
    org = membership.organization
    if membership.role == Role.OWNER and _owner_count(org) <= 1:
        raise DomainError("The last owner cannot be removed. Make someone else an owner first.")
    record_audit(actor, org, "member.removed", membership, user_id=membership.user_id,
                 email=membership.user.email, role=membership.role.value)
    db.session.delete(membership)
    db.session.flush()


# ---------------------------------------------------------------- invitations

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pending_invitations(org: Organization) -> list[Invitation]:
    """Invitations of `org` not yet accepted and not expired, newest first."""
    return list(db.session.execute(
        db.select(Invitation)
        .where(Invitation.organization_id == org.id, Invitation.accepted_at.is_(None),
               Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())
    ).scalars())


def invite_member(inviter: User, org: Organization, email: str, role: Role,
                  inviter_role: Role | None) -> Invitation:
    """Invite `email` to `org` with `role` and queue the email with a single-use link.

    Only a hash of the link's token is stored. Inviting again replaces the earlier invitation.
    Managers may invite anyone but owners (`inviter_role` None means a site admin).
    """
    email = normalise_email(email)
    if role == Role.OWNER and inviter_role not in (Role.OWNER, None):
        raise DomainError("Only an owner can invite another owner.", field="role")
    existing_member = db.session.execute(
        db.select(Membership).join(Membership.user)
        .where(Membership.organization_id == org.id, func.lower(User.email) == email)
    ).scalar_one_or_none()
    if existing_member is not None:
        raise DomainError(f"{email} is already a member of {org.name}.", field="email")
    for old in db.session.execute(db.select(Invitation).filter_by(
            organization_id=org.id, email=email, accepted_at=None)).scalars():
        db.session.delete(old)
    token = secrets.token_urlsafe(32)
    max_age = current_app.config.get("INVITATION_MAX_AGE", INVITATION_MAX_AGE)
    invitation = Invitation(organization=org, email=email, role=role,
                            token_hash=hash_token(token), invited_by_id=inviter.id,
                            expires_at=utcnow() + max_age)
    db.session.add(invitation)
    db.session.flush()
    record_audit(inviter, org, "member.invited", invitation, email=email, role=role.value)
    _queue_invitation_email(invitation, inviter, token)
    return invitation


def _queue_invitation_email(invitation: Invitation, inviter: User, token: str) -> None:
    # Built on the configured public address, never on the request's Host header.
    path = current_app.url_map.bind("localhost").build("orgs.invitation", {"token": token})
    link = current_app.config["PUBLIC_URL"] + path
    queue_email(
        invitation.email, "org_invitation",
        f"{inviter.name} invited you to {invitation.organization.name} on Marquee",
        related=("invitation", invitation.id), invitation=invitation, inviter=inviter,
        link=link, role_label=ROLE_LABELS[invitation.role],
    )


def find_invitation(token: str) -> Invitation | None:
    """The invitation whose link carries `token`, whatever its state."""
    return db.session.execute(
        db.select(Invitation).filter_by(token_hash=hash_token(token))
    ).scalar_one_or_none()


def invitation_problem(invitation: Invitation | None,
                       now: datetime | None = None) -> InvitationProblem | None:
    """Why this invitation cannot be accepted by anyone, or None when it still can."""
    if invitation is None:
        return InvitationProblem("This invitation link is not valid. Ask the organizer to "
                                 "send a new one.", 404)
    if invitation.accepted_at is not None:
        return InvitationProblem("This invitation has already been used.", 410)
    if (now or utcnow()) >= invitation.expires_at:
        return InvitationProblem("This invitation has expired. Ask the organizer to send a "
                                 "new one.", 410)
    return None


def accept_invitation(token: str, user: User) -> Membership:
    """Turn the invitation into a membership for `user`, who must own the invited email."""
    invitation = db.session.execute(
        db.select(Invitation).filter_by(token_hash=hash_token(token)).with_for_update()
    ).scalar_one_or_none()
    problem = invitation_problem(invitation)
    if problem:
        raise problem
    if user.email.lower() != invitation.email.lower():
        raise InvitationProblem(f"This invitation is for {invitation.email}. Log in with that "
                                "address to accept it.", 403)
    org = invitation.organization
    invitation.accepted_at = utcnow()
    membership = db.session.execute(
        db.select(Membership).filter_by(user_id=user.id, organization_id=org.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(user=user, organization=org, role=invitation.role)
        db.session.add(membership)
        db.session.flush()
    record_audit(user, org, "member.joined", membership, invitation_id=invitation.id,
                 role=membership.role.value)
    db.session.flush()
    return membership
