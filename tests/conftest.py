"""Shared fixtures: the app from the factory, clients per role, factories, services.

Backends: `TEST_DB=sqlite` (default) or `TEST_DB=postgres` (uses `TEST_DATABASE_URL`).
Tests marked `postgres` run in the PostgreSQL pass; in the SQLite pass they are deselected
when a PostgreSQL pass will follow (TEST_DATABASE_URL set), and skipped otherwise.
`REQUIRE_SERVICES=1` turns every "server absent" skip into a failure.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="marquee-tests-"))
os.environ["INSTANCE_PATH"] = str(_TMP / "instance")
os.environ.setdefault("FLASK_ENV", "testing")
for _name in ("DATABASE_URL", "REDIS_URL_FOR_APP", "MAIL_SERVER"):
    os.environ.pop(_name, None)

from app import create_app  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from app.models import (  # noqa: E402
    Event,
    EventStatus,
    Membership,
    Organization,
    OutboundEmail,
    Role,
    User,
    Venue,
)
from app.models.types import utcnow  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / "test-output"))
BACKEND = "postgres" if os.environ.get("TEST_DB") == "postgres" else "sqlite"
PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def require_service(available: bool, reason: str) -> None:
    """Skip (or, under REQUIRE_SERVICES=1, fail) when a real server is absent."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    if BACKEND == "postgres":
        return
    if not PG_URL:
        return  # the autouse `_postgres_only` fixture skips (or fails) them
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:  # they run in the PostgreSQL pass
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres") and BACKEND != "postgres":
        require_service(False, "needs PostgreSQL (set TEST_DATABASE_URL and TEST_DB=postgres)")


def _database_url() -> str:
    if BACKEND == "postgres":
        if not PG_URL:
            pytest.exit("TEST_DB=postgres needs TEST_DATABASE_URL", returncode=2)
        from app.config import _database_url as normalise

        return normalise(PG_URL)
    return f"sqlite:///{_TMP / 'test.db'}"


def base_config(**overrides) -> dict:
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "JOBS_INLINE": True,
        "SANDBOX_WEBHOOK_INPROCESS": True,
        "MAIL_SERVER": None,
        "DEV_MAIL_VIEWER": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        "PUBLIC_URL": "http://localhost",
    }
    if BACKEND == "postgres":
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 20,
                                               "max_overflow": 40}
    config.update(overrides)
    return config


def _isolate_requests(app) -> None:
    """Run each test-client request in an empty context, so it pushes its own app context
    and gets its own database session, exactly as in production (the test's own session
    is not shared with the view, so a view that forgets to commit is caught)."""
    inner = app.wsgi_app

    def isolated(environ, start_response):
        return contextvars.Context().run(inner, environ, start_response)

    app.wsgi_app = isolated


def reset_schema(app) -> None:
    with app.app_context():
        if BACKEND == "postgres":
            from sqlalchemy import text

            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()


def empty_tables(app) -> None:
    from sqlalchemy import text

    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if BACKEND == "postgres":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(scope="session")
