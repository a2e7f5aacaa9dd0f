"""Authorization matrix: organizations, members and invitations."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Invitation, Membership, Role
from app.models.types import utcnow
from app.services.organizations import hash_token
from tests.authz import Route

# Organizer pages: members of world.org with an organizer role (and site admins) only.
ORGANIZER_PAGE = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORGANIZER_POST = dict(ORGANIZER_PAGE, organizer=303, site_admin=303)
OWNER_POST = ORGANIZER_POST  # the organizer of `world` is its owner


def _membership_id(world, role: str = "gate") -> int:
    return db.session.execute(db.select(Membership.id).filter_by(
        user_id=world.users[role].id, organization_id=world.org.id)).scalar_one()


def _invitation_url(world) -> str:
    """A live invitation of world.org for the attendee's address."""
    token = "authz-invitation-token"
    db.session.add(Invitation(organization_id=world.org.id, email=world.users["attendee"].email,
                              role=Role.VIEWER, token_hash=hash_token(token),
                              expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    return f"/invitations/{token}"


ROUTES = [
    Route("orgs.create_org", "GET", lambda w: "/orgs/new", {"*": 200, "anonymous": 302},
          note="every world user is verified"),
    Route("orgs.create_org", "POST", lambda w: "/orgs/new", {"*": 303, "anonymous": 302},
          data=lambda w: {"name": "Matrix Events"}),
    Route("orgs.dashboard", "GET", lambda w: f"/orgs/{w.org.slug}",
          {"*": 404, "anonymous": 302, "gate": 200, "organizer": 200, "site_admin": 200}),
    Route("orgs.members", "GET", lambda w: f"/orgs/{w.org.slug}/members", ORGANIZER_PAGE),
    Route("orgs.invite", "POST", lambda w: f"/orgs/{w.org.slug}/invitations", ORGANIZER_POST,
          data=lambda w: {"email": "matrix-invitee@example.com", "role": "viewer"}),
    Route("orgs.change_role", "POST",
          lambda w: f"/orgs/{w.org.slug}/members/{_membership_id(w)}/role", OWNER_POST,
          data=lambda w: {"role": "viewer"}),
    Route("orgs.remove_member", "POST",
          lambda w: f"/orgs/{w.org.slug}/members/{_membership_id(w)}/remove", OWNER_POST),
    Route("orgs.invitation", "GET", _invitation_url, {"*": 200}),
    Route("orgs.accept_invitation", "POST", _invitation_url,
          {"*": 403, "anonymous": 302, "attendee": 303},
          note="only the invited address may accept"),
]
