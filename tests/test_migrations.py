"""The migrations in `migrations/` build exactly the schema the models describe.

Each test runs on a database of its own (a temporary SQLite file, or a `<name>_migrations`
database beside the PostgreSQL test database), never on the suite's shared one.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import BACKEND, PG_URL, ROOT, base_config

MIGRATIONS = str(ROOT / "migrations")


@contextmanager
def _logging_kept():
    """Alembic's env.py configures logging from alembic.ini; put the test run's back."""
    names = ("", "alembic", "sqlalchemy", "sqlalchemy.engine", "flask_migrate")
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
             for name in names}
    try:
        yield
    finally:
        for name, (level, handlers) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers


@pytest.fixture
def empty_database_url(tmp_path: Path):
    """The URL of a new, empty database on the backend under test; dropped afterwards."""
    if BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    from app.config import _database_url as normalise

    admin_url = make_url(normalise(PG_URL))
    name = f"{admin_url.database}_migrations"
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


@pytest.fixture
def migration_app(empty_database_url):
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=empty_database_url))
    with app.app_context(), _logging_kept():
        yield app
        db.session.remove()
        db.engine.dispose()


def _schema_differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_one_head_only():
    """Two migrations written in parallel must be merged (`flask db merge heads`)."""
    script = ScriptDirectory.from_config(_alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations/ has several heads {heads}; run `flask db merge heads`"


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(Path(MIGRATIONS) / "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    return config


def test_upgrade_matches_models(migration_app):
    assert _tables() == set(), "the database for this test should start empty"
    flask_migrate.upgrade(directory=MIGRATIONS)

    model_tables = set(db.metadata.tables)
    assert model_tables <= _tables(), f"tables missing after upgrade: {model_tables - _tables()}"
    differences = _schema_differences()
    assert differences == [], (
        "The models differ from what the migrations build. Add a migration with "
        "`flask --app app:create_app db migrate -m '...'` and review it. Differences:\n"
        + "\n".join(f"  {d!r}" for d in differences)
    )


def test_downgrade_to_base_and_up_again(migration_app):
    flask_migrate.upgrade(directory=MIGRATIONS)
    flask_migrate.downgrade(directory=MIGRATIONS, revision="base")

    left = _tables() - {"alembic_version"}
    assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"

    flask_migrate.upgrade(directory=MIGRATIONS)
    assert _schema_differences() == []