def app():
    app = create_app(base_config())
    _isolate_requests(app)
    reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs inside an app context with clean tables and fresh rate limits."""
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        limiter.reset()
        yield
        db.session.rollback()
        db.session.remove()
    empty_tables(app)


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx_client(app):
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


# ---------------------------------------------------------------- factories

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


@pytest.fixture
def password():
    """A password that satisfies the policy, different for every test."""
    return "pw-" + secrets.token_urlsafe(12)


_SHARED_PASSWORD_HASH: list[str] = []


def _hash_for(password: str | None) -> str:
    """argon2 is slow on purpose; users created without a password share one hash."""
    from app.services.passwords import hash_password

    if password is not None:
        return hash_password(password)
    if not _SHARED_PASSWORD_HASH:
        _SHARED_PASSWORD_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _SHARED_PASSWORD_HASH[0]


@pytest.fixture
def make_user():
    def make(email: str | None = None, *, password: str | None = None, verified: bool = True,
             name: str | None = None, site_admin: bool = False) -> User:
        user = User(
            email=(email or f"{unique('user')}@example.test").lower(),
            name=name or "Test Person",
            password_hash=_hash_for(password),
            email_verified_at=utcnow() if verified else None,
            is_site_admin=site_admin,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_org(make_user):
    def make(*, owner: User | None = None, name: str | None = None) -> Organization:
        name = name or unique("Org ")
        org = Organization(name=name, slug=unique("org-"))
        db.session.add(org)
        if owner is not None:
            db.session.add(Membership(user=owner, organization=org, role=Role.OWNER))
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_member():
    def make(user: User, org: Organization, role: Role) -> Membership:
        membership = Membership(user=user, organization=org, role=role)
        db.session.add(membership)
        db.session.commit()
        return membership

    return make


@pytest.fixture
def make_event(make_org):
    def make(org: Organization | None = None, *, status: EventStatus = EventStatus.PUBLISHED,
             title: str | None = None, category: str = "concert", starts_in_days: int = 30,
             hours: int = 4, timezone: str = "Africa/Lusaka", currency: str = "ZMW") -> Event:
        org = org or make_org()
        venue = Venue(organization=org, name=unique("Hall "), timezone=timezone)
        starts = utcnow().replace(microsecond=0) + timedelta(days=starts_in_days)
        event = Event(
            organization=org, venue=venue, title=title or unique("Event "),
            slug=unique("event-"), category=category, description="A test event.",
            starts_at=starts, ends_at=starts + timedelta(hours=hours),
            timezone=timezone, currency=currency, status=status,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return make


def login(client, user: User) -> None:
    """Log `client` in as `user` (as the login form would leave the session)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def login_as(app):
    def make(user: User, *, htmx: bool = False):
        client = app.test_client()
        if htmx:
            client.environ_base["HTTP_HX_REQUEST"] = "true"
        login(client, user)
        return client

    return make


ROLES = ("anonymous", "attendee", "vendor", "crew", "gate", "organizer", "other_organizer",
         "site_admin")


@pytest.fixture
def world(make_user, make_org, make_member, make_event):
    """One of each kind of person, two organizations, and a published event in each.

    `world.users[role]` (None for anonymous), `world.org` (the organizer's own),
    `world.other_org`, `world.event`, `world.other_event`.
    """

    class World:
        pass

    w = World()
    organizer = make_user(name="Olive Organizer")
    other = make_user(name="Oscar Otherorg")
    w.org = make_org(owner=organizer, name="Main Stage Productions")
    w.other_org = make_org(owner=other, name="Elsewhere Events")
    gate = make_user(name="Gail Gate")
    make_member(gate, w.org, Role.GATE)
    w.users = {
        "anonymous": None,
        "attendee": make_user(name="Ada Attendee"),
        "vendor": make_user(name="Vic Vendor"),
        "crew": make_user(name="Cory Crew"),
        "gate": gate,
        "organizer": organizer,
        "other_organizer": other,
        "site_admin": make_user(name="Sam Siteadmin", site_admin=True),
    }
    w.event = make_event(w.org)
    w.other_event = make_event(w.other_org)
    return w


@pytest.fixture
def client_for(app, world):
    """`client_for(role)` → a test client logged in as that role of `world`."""

    def make(role: str, *, htmx: bool = False):
        client = app.test_client()
        if htmx:
            client.environ_base["HTTP_HX_REQUEST"] = "true"
        user = world.users[role]
        if user is not None:
            login(client, user)
        return client

    return make


# ---------------------------------------------------------------- outbox helpers

@pytest.fixture
def outbox():
    """`outbox()` → every outbox row, oldest first, freshly read."""

    def read(to: str | None = None) -> list[OutboundEmail]:
        db.session.expire_all()
        query = db.select(OutboundEmail).order_by(OutboundEmail.id)
        if to:
            query = query.where(OutboundEmail.to_email == to.lower())
        return list(db.session.execute(query).scalars())

    return read


# ---------------------------------------------------------------- services

@pytest.fixture
def redis_url():
    require_service(bool(REDIS_URL), "Redis is not configured (set REDIS_URL)")
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # unreachable counts as absent
        require_service(False, f"Redis at REDIS_URL is unreachable: {exc}")
    return REDIS_URL


@pytest.fixture
def output_dir(request) -> Path:
    """A folder under the run's output directory for this test's screenshots and files."""
    path = OUTPUT_DIR / BACKEND / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path
