"""Marquee: the application factory."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import DEFAULTS, Config


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, then `config` (a dict) on top."""
    app = Flask(__name__, instance_relative_config=False)
    values = dict(DEFAULTS)
    values.update(vars(Config.from_env()))
    values.update(config or {})
    app.config.update(values)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    _keep_prepared_statements(app)
    app.instance_path = app.config["INSTANCE_PATH"]
    if app.config.get("TRUSTED_PROXIES"):
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    _check_connections(app)
    from app.web import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    _register_blueprints(app)
    from app.errors import register_error_handlers
    from app.formatting import init_formatting
    from app.security import init_security
    from app.url_cache import init_url_cache

    register_error_handlers(app)
    init_formatting(app)
    init_security(app)
    init_url_cache(app)

    from app.cli import register_cli

    register_cli(app)
    if not app.config.get("TESTING"):
        logging.basicConfig(level=logging.INFO)
    return app


def _keep_prepared_statements(app: Flask) -> None:
    """On PostgreSQL, for the statements `app.sql_batches` prepares and keeps: psycopg's
    automatic prepared statements are off, as it deallocates every prepared statement of a
    connection whenever it rolls back (which the session does after each request that only
    read), ours included. (The batches ask for generic plans around their own statements:
    see `app.sql_batches.postgresql`.)"""
    if not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _check_connections(app: Flask) -> None:
    """DATABASE_CONNECTION_CHECK `socket`: the pool checks a PostgreSQL connection's socket
    before handing it out (`app.db_checkout`); `query` is SQLAlchemy's `pool_pre_ping`."""
    if app.config.get("DATABASE_CONNECTION_CHECK") != "socket":
        return
    from app.db_checkout import check_on_checkout
    from app.extensions import db

    with app.app_context():
        check_on_checkout(db.engine)


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table registered on the metadata)
    from app.csrf_tokens import init_csrf_tokens
    from app.extensions import csrf, db, jobs, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    init_csrf_tokens(app)
    limiter.init_app(app)
    jobs.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from app.services.accounts import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


def _register_blueprints(app: Flask) -> None:
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.checkin import bp as checkin_bp
    from app.blueprints.events import bp as events_bp
    from app.blueprints.main import bp as main_bp
    from app.blueprints.orgs import bp as orgs_bp
    from app.blueprints.seating import bp as seating_bp
    from app.blueprints.tickets import bp as tickets_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(seating_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(checkin_bp)
    _register_order_blueprints(app)
    _register_crew_blueprints(app)
    _register_vendor_blueprints(app)
    if app.config.get("DEV_MAIL_VIEWER") and app.config.get("ENV") != "production":
        from app.blueprints.dev import bp as dev_bp

        app.register_blueprint(dev_bp)


def _register_crew_blueprints(app: Flask) -> None:
    """The crew portal and the organizers' crew tools."""
    from app.blueprints.crew import bp as crew_bp
    from app.blueprints.crew_admin import bp as crew_admin_bp

    app.register_blueprint(crew_bp)
    app.register_blueprint(crew_admin_bp)


def _register_vendor_blueprints(app: Flask) -> None:
    """Vendors applying for booths, and the organizers' booth tools."""
    from app.blueprints.vendors import bp as vendors_bp
    from app.blueprints.vendors_admin import bp as vendors_admin_bp

    app.register_blueprint(vendors_bp)
    app.register_blueprint(vendors_admin_bp)


def _register_order_blueprints(app: Flask) -> None:
    """Checkout and orders, the organizers' payment tools, the sandbox gateway, webhooks."""
    from app.blueprints.checkout import bp as checkout_bp
    from app.blueprints.payments_admin import bp as payments_admin_bp
    from app.blueprints.sandbox_gateway import bp as sandbox_gateway_bp
    from app.blueprints.webhooks import bp as webhooks_bp

    app.register_blueprint(checkout_bp)
    app.register_blueprint(payments_admin_bp)
    app.register_blueprint(webhooks_bp)
    if app.config.get("SANDBOX_GATEWAY_ENABLED"):
        app.register_blueprint(sandbox_gateway_bp)
