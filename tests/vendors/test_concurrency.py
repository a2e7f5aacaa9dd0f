"""One booth, one vendor: real threads over HTTP on PostgreSQL.

A threaded WSGI server runs an app from the factory. Two organizers (each their own session
cookie) give the same booth to two different applications at the same moment, through the
review panel's approve-with-a-booth form and through the assign form for paid applications;
and two sandbox payment webhooks for applications preferring the same booth arrive at once.
A test-only pause between the "is it free?" check and the write (`VENDOR_RACE_PAUSE`) widens
the window. Each race is first run in a database of its own whose `booth_applications` lacks
the unique key `(event_id, booth_id)`, to show that it really happens; then with the key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models.accounts import Role
from app.models.vendors import ApplicationStatus as S
from app.models.vendors import BoothApplication
from app.services.vendors import applications, assignment, review
from tests.conftest import BACKEND, PG_URL, base_config, require_service
from tests.orders.conftest import signed_headers, webhook_body
from tests.vendors.conftest import Market

pytestmark = pytest.mark.postgres
PAUSE = 0.3


@pytest.fixture(autouse=True)
def _postgres_only():
    require_service(BACKEND == "postgres", "PostgreSQL is not configured (set TEST_DATABASE_URL)")


@pytest.fixture
def unguarded_database():
    """A database of its own, dropped after; the test removes the unique key in it."""
    from app.config import _database_url as normalise

    admin_url = make_url(normalise(PG_URL))
    name = f"{admin_url.database}_booth_race"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def serving(database_url: str | None = None):
    """A real threaded HTTP server for an app built from the factory, inside its context.

    With `database_url`, the app uses that database, its schema is made there and the unique
    key that keeps one vendor per booth is dropped: the guard is off."""
    overrides = {"VENDOR_RACE_PAUSE": PAUSE}
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = database_url
    app = create_app(base_config(**overrides))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            if database_url:
                db.create_all()
                db.session.execute(text(
                    "ALTER TABLE booth_applications DROP CONSTRAINT one_vendor_per_booth"))
                db.session.commit()
            yield f"http://127.0.0.1:{server.server_port}", app
            db.session.remove()
    finally:
        server.shutdown()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def fair(make_user, make_org, make_member, make_event):
    """Builds, in whichever database the current app context uses, an organization with two
    organizers (owner and manager), an event taking booth applications and a 4-booth plan."""

    def build() -> SimpleNamespace:
        owner, manager = make_user(name="Olive Owner"), make_user(name="Manny Manager")
        org = make_org(owner=owner)
        make_member(manager, org, Role.MANAGER)
        event = make_event(org)
        market = Market(SimpleNamespace(event=event, org=org, users={"organizer": owner}),
                        make_user)
        return SimpleNamespace(market=market, organizers=[owner, manager], org=org,
                               event=event, booths=market.booths)

    return build


def cookie_for(app, user) -> str:
    """A session cookie for `user`, signed as the login form would leave it."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": user.get_id(), "_fresh": True})


def race(posts: list[Callable[[requests.Session], int]]) -> list[int]:
    """Each post on its own thread and HTTP session, released at the same moment."""
    barrier = threading.Barrier(len(posts))

    def run(post):
        with requests.Session() as http:
            barrier.wait(timeout=30)
            return post(http)

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(run, posts))


def organizer_post(base: str, app, user, path: str, data: dict):
    cookie = cookie_for(app, user)

    def post(http: requests.Session) -> int:
        http.cookies.set("session", cookie)
        return http.post(base + path, data=data, allow_redirects=False, timeout=60).status_code
    return post


def holders(event_id: int, booth_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(BoothApplication.id).where(
        BoothApplication.event_id == event_id, BoothApplication.booth_id == booth_id)))


def reload(application: BoothApplication) -> BoothApplication:
    db.session.expire_all()
    return db.session.get(BoothApplication, application.id)


# ---------------------------------------------------------------- two organizers, one booth

def two_submitted(f) -> list[BoothApplication]:
    first = f.market.submitted(preferences=[f.booths[0]], name="Bao Stand")
    second = f.market.submitted(preferences=[f.booths[0]], name="Taco Truck")
    return [first, second]


def two_paid_without_booth(f) -> list[BoothApplication]:
    found = two_submitted(f)
    for application in found:
        review.decide(application, "approve", "Welcome!", f.organizers[0])
        applications.transition(application, S.PAID, None, "Paid at the desk.")
    db.session.commit()
    return found


GIVE = {
    "approve": (two_submitted, "decide",
                lambda booth: {"decision": "approve", "booth_id": booth, "message": "Welcome!"}),
    "assign": (two_paid_without_booth, "assign", lambda booth: {"booth_id": booth}),
}


