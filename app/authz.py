"""Who may see what: login, verified email and organization-role decorators.

Objects that belong to someone else answer 404, so their existence is not revealed. A member
of the organization whose role is too low gets 403: they know the object exists.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, render_template
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Membership, Organization, Role
from app.models.accounts import ORGANIZER_ROLES

__all__ = ["login_required", "verified_required", "org_role_required", "ORGANIZER_ROLES"]


def verified_required(view):
    """Logged in with a verified email; otherwise a page that says why and offers a resend."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_verified:
            return render_template("auth/verify_required.html"), 403
        return view(*args, **kwargs)

    return wrapped


def membership_for(user, organization: Organization) -> Membership | None:
    return db.session.execute(
        db.select(Membership).filter_by(user_id=user.id, organization_id=organization.id)
    ).scalar_one_or_none()


def org_role_required(*roles: Role):
    """Load `org_slug` from the URL as `org`; the user must hold one of `roles` in it.

    Site admins pass. Non-members get 404; members with another role get 403.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, org_slug: str, **kwargs):
            org = db.session.execute(
                db.select(Organization).filter_by(slug=org_slug)
            ).scalar_one_or_none()
            if org is None:
                abort(404)
            membership = membership_for(current_user, org)
            if not current_user.is_site_admin:
                if membership is None:
                    abort(404)
                if roles and membership.role not in roles:
                    abort(403)
            g.organization, g.membership = org, membership
            return view(*args, org=org, **kwargs)

        return wrapped

    return decorator
