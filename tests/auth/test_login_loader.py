"""What a logged-in request reads of its person: one statement, and a member's organizations
only when a page's navigation shows them."""

from __future__ import annotations

from app.extensions import db
from app.models import Membership
from tests.statements import statements

from .support import login_client


def _nav(page: str) -> str:
    return page[page.index('class="nav"'):page.index("</nav>")]


def _reads_memberships(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT MEMBERSHIPS")]


def test_a_person_in_no_organization_has_none_read_and_none_shown(app, make_user):
    client = login_client(app, make_user(name="Ada Attendee"))
    db.session.remove()
    with statements() as seen:
        page = client.get("/account").get_data(as_text=True)
    assert "My tickets" in _nav(page) and "/orgs/" not in _nav(page)
    assert _reads_memberships(seen) == []


def test_a_members_navigation_lists_their_organizations_read_in_one_statement(
        app, make_user, make_org):
    owner = make_user(name="Olu Owner")
    first, second = make_org(owner=owner, name="Alpha Sounds"), make_org(owner=owner,
                                                                         name="Beta Lights")
    slugs = first.slug, second.slug
    client = login_client(app, owner)
    db.session.remove()
    with statements() as seen:
        nav = _nav(client.get("/account").get_data(as_text=True))
    assert "Alpha Sounds" in nav and "Beta Lights" in nav
    assert all(f"/orgs/{slug}" in nav for slug in slugs)
    [memberships] = _reads_memberships(seen)
    assert "JOIN organizations" in memberships
    assert not any(s.lstrip().upper().startswith("SELECT ORGANIZATIONS") for s in seen)


def test_a_member_whose_last_membership_ends_shows_none(app, make_user, make_org):
    owner = make_user(name="Ode Owner")
    org = make_org(owner=owner, name="Gamma Stage")
    client = login_client(app, owner)
    db.session.execute(db.delete(Membership).where(Membership.organization_id == org.id))
    db.session.commit()
    db.session.remove()
    with statements() as seen:
        nav = _nav(client.get("/account").get_data(as_text=True))
    assert "Gamma Stage" not in nav and "/orgs/" not in nav
    assert _reads_memberships(seen) == []
