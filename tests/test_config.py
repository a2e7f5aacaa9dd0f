"""Configuration from the environment: secrets, database URLs, cookie flags, production rules."""

from __future__ import annotations

import os
import stat

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as config_module
from app import create_app
from app.config import Config, ConfigError

VARIABLES = ("FLASK_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SESSION_COOKIE_SECURE",
             "DEV_MAIL_VIEWER", "TRUSTED_PROXIES", "MAIL_SERVER", "SERVER_NAME", "PUBLIC_URL",
             "DATABASE_PRE_PING", "DATABASE_POOL_RECYCLE")


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment with its own instance folder and no `.env` file to read."""
    for name in VARIABLES:
        # set then delete, so that monkeypatch also removes what `.env` loading adds
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(config_module, "ROOT", tmp_path)  # where `.env` would be read from
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    set_env.instance = tmp_path / "instance"
    return set_env


def test_production_requires_secret_key(env, tmp_path):
    env(FLASK_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env()
    assert not (env.instance / "secret_key").exists(), "production must never invent a key"


def test_production_requires_database_url(env):
    env(FLASK_ENV="production", SECRET_KEY="s" * 40)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Config.from_env()


def test_development_generates_the_secret_once(env):
    env(FLASK_ENV="development")
    first = Config.from_env().SECRET_KEY
    path = env.instance / "secret_key"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert Config.from_env().SECRET_KEY == first
    assert path.read_text().strip() == first


def test_development_reads_dotenv(env, tmp_path):
    (tmp_path / ".env").write_text("SECRET_KEY=from-the-dotenv-file\n")
    env(FLASK_ENV="development")
    assert Config.from_env().SECRET_KEY == "from-the-dotenv-file"


def test_dotenv_values_do_not_leak_between_tests():
    assert os.environ.get("SECRET_KEY") != "from-the-dotenv-file"


def test_secret_key_from_environment_wins(env):
    env(FLASK_ENV="development", SECRET_KEY="given-in-the-environment")
    assert Config.from_env().SECRET_KEY == "given-in-the-environment"
    assert not (env.instance / "secret_key").exists()


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u:p@db:5432/marquee", "postgresql+psycopg://u:p@db:5432/marquee"),
    ("postgresql://u@db/marquee", "postgresql+psycopg://u@db/marquee"),
    ("postgresql+psycopg://u@db/marquee", "postgresql+psycopg://u@db/marquee"),
    ("sqlite:////srv/marquee.db", "sqlite:////srv/marquee.db"),
])
def test_database_url_is_normalised(env, given, expected):
    env(FLASK_ENV="development", SECRET_KEY="k", DATABASE_URL=given)
    assert Config.from_env().SQLALCHEMY_DATABASE_URI == expected


def test_default_database_is_sqlite_in_instance(env):
    env(FLASK_ENV="development", SECRET_KEY="k")
    uri = Config.from_env().SQLALCHEMY_DATABASE_URI
    assert uri == f"sqlite:///{env.instance / 'marquee.db'}"


@pytest.mark.parametrize(("given", "check", "pre_ping"), [
    (None, "socket", False), ("socket", "socket", False), ("query", "query", True),
    ("1", "query", True), ("off", "off", False), ("0", "off", False)])
def test_pooled_connections_are_checked_as_configured(env, given, check, pre_ping):
    if given is not None:
        env(DATABASE_PRE_PING=given)
    config = Config.from_env()
    assert config.DATABASE_CONNECTION_CHECK == check
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is pre_ping
    if not pre_ping:  # recycled instead: a peer that vanished silently is not seen
        assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_recycle"] == 300


def test_an_unknown_connection_check_is_refused(env):
    env(DATABASE_PRE_PING="sometimes")
    with pytest.raises(ConfigError, match="DATABASE_PRE_PING"):
        Config.from_env()


def test_jobs_run_inline_without_redis(env):
    env(FLASK_ENV="development", SECRET_KEY="k")
    assert Config.from_env().JOBS_INLINE is True
    env(REDIS_URL="redis://127.0.0.1:6379/0")
    config = Config.from_env()
    assert config.JOBS_INLINE is False
    assert config.REDIS_URL == "redis://127.0.0.1:6379/0"


def test_cookies_are_secure_in_production(env, tmp_path):
    env(FLASK_ENV="production", SECRET_KEY="k" * 40, DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    config = Config.from_env()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
    assert config.PREFERRED_URL_SCHEME == "https"


def test_cookies_are_not_secure_in_development(env):
    env(FLASK_ENV="development", SECRET_KEY="k")
    assert Config.from_env().SESSION_COOKIE_SECURE is False


def test_production_app_has_no_mail_viewer_and_secure_cookies(env, tmp_path):
    env(FLASK_ENV="production", SECRET_KEY="k" * 40, DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
        DEV_MAIL_VIEWER="1", TRUSTED_PROXIES="1")
    app = create_app()
    assert app.config["DEV_MAIL_VIEWER"] is False
    assert not [e for e in app.view_functions if e.startswith("dev.")], (
        "the development mail viewer must not exist in production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert isinstance(app.wsgi_app, ProxyFix)