def organizers_race(f, base: str, app, how: str) -> tuple[list[BoothApplication], list[int]]:
    """Both organizers give booth A1, each to a different application, at the same moment."""
    prepare, action, form = GIVE[how]
    found = prepare(f)
    booth = f.booths[0].id
    prefix = f"/orgs/{f.org.slug}/events/{f.event.id}/vendors/applications"
    codes = race([organizer_post(base, app, user, f"{prefix}/{application.id}/{action}",
                                 form(booth))
                  for user, application in zip(f.organizers, found, strict=True)])
    return found, codes


@pytest.mark.parametrize("how", list(GIVE))
def test_without_the_key_two_organizers_give_one_booth_to_two_vendors(
        unguarded_database, fair, how):
    with serving(unguarded_database) as (base, app):
        f = fair()
        found, codes = organizers_race(f, base, app, how)
        assert codes == [303, 303], "both organizers were told the booth is given"
        assert sorted(holders(f.event.id, f.booths[0].id)) == sorted(a.id for a in found), \
            "the race did not happen: the guard-off run must put two vendors on one booth"


@pytest.mark.parametrize("how", list(GIVE))
def test_two_organizers_giving_one_booth_at_once_give_it_once(fair, how):
    with serving() as (base, app):
        f = fair()
        found, codes = organizers_race(f, base, app, how)
        assert sorted(codes) == [303, 409]
        (holder,) = holders(f.event.id, f.booths[0].id)
        winner = found[codes.index(303)]
        loser = reload(found[codes.index(409)])
        assert holder == winner.id
        assert loser.booth_id is None
        expected = S.ASSIGNED if how == "assign" else S.APPROVED
        assert reload(winner).status == expected
        assert loser.status == (S.PAID if how == "assign" else S.SUBMITTED)


# ---------------------------------------------------------------- two payments, one booth

def two_unpaid_orders(f) -> list[BoothApplication]:
    """Two approved applications both preferring A1 first (then A2, A3), each with an
    open sandbox order for the booth fee."""
    first = f.market.submitted(preferences=[f.booths[0], f.booths[1]], name="Bao Stand")
    second = f.market.submitted(preferences=[f.booths[0], f.booths[2]], name="Taco Truck")
    for application in (first, second):
        review.decide(application, "approve", "Welcome!", f.organizers[0])
        assignment.place_booth_order(application, application.user, "sandbox")
    db.session.commit()
    return [first, second]


def payments_race(f, base: str, app) -> tuple[list[BoothApplication], list[int]]:
    found = two_unpaid_orders(f)
    bodies = [webhook_body(a.order, event_id=f"evt_{a.id}", charge=f"ch_{a.id}") for a in found]

    def deliver(body: bytes):
        def post(http: requests.Session) -> int:
            return http.post(f"{base}/webhooks/sandbox", data=body,
                             headers=signed_headers(app, body), timeout=60).status_code
        return post

    return found, race([deliver(body) for body in bodies])


def test_without_the_key_two_payments_put_two_vendors_on_one_booth(unguarded_database, fair):
    with serving(unguarded_database) as (base, app):
        f = fair()
        found, codes = payments_race(f, base, app)
        assert codes == [200, 200]
        assert sorted(holders(f.event.id, f.booths[0].id)) == sorted(a.id for a in found), \
            "the race did not happen: the guard-off run must put two vendors on one booth"


def test_two_payments_for_the_same_preferred_booth_give_it_to_one(fair):
    with serving() as (base, app):
        f = fair()
        found, codes = payments_race(f, base, app)
        assert codes == [200, 200]
        (holder,) = holders(f.event.id, f.booths[0].id)
        first, second = (reload(a) for a in found)
        assert {first.status, second.status} == {S.ASSIGNED}
        winner, loser = (first, second) if holder == first.id else (second, first)
        # The loser gets its own next preference, not whatever is free.
        assert loser.booth_id == loser.preferences[1]
        assert [h.to_status for h in loser.history][-2:] == ["paid", "assigned"]
        assert winner.booth_id == f.booths[0].id


def test_two_payments_for_the_last_free_booth_leave_one_paid_and_waiting(fair):
    with serving() as (base, app):
        f = fair()
        for booth in f.booths[1:]:  # kept back: A1 is the only booth left
            booth.reserved = True
        db.session.commit()
        found, codes = payments_race(f, base, app)
        assert codes == [200, 200]
        (holder,) = holders(f.event.id, f.booths[0].id)
        statuses = sorted(reload(a).status.value for a in found)
        assert statuses == ["assigned", "paid"]
        loser = next(reload(a) for a in found if a.id != holder)
        assert loser.booth_id is None
