"""Creating organizations, the dashboard per role, role changes and removals."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, Membership, Organization, Role


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(db.select(AuditEntry).filter_by(action=action)).scalars())


def _membership(user, org) -> Membership | None:
    db.session.expire_all()
    return db.session.execute(db.select(Membership).filter_by(
        user_id=user.id, organization_id=org.id)).scalar_one_or_none()


# ---------------------------------------------------------------- creating

def test_verified_user_creates_an_organization_and_owns_it(make_user, login_as):
    user = make_user()
    response = login_as(user).post("/orgs/new", data={"name": "Zambezi Sound Co."})
    assert response.status_code == 303
    org = db.session.execute(db.select(Organization)).scalar_one()
    assert org.slug == "zambezi-sound-co"
    assert response.location == f"/orgs/{org.slug}"
    assert _membership(user, org).role == Role.OWNER
    [entry] = _audit("organization.created")
    assert (entry.actor_id, entry.organization_id) == (user.id, org.id)


def test_organization_slugs_stay_unique(make_user, login_as):
    client = login_as(make_user())
    for _ in range(2):
        assert client.post("/orgs/new", data={"name": "Night Owls"}).status_code == 303
    slugs = sorted(db.session.execute(db.select(Organization.slug)).scalars())
    assert slugs == ["night-owls", "night-owls-2"]


def test_reserved_word_is_not_used_as_slug(make_user, login_as):
    login_as(make_user()).post("/orgs/new", data={"name": "New"})
    org = db.session.execute(db.select(Organization)).scalar_one()
    assert org.slug != "new"
    assert login_as(make_user()).get("/orgs/new").status_code == 200


def test_unverified_user_gets_verify_required_page(make_user, login_as):
    client = login_as(make_user(verified=False))
    response = client.post("/orgs/new", data={"name": "Sneaky Events"})
    assert response.status_code == 403
    assert b"Sneaky Events" not in response.data
    assert db.session.execute(db.select(Organization)).first() is None
    assert client.get("/orgs/new").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/orgs/new")
    assert response.status_code == 302
    assert "/login" in response.location


def test_blank_name_rerenders_with_error(make_user, login_as):
    response = login_as(make_user()).post("/orgs/new", data={"name": "  "})
    assert response.status_code == 422
    assert b"error-text" in response.data
    assert db.session.execute(db.select(Organization)).first() is None


def test_invalid_form_as_htmx_returns_only_the_form(make_user, login_as):
    response = login_as(make_user(), htmx=True).post("/orgs/new", data={"name": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="org-form"' in body


# ---------------------------------------------------------------- dashboard

def test_dashboard_shows_drafts_and_tools_to_organizers(world, client_for, make_event):
    from app.models import EventStatus

    draft = make_event(world.org, status=EventStatus.DRAFT, title="Secret Rehearsal")
    body = client_for("organizer").get(f"/orgs/{world.org.slug}").get_data(as_text=True)
    assert "Secret Rehearsal" in body and "New event" in body and draft.slug in body


def test_gate_sees_a_reduced_dashboard(world, client_for, make_event):
    from app.models import EventStatus

    make_event(world.org, status=EventStatus.DRAFT, title="Secret Rehearsal")
    response = client_for("gate").get(f"/orgs/{world.org.slug}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert world.event.title in body
    assert "Secret Rehearsal" not in body and "New event" not in body


def test_non_member_gets_404_and_gate_gets_403_on_organizer_pages(world, client_for):
    slug = world.org.slug
    for path in (f"/orgs/{slug}", f"/orgs/{slug}/members", f"/orgs/{slug}/events/new"):
        assert client_for("attendee").get(path).status_code == 404, path
        assert client_for("other_organizer").get(path).status_code == 404, path
    assert client_for("gate").get(f"/orgs/{slug}/members").status_code == 403
    assert client_for("gate").get(f"/orgs/{slug}/events/new").status_code == 403
    gate_invite = client_for("gate").post(f"/orgs/{slug}/invitations",
                                          data={"email": "x@example.com", "role": "viewer"})
    assert gate_invite.status_code == 403


# ---------------------------------------------------------------- roles

def test_owner_changes_a_role(world, client_for):
    gate = world.users["gate"]
    membership = _membership(gate, world.org)
    response = client_for("organizer").post(
        f"/orgs/{world.org.slug}/members/{membership.id}/role", data={"role": "manager"})
    assert response.status_code == 303
    assert _membership(gate, world.org).role == Role.MANAGER
    [entry] = _audit("member.role_changed")
    assert entry.details["old"] == "gate" and entry.details["new"] == "manager"


def test_role_change_over_htmx_returns_the_members_block(world, client_for):
    membership = _membership(world.users["gate"], world.org)
    response = client_for("organizer", htmx=True).post(
        f"/orgs/{world.org.slug}/members/{membership.id}/role", data={"role": "viewer"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="members"' in body and "<html" not in body and "is now viewer" in body


def test_last_owner_cannot_step_down_or_be_removed(world, client_for):
    owner = world.users["organizer"]
    membership = _membership(owner, world.org)
    client = client_for("organizer")
    base = f"/orgs/{world.org.slug}/members/{membership.id}"
    assert client.post(f"{base}/role", data={"role": "manager"}).status_code == 303
    assert client.post(f"{base}/remove").status_code == 303
    assert _membership(owner, world.org).role == Role.OWNER
    page = client.get(f"/orgs/{world.org.slug}/members").get_data(as_text=True)
    assert "at least one owner" in page or "last owner" in page
    htmx = client_for("organizer", htmx=True).post(f"{base}/role", data={"role": "viewer"})
    assert htmx.status_code == 422 and b"at least one owner" in htmx.data
    assert _audit("member.role_changed") == [] and _audit("member.removed") == []


def test_owner_can_step_down_when_another_owner_exists(world, client_for, make_user,
                                                       make_member):
    make_member(make_user(), world.org, Role.OWNER)
    owner = world.users["organizer"]
    membership = _membership(owner, world.org)
    response = client_for("organizer").post(
        f"/orgs/{world.org.slug}/members/{membership.id}/role", data={"role": "manager"})
    assert response.status_code == 303
    assert _membership(owner, world.org).role == Role.MANAGER


def test_owner_removes_a_member(world, client_for):
    gate = world.users["gate"]
    membership = _membership(gate, world.org)
    response = client_for("organizer").post(
        f"/orgs/{world.org.slug}/members/{membership.id}/remove")
    assert response.status_code == 303
    assert _membership(gate, world.org) is None
    [entry] = _audit("member.removed")
    assert entry.details["user_id"] == gate.id
    assert client_for("gate").get(f"/orgs/{world.org.slug}").status_code == 404


def test_manager_cannot_change_roles(world, client_for, make_user, make_member, login_as):
    manager = make_user()
    make_member(manager, world.org, Role.MANAGER)
    membership = _membership(world.users["gate"], world.org)
    response = login_as(manager).post(
        f"/orgs/{world.org.slug}/members/{membership.id}/role", data={"role": "owner"})
    assert response.status_code == 403
    assert _membership(world.users["gate"], world.org).role == Role.GATE


def test_membership_of_another_org_is_404(world, client_for):
    foreign = _membership(world.users["other_organizer"], world.other_org)
    response = client_for("organizer").post(
        f"/orgs/{world.org.slug}/members/{foreign.id}/remove")
    assert response.status_code == 404
    assert _membership(world.users["other_organizer"], world.other_org) is not None


def test_invalid_role_is_refused(world, client_for):
    membership = _membership(world.users["gate"], world.org)
    response = client_for("organizer").post(
        f"/orgs/{world.org.slug}/members/{membership.id}/role", data={"role": "emperor"})
    assert response.status_code == 303
    assert _membership(world.users["gate"], world.org).role == Role.GATE
